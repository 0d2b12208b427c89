/**
 * One-shot MD5 (RFC 1321) and the S3-style composite ETag of a multipart upload.
 *
 * The composite ETag is not an MD5 of the file: it is `hex(md5(d1 ‖ d2 ‖ … ‖ dN))-N`, the MD5 of
 * the concatenated 16-byte part digests in part-number order, suffixed with the part count. S3
 * documents no formula, but every S3-compatible store computes this value and clients (CAVATICA's
 * storage, BS-PART-ETAG per part) compare against it, so it is reproduced exactly here.
 */

import { createMd5 } from "#md5";
import { PartwiseError } from "../errors.ts";
import { toHex } from "./encoding.ts";

/** A digest list was empty or held a value that is not a 16-byte MD5. */
export class InvalidDigestError extends PartwiseError {
  readonly code = "PW_MD5_DIGEST_INVALID" as const;
}

/** MD5 of `data` in one call. */
export async function md5(data: Uint8Array): Promise<Uint8Array> {
  const hash = await createMd5();
  hash.update(data);
  return hash.digest();
}

/**
 * The S3-style ETag of a multipart object from its part digests, given in ascending part-number
 * order: `hex(md5(concat(partDigests)))-N`.
 */
export async function compositeEtag(partDigests: readonly Uint8Array[]): Promise<string> {
  if (partDigests.length === 0) {
    throw new InvalidDigestError("A composite ETag needs the digest of at least one part");
  }
  const hash = await createMd5();
  for (const [index, digest] of partDigests.entries()) {
    if (digest.length !== 16) {
      throw new InvalidDigestError(
        `Part digest ${index + 1} is ${digest.length} bytes; an MD5 digest is 16 bytes`,
      );
    }
    hash.update(digest);
  }
  return `${toHex(hash.digest())}-${partDigests.length}`;
}
