/**
 * The content ETag a File's bytes carry on download, as S3 answers it on a signed storage URL
 * (basespace-python-sdk `fileS3metadata`: "etag (md5 for small files uploaded as a single part)"):
 * the hex MD5 of a File stored by one request, the composite `md5(part digests)-N` of a multipart
 * one (the S3 multipart ETag). Kept unquoted on the FileRecord and quoted on the wire (RFC 9110
 * §8.8.3).
 */
import { compositeEtag, fromHex, md5, toHex } from "@partwise/engine";

const HEX_MD5 = /^[0-9a-f]{32}$/i;

/** The ETag of a completed multipart File from its parts' ETags in ascending part number. */
export async function multipartEtag(partEtags: readonly string[]): Promise<string | undefined> {
  // An upload completed with no part (the lenient reading) holds no bytes.
  if (partEtags.length === 0) return toHex(await md5(new Uint8Array(0)));
  // A part whose recorded ETag is not an MD5 (a mutant's) leaves the File without a content ETag.
  if (!partEtags.every((etag) => HEX_MD5.test(etag))) return undefined;
  return compositeEtag(partEtags.map((etag) => fromHex(etag)));
}

/** `"…"`: an ETag as the `ETag` header carries it. */
export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}

/**
 * True when an `If-None-Match` field names `etag` (RFC 9110 §13.1.2): `*`, or a list of entity
 * tags compared weakly (a `W/` prefix is ignored).
 */
export function noneMatchHits(header: string | null, etag: string): boolean {
  if (header === null) return false;
  const trimmed = header.trim();
  if (trimmed === "*") return true;
  return trimmed
    .split(",")
    .map((tag) => tag.trim().replace(/^W\//, ""))
    .some((tag) => tag === quoteEtag(etag));
}
