/**
 * The BaseSpace server's readings of the points its documents ([S0][S1]) leave open (`reading`
 * option): `default`, `lenient` (accepts everything the documents do not forbid) and `strict`
 * (refuses everything the documents allow a server to refuse, and takes the other answer where they
 * leave a choice). `readingPolicy` turns a reading into the one value each handler consults where
 * the point is decided; the package README lists every point where the readings differ.
 *
 * `contradicts` names the `should` rules (inferences) that a reading legitimately breaks; no reading
 * breaks a `must` rule.
 */
import type { Reading, ReadingCatalogue } from "@partwise/node";

export const BASESPACE_READINGS = {
  lenient: {
    contradicts: {
      "BS-INIT-NAME":
        "the documents do not say that a nameless initiation is refused; the lenient server names the File after its id",
      "BS-COMPLETE-EMPTY":
        "the documents do not say what completing an upload without parts does; the lenient server completes an empty File",
    },
  },
  strict: {
    contradicts: {
      "BS-AUTH-401":
        "the documents give no status for a token the server does not know; the strict server answers 403",
      "BS-PARAMS-ANYWHERE":
        "the documents show the parameters in the query, lower case; the strict server reads them there only and exactly so",
      "BS-INIT-PATH":
        "the documents show a directory parameter but no nested directory; the strict server refuses a directory with a slash",
    },
  },
} as const satisfies ReadingCatalogue;

const MiB = 1024 * 1024;

/** How one reading decides each open point; one field per point, consulted where it is decided. */
export interface ReadingPolicy {
  /** BS-PART-MIN-SIZE, "5MB" [S1]: 5,242,880 (MiB) or 5,000,000 (10^6) bytes. */
  readonly minPartSize: number;
  /** BS-PART-MAX-SIZE, "25MB" [S1]: 26,214,400 (MiB) or 25,000,000 (10^6) bytes. */
  readonly maxPartSize: number;
  /**
   * BS-PART-MIN-SIZE: also refuse, at its PUT, a part under the minimum when a higher-numbered part
   * is already stored (it cannot be the final part); otherwise the minimum is checked at completion.
   */
  readonly minimumAtPut: boolean;
  /** BS-SIMPLE-UPLOAD: the largest simple upload (undocumented). */
  readonly maxSimpleUploadSize: number;
  /** BS-PART-MAX-SIZE: the status of an oversize part (undocumented: 413 or 400). */
  readonly partTooLargeStatus: 400 | 413;
  /** BS-AUTH: the status of a token the server does not know (undocumented: 401 or 403). */
  readonly unknownTokenStatus: 401 | 403;
  /** BS-AUTH-ISOLATION: another identity's AppResult (undocumented: 403 or 404). */
  readonly foreignAppResultStatus: 403 | 404;
  /** BS-AUTH-ISOLATION: another identity's File (undocumented: 404 or 403). */
  readonly foreignFileStatus: 403 | 404;
  /** BS-PART-NUMBER: a part number outside 1..10000 (undocumented: 400 or 404). */
  readonly badPartNumberStatus: 400 | 404;
  /** BS-PARAMS-ANYWHERE: parameters also from a JSON or form body (SDKs) or from the query only [S0][S1]. */
  readonly paramsInBody: boolean;
  /** Parameter names and `true`/`complete`/`aborted` exactly as documented (lower case), or in any case. */
  readonly exactParams: boolean;
  /** BS-INIT-PATH: a `directory` of several segments (`a/b`) is accepted, or refused (undocumented). */
  readonly nestedDirectories: boolean;
  /** BS-INIT-MULTIPART: an initiation must carry the file's Content-Type [S0], or defaults to octet-stream. */
  readonly requireContentType: boolean;
  /** BS-PART-ETAG: "hex encoded" [S1] in lower or upper case. */
  readonly etagCase: "lower" | "upper";
  /** BS-INIT-NAME: a nameless initiation is refused, or named after its File id. */
  readonly namelessInitiation: "refuse" | "name-by-id";
  /** BS-COMPLETE-EMPTY: completing without parts is refused, or completes an empty File. */
  readonly emptyCompletion: "refuse" | "empty-file";
  /** BS-PART-MD5: Content-MD5 only as padded base64 (RFC 1864), or also unpadded and hex. */
  readonly contentMd5Forms: "rfc1864" | "any";
  /** BS-DOWNLOAD: `redirect=true` answers a redirect to the bytes, or the bytes themselves. */
  readonly redirectTrue: "redirect" | "bytes";
  /** BS-DOWNLOAD: `Range` on files/{id}/content is honoured (206), or ignored (200, whole file). */
  readonly rangeOnApi: boolean;
  /** BS-ABORT: an aborted File stays (UploadStatus aborted), or is deleted (404 afterwards). */
  readonly abortDeletes: boolean;
  /** BS-COMPLETE-STATUS: completing a complete File again answers 201 again, or 409. */
  readonly completeAgain: 201 | 409;
}

const DEFAULT: ReadingPolicy = {
  minPartSize: 5 * MiB,
  maxPartSize: 25 * MiB,
  minimumAtPut: false,
  maxSimpleUploadSize: 25 * MiB,
  partTooLargeStatus: 413,
  unknownTokenStatus: 401,
  foreignAppResultStatus: 403,
  foreignFileStatus: 404,
  badPartNumberStatus: 400,
  paramsInBody: true,
  exactParams: false,
  nestedDirectories: true,
  requireContentType: false,
  etagCase: "lower",
  namelessInitiation: "refuse",
  emptyCompletion: "refuse",
  contentMd5Forms: "rfc1864",
  redirectTrue: "redirect",
  rangeOnApi: true,
  abortDeletes: false,
  completeAgain: 201,
};

const POLICIES: Readonly<Record<Reading, ReadingPolicy>> = {
  default: DEFAULT,
  lenient: {
    ...DEFAULT,
    minPartSize: 5_000_000,
    maxSimpleUploadSize: 1024 * MiB,
    namelessInitiation: "name-by-id",
    emptyCompletion: "empty-file",
    contentMd5Forms: "any",
  },
  strict: {
    ...DEFAULT,
    maxPartSize: 25_000_000,
    minimumAtPut: true,
    maxSimpleUploadSize: 25_000_000,
    partTooLargeStatus: 400,
    unknownTokenStatus: 403,
    foreignAppResultStatus: 404,
    foreignFileStatus: 403,
    badPartNumberStatus: 404,
    paramsInBody: false,
    exactParams: true,
    nestedDirectories: false,
    requireContentType: true,
    etagCase: "upper",
    redirectTrue: "bytes",
    rangeOnApi: false,
    abortDeletes: true,
    completeAgain: 409,
  },
};

/** The policy of a reading (default `default`). */
export function readingPolicy(reading: Reading = "default"): ReadingPolicy {
  return POLICIES[reading];
}
