/**
 * Public MD5 API (RFC 1321): an incremental hasher whose backend the `#md5` import map picks per
 * platform (node:crypto under `node`, plain TypeScript elsewhere), the hex and base64 encodings
 * used by ETags and `Content-MD5`, and the composite ETag.
 */

export { createMd5 } from "#md5";
export { compositeEtag, InvalidDigestError, md5 } from "./digest.ts";
export {
  fromBase64,
  fromHex,
  InvalidBase64Error,
  InvalidContentMd5Error,
  InvalidHexError,
  parseContentMd5,
  toBase64,
  toHex,
} from "./encoding.ts";
export { type Md5, Md5FinalizedError } from "./md5.ts";
