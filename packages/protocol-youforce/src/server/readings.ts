/**
 * The YouForce server's readings of the points its documents leave open (`reading` option):
 * `default`, `lenient` (accepts everything the documents do not forbid) and `strict` (refuses
 * everything the documents allow a server to refuse, and takes the other answer where they leave a
 * choice). Each point is decided here, once, and read by the one handler that applies it; the
 * package README lists them. `contradicts` names the `should` rules (inferences) that a reading
 * legitimately breaks; no reading breaks a `must` rule.
 */
import type { Reading, ReadingCatalogue } from "@partwise/node";

export const YOUFORCE_READINGS = {
  lenient: {
    contradicts: {
      "YF-METADATA-CONTENT-TYPE":
        "[S4] tells clients to send application/json; charset=UTF-8 but does not tell a server to refuse other types: the lenient server reads any metadata part that holds JSON, in its declared charset",
      "YF-NAME-EXTENSION-SCRIPTS":
        "the list of malicious extensions is unpublished: the lenient server denies only the Windows program extensions (.exe .bat .cmd .com .scr)",
      "YF-RESUMABLE-CHUNK-LIMIT":
        "the 9 MB maximum is an instruction to clients and the PowerShell client configures chunks up to 100 MiB: the lenient server takes chunks up to 100 MiB",
      "YF-RESUMABLE-CLOSE-GAP":
        "what close does with a missing position is undocumented: the lenient server closes with the chunks it has, in position order",
    },
  },
  strict: {
    contradicts: {
      "YF-SIZE-UNIT":
        "which MB the documents mean is open: the strict server reads 100 MB and 9 MB as 100,000,000 and 9,000,000 bytes, so a chunk of 9 MiB is refused",
      "YF-METADATA-KEYS":
        "[S4] shows two spellings of the keys (FileName/BusinessTypeId and name/businesstypeid): the strict server accepts exactly those, not other letter cases",
      "YF-RESUMABLE-RESEND":
        "whether a position may be sent twice is undocumented: the strict server refuses a second chunk at a stored position with 409",
    },
  },
} as const satisfies ReadingCatalogue;

/** Every point a reading decides (README: "Readings"). */
export interface ReadingPoints {
  /**
   * YF-MULTIPART-MAX-SIZE: bytes of file content; MB as 2^20 (YF-SIZE-UNIT: the default accepts the
   * larger reading, as the PowerShell client counts in MiB) or as 10^6 (strict).
   */
  readonly multipartMaxSize: number;
  /** YF-RESUMABLE-CHUNK-SIZE / -LIMIT / YF-SIZE-UNIT: bytes of one chunk (9 MiB, or 9,000,000 strict). */
  readonly chunkMaxSize: number;
  /** The status of a body over a size limit: 413 Content Too Large, or [S4]'s generic 400. */
  readonly oversizeStatus: 413 | 400;
  /** YF-CONTENT-TYPE: the status of an upload that is not multipart/related. */
  readonly contentTypeStatus: 415 | 400;
  /** YF-AUTH-ISOLATION: the status of another token's file (or an unknown one). */
  readonly unreachableStatus: 404 | 403;
  /** The guides' download and delete URLs carry `role`: required, or defaulted when absent. */
  readonly requireRole: boolean;
  /** YF-METADATA-CONTENT-TYPE: refuse a metadata part not declared application/json in UTF-8. */
  readonly metadataJsonOnly: boolean;
  /** YF-METADATA-KEYS: keys in any letter case, or only the two spellings [S4] shows. */
  readonly metadataKeysAnyCase: boolean;
  /** YF-NAME-EXTENSION(-SCRIPTS): the default deny list, without dots. */
  readonly deniedExtensions: readonly string[];
  /** YF-RESUMABLE-CLOSE-GAP: refuse a close with a missing position, or close with what is there. */
  readonly closeWithGap: "refuse" | "assemble";
  /** YF-RESUMABLE-RESEND: a chunk at a stored position replaces it, or is refused with 409. */
  readonly resend: "replace" | "refuse";
  /** Success statuses the documents leave open: the resumable POST, a chunk, the closing chunk. */
  readonly startStatus: 201 | 200;
  readonly chunkStatus: 202 | 200;
  readonly closeStatus: 201 | 200;
  /** YF-DELETE: deleting a file already deleted for the caller answers 204 again, or 404. */
  readonly deleteAgainStatus: 204 | 404;
}

const MiB = 1024 * 1024;
const PROGRAMS = ["exe", "bat", "cmd", "com", "scr"];
const SCRIPTS = ["js", "vbs", "ps1", "msi", "jar"];

const POINTS: Readonly<Record<Reading, ReadingPoints>> = {
  default: {
    multipartMaxSize: 100 * MiB,
    chunkMaxSize: 9 * MiB,
    oversizeStatus: 413,
    contentTypeStatus: 415,
    unreachableStatus: 404,
    requireRole: false,
    metadataJsonOnly: true,
    metadataKeysAnyCase: true,
    deniedExtensions: [...PROGRAMS, ...SCRIPTS],
    closeWithGap: "refuse",
    resend: "replace",
    startStatus: 201,
    chunkStatus: 202,
    closeStatus: 201,
    deleteAgainStatus: 204,
  },
  lenient: {
    multipartMaxSize: 100 * MiB,
    chunkMaxSize: 100 * MiB,
    oversizeStatus: 413,
    contentTypeStatus: 415,
    unreachableStatus: 404,
    requireRole: false,
    metadataJsonOnly: false,
    metadataKeysAnyCase: true,
    deniedExtensions: PROGRAMS,
    closeWithGap: "assemble",
    resend: "replace",
    startStatus: 201,
    chunkStatus: 202,
    closeStatus: 201,
    deleteAgainStatus: 204,
  },
  strict: {
    multipartMaxSize: 100_000_000,
    chunkMaxSize: 9_000_000,
    oversizeStatus: 400,
    contentTypeStatus: 400,
    unreachableStatus: 403,
    requireRole: true,
    metadataJsonOnly: true,
    metadataKeysAnyCase: false,
    deniedExtensions: [
      ...PROGRAMS,
      ...SCRIPTS,
      ...["dll", "sh", "hta", "wsf", "vbe", "jse", "lnk", "reg", "cpl", "msp", "pif", "ps2"],
    ],
    closeWithGap: "refuse",
    resend: "refuse",
    startStatus: 200,
    chunkStatus: 200,
    closeStatus: 200,
    deleteAgainStatus: 404,
  },
};

/** The points of `reading` (default `default`). */
export function readingPoints(reading: Reading | undefined): ReadingPoints {
  return POINTS[reading ?? "default"];
}
