/**
 * Reads the `multipart/related` body of `POST /files` as it streams in (RFC 2046 §5.1.1, RFC 2387,
 * [S4]): the metadata part first, bounded and parsed; the media part second, streamed straight
 * into `DiskStore.ingest` (hashed while written, never held in memory) and staged, not committed,
 * until the close delimiter shows the body was whole and had exactly two parts.
 *
 * Rules: YF-CONTENT-TYPE, MIME-CONTENT-TYPE, MIME-BOUNDARY-* (the `Content-Type` header);
 * MIME-RELATED-TYPE (`type`, optional, must name the root's type when given); MIME-RELATED-ROOT
 * (the root is the first part, or the one `start` names, and must be the metadata);
 * YF-TWO-PARTS, YF-METADATA-FIRST, YF-METADATA-JSON (the parts); the framing rules through the
 * engine's parser, whose errors each name their MIME-* rule; the size limits while streaming.
 *
 * Everything RFC 2046 allows is accepted: transport padding, preamble and epilogue, a quoted
 * boundary, no CRLF after the close delimiter, a media part without headers, with or without `type`.
 */
import { parseContentType, parseRelated, type RelatedPart } from "@partwise/engine";
import { BlobTooLargeError, type StagedBlob, type Store } from "@partwise/node";
import { quote, refuse } from "./errors.ts";
import { parseMetadata, type UploadMetadata } from "./metadata.ts";
import type { YouforceMutation } from "./mutations.ts";

export interface UploadBodyLimits {
  /** Largest media part, in bytes; more answers 413 naming `mediaRule`. */
  readonly maxMediaSize: number;
  /** YF-MULTIPART-MAX-SIZE or YF-RESUMABLE-CHUNK-SIZE. */
  readonly mediaRule: string;
  /** Largest metadata part (MIME-LIMIT-PART-SIZE). */
  readonly maxMetadataSize: number;
  /** Largest part header section (MIME-LIMIT-HEADER-SIZE). */
  readonly maxHeaderSize: number;
  /** Bytes allowed beyond the two parts' content: headers, delimiters, preamble, epilogue. */
  readonly maxFramingSize: number;
  /** The status of content over `maxMediaSize`: 413, or 400 in the strict reading. */
  readonly oversizeStatus: 413 | 400;
}

export interface UploadBody {
  readonly metadata: UploadMetadata;
  /** The media part, staged: the caller commits or discards it. */
  readonly media: StagedBlob;
}

/** The largest body the limits allow (MIME-LIMIT-BODY-SIZE), also checked against Content-Length. */
export function maxBodySize(limits: UploadBodyLimits): number {
  return limits.maxMediaSize + limits.maxMetadataSize + limits.maxFramingSize;
}

/** Checks the request's `Content-Type` (YF-CONTENT-TYPE) and returns it for the parser. */
export function checkUploadContentType(header: string | null, status: 415 | 400 = 415): string {
  if (header === null || header.trim() === "")
    refuse(
      status,
      "Content-Type must be multipart/related with a boundary; none was sent",
      "YF-CONTENT-TYPE",
    );
  const mediaType = header
    .split(";", 1)[0]!
    .trim()
    .toLowerCase()
    .replace(/\s*\/\s*/, "/");
  if (mediaType !== "multipart/related")
    refuse(
      status,
      `Content-Type must be multipart/related with a boundary, not ${quote(mediaType)}`,
      "YF-CONTENT-TYPE",
    );
  // Throws ContentTypeError (MIME-CONTENT-TYPE) or BoundaryError (MIME-BOUNDARY-*), mapped to 400.
  const parsed = parseContentType(header);
  // MIME-RELATED-TYPE: `type` may be absent ([S4] omits it); when given it is the root's media type.
  if (parsed.type !== undefined && parsed.type.trim().toLowerCase() !== "application/json")
    refuse(
      400,
      `The multipart/related type parameter names the root part's media type, application/json, not ${quote(parsed.type)}`,
      "MIME-RELATED-TYPE",
    );
  return header;
}

/** Reads the whole body: metadata, then media into the store; see the module comment. */
export async function readUploadBody(
  body: ReadableStream<Uint8Array> | null,
  contentType: string,
  store: Store,
  limits: UploadBodyLimits,
  parseOptions: {
    readonly deniedExtensions: ReadonlySet<string>;
    /** YF-METADATA-CONTENT-TYPE: refuse a metadata part not declared application/json in UTF-8. */
    readonly metadataJsonOnly: boolean;
    /** YF-METADATA-KEYS: match metadata keys in any letter case. */
    readonly metadataKeysAnyCase: boolean;
    /** Called with the metadata before the media streams in: refuse early (403) from here. */
    readonly authorize: (metadata: UploadMetadata) => void;
    /** Deliberate rule breaks, for testing conformance suites only (mutations.ts). */
    readonly mutations: ReadonlySet<YouforceMutation>;
  },
): Promise<UploadBody> {
  const { start } = parseContentType(contentType);
  const { mutations } = parseOptions;
  const unbounded = Number.POSITIVE_INFINITY;
  // Mutation YF-MULTIPART-MAX-SIZE: the file content is bounded by the Content-Length check only.
  const mediaUnbounded =
    mutations.has("YF-MULTIPART-MAX-SIZE") && limits.mediaRule === "YF-MULTIPART-MAX-SIZE";
  // Mutations YF-TWO-PARTS, MIME-LIMIT-PARTS, MIME-BOUNDARY-IN-CONTENT: parts after the second are ignored.
  const extraPartsIgnored =
    mutations.has("YF-TWO-PARTS") ||
    mutations.has("MIME-LIMIT-PARTS") ||
    mutations.has("MIME-BOUNDARY-IN-CONTENT");
  const parts = parseRelated(contentType, body ?? emptyBody(), {
    // Mutation MIME-LIMIT-HEADER-SIZE: header sections are not bounded.
    maxHeaderSize: mutations.has("MIME-LIMIT-HEADER-SIZE") ? unbounded : limits.maxHeaderSize,
    maxParts: mutations.has("MIME-LIMIT-PARTS") ? unbounded : 2,
    // Mutation MIME-LIMIT-BODY-SIZE: the body is not bounded.
    maxBodySize: mediaUnbounded || mutations.has("MIME-LIMIT-BODY-SIZE") ? unbounded : maxBodySize(limits),
  });
  const readMetadata = async (part: RelatedPart, rootId: string | undefined): Promise<UploadMetadata> => {
    const charset = checkRoot(part, rootId, parseOptions.metadataJsonOnly, mutations);
    const metadata = parseMetadata(
      // Mutation MIME-LIMIT-PART-SIZE: the metadata part is not bounded.
      await readBounded(part, mutations.has("MIME-LIMIT-PART-SIZE") ? unbounded : limits.maxMetadataSize),
      parseOptions.deniedExtensions,
      {
        mutations,
        charset,
        anyCase: parseOptions.metadataKeysAnyCase,
      },
    );
    parseOptions.authorize(metadata);
    return metadata;
  };
  const ingest = async (part: RelatedPart): Promise<StagedBlob> => {
    try {
      return await store.ingest(part.body, { maxBytes: mediaUnbounded ? unbounded : limits.maxMediaSize });
    } catch (error) {
      if (error instanceof BlobTooLargeError)
        refuse(
          limits.oversizeStatus,
          `The file content exceeds ${limits.maxMediaSize} bytes; nothing was stored${limits.mediaRule === "YF-MULTIPART-MAX-SIZE" ? "; use uploadType=resumable" : ""}`,
          limits.mediaRule,
        );
      throw error;
    }
  };
  const secondPart = async (): Promise<RelatedPart> => {
    const second = await parts.next();
    if (second.done)
      refuse(
        400,
        "The body has one part; it must have two, the metadata then the file content",
        "YF-TWO-PARTS",
      );
    return second.value;
  };

  let media: StagedBlob | undefined;
  try {
    const first = await parts.next();
    if (first.done) refuse(400, "The body has no parts; send metadata then media", "YF-TWO-PARTS");
    let metadata: UploadMetadata;
    if (mutations.has("MIME-RELATED-ROOT") && isJsonPart(first.value)) {
      // Mutation MIME-RELATED-ROOT: when the second part is JSON too, it is taken for the metadata.
      const firstBytes = await readBounded(first.value, limits.maxMediaSize);
      const second = await secondPart();
      if (isJsonPart(second)) {
        metadata = await readMetadata(second, undefined);
        media = await store.ingest(
          (async function* () {
            yield firstBytes;
          })(),
        );
      } else {
        metadata = parseMetadata(firstBytes, parseOptions.deniedExtensions, { mutations });
        media = await ingest(second);
      }
    } else if (mutations.has("YF-METADATA-FIRST") && !isJsonPart(first.value)) {
      // Mutation YF-METADATA-FIRST: a first part that is not JSON is taken for the media part.
      media = await ingest(first.value);
      metadata = await readMetadata(await secondPart(), undefined);
    } else {
      metadata = await readMetadata(first.value, start);
      media = await ingest(await secondPart());
    }

    const third = extraPartsIgnored ? { done: true } : await parts.next();
    if (!third.done)
      refuse(
        400,
        "The body has more than two parts; it must have exactly two, the metadata then the file content. A boundary must not occur inside a part (MIME-BOUNDARY-IN-CONTENT)",
        "YF-TWO-PARTS",
      );
    return { metadata, media };
  } catch (error) {
    await media?.discard();
    throw error;
  } finally {
    await parts.return();
  }
}

/**
 * MIME-RELATED-ROOT, YF-METADATA-FIRST, YF-METADATA-CONTENT-TYPE: the first part is the root
 * (RFC 2387 §3.2, or the part `start` names, which must then be the first) and is the JSON metadata
 * with `Content-Type: application/json` and, when a charset is given, UTF-8. With `jsonOnly` off
 * (the lenient reading) any declared type is read as JSON, in its declared charset. Returns the
 * charset to decode the metadata with (undefined: UTF-8).
 */
function checkRoot(
  part: RelatedPart,
  start: string | undefined,
  jsonOnly: boolean,
  mutations: ReadonlySet<YouforceMutation>,
): string | undefined {
  if (start !== undefined) {
    const contentId = part.headers.get("content-id");
    if (contentId === undefined || stripAngles(contentId) !== stripAngles(start))
      refuse(
        400,
        `The start parameter must name the first part, the metadata; its Content-ID is ${contentId === undefined ? "missing" : quote(contentId)}`,
        "MIME-RELATED-ROOT",
      );
  }
  const header = part.headers.get("content-type");
  // Mutation YF-METADATA-JSON:exact-header: only the header exactly as [S4] writes it.
  if (mutations.has("YF-METADATA-JSON:exact-header") && header !== "application/json; charset=UTF-8")
    refuse(400, "The metadata part must be application/json; charset=UTF-8 (mutant)", "YF-METADATA-JSON");
  const [mediaType, ...params] = (header ?? "").split(";").map((s) => s.trim());
  let charset: string | undefined;
  if (mediaType?.toLowerCase() !== "application/json" && jsonOnly)
    refuse(
      400,
      `The first part must be the metadata, with Content-Type application/json; charset=UTF-8; it has ${header === undefined ? "no Content-Type" : `Content-Type ${quote(header)}`} (YF-METADATA-FIRST)`,
      "YF-METADATA-CONTENT-TYPE",
    );
  for (const param of params) {
    const eq = param.indexOf("=");
    if (eq < 0) continue;
    const name = param.slice(0, eq).trim().toLowerCase();
    const value = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1")
      .toLowerCase();
    if (name !== "charset" || value === "utf-8" || value === "utf8") continue;
    if (jsonOnly)
      refuse(
        400,
        `The metadata part must be UTF-8 JSON, not charset ${quote(value)}`,
        "YF-METADATA-CONTENT-TYPE",
      );
    charset = value;
  }
  return charset;
}

function isJsonPart(part: RelatedPart): boolean {
  return part.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase() === "application/json";
}

function stripAngles(id: string): string {
  return id.trim().replace(/^<(.*)>$/, "$1");
}

/** A part's content, up to `max` bytes; more is a 400 (MIME-LIMIT-PART-SIZE) while it streams. */
async function readBounded(part: RelatedPart, max: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of part.body) {
    size += chunk.length;
    if (size > max)
      refuse(400, `The metadata part is larger than ${max} bytes (YF-METADATA-JSON)`, "MIME-LIMIT-PART-SIZE");
    chunks.push(chunk.slice());
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {}
