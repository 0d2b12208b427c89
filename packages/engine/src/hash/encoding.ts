/**
 * Digest encodings: lower-case hex, as in a part's `ETag` (BS-PART-ETAG, CV-REPORT-ETAG), and
 * base64, as in the `Content-MD5` header (RFC 1864; BS-PART-MD5: "base64 of the 16-byte MD5 of the
 * part bytes").
 *
 * Pure Uint8Array code, identical in Node and browsers: no Buffer, no atob. Decoding is strict
 * (RFC 4648 §3.3, §3.5): the standard alphabet only, padding required, no whitespace and zero
 * pad bits, so every accepted string is the one canonical encoding of its bytes. A lenient
 * decoder would let two different headers name the same digest and hide a corrupted one.
 */

import { PartwiseError } from "../errors.ts";

/** A hex string had an odd length or a character outside 0-9, a-f, A-F. */
export class InvalidHexError extends PartwiseError {
  readonly code = "PW_HEX_INVALID" as const;
}

/** A base64 string was not the canonical, padded RFC 4648 §4 encoding of any bytes. */
export class InvalidBase64Error extends PartwiseError {
  readonly code = "PW_BASE64_INVALID" as const;
}

/** A `Content-MD5` header was not 24 characters of base64 encoding exactly 16 bytes. */
export class InvalidContentMd5Error extends PartwiseError {
  readonly code = "PW_CONTENT_MD5_INVALID" as const;
  /** The header value as received. */
  readonly header: string;

  constructor(header: string, cause?: unknown) {
    // The header reaches the engine from a peer (a server parsing a client's request), so the
    // peer broke the rule.
    super(
      `Content-MD5 must be 24 characters of base64 encoding a 16-byte MD5, got ${JSON.stringify(header)}`,
      {
        rule: "BS-PART-MD5",
        side: "remote",
        cause,
      },
    );
    this.header = header;
  }
}

const HEX_DIGITS = "0123456789abcdef";
const BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Sextet value of each base64 character code, or -1. */
const BASE64_VALUES: Int8Array = (() => {
  const values = new Int8Array(128).fill(-1);
  for (let k = 0; k < BASE64_ALPHABET.length; k++) values[BASE64_ALPHABET.charCodeAt(k)] = k;
  return values;
})();

/** Lower-case hex, two digits per byte. */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += HEX_DIGITS[byte >> 4]! + HEX_DIGITS[byte & 15]!;
  return out;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/** Decodes hex of either case; throws `InvalidHexError` on anything else. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new InvalidHexError(`Hex must have an even length, got ${hex.length}`);
  const out = new Uint8Array(hex.length / 2);
  for (let k = 0; k < out.length; k++) {
    const high = hexValue(hex.charCodeAt(2 * k));
    const low = hexValue(hex.charCodeAt(2 * k + 1));
    if (high < 0 || low < 0) {
      throw new InvalidHexError(`Invalid hex character near offset ${2 * k} of ${JSON.stringify(hex)}`);
    }
    out[k] = (high << 4) | low;
  }
  return out;
}

/** Standard, padded base64 (RFC 4648 §4). */
export function toBase64(bytes: Uint8Array): string {
  let out = "";
  let k = 0;
  for (; k + 3 <= bytes.length; k += 3) {
    const n = (bytes[k]! << 16) | (bytes[k + 1]! << 8) | bytes[k + 2]!;
    out +=
      BASE64_ALPHABET[n >> 18]! +
      BASE64_ALPHABET[(n >> 12) & 63]! +
      BASE64_ALPHABET[(n >> 6) & 63]! +
      BASE64_ALPHABET[n & 63]!;
  }
  const rest = bytes.length - k;
  if (rest === 1) {
    const n = bytes[k]! << 16;
    out += `${BASE64_ALPHABET[n >> 18]!}${BASE64_ALPHABET[(n >> 12) & 63]!}==`;
  } else if (rest === 2) {
    const n = (bytes[k]! << 16) | (bytes[k + 1]! << 8);
    out += `${BASE64_ALPHABET[n >> 18]!}${BASE64_ALPHABET[(n >> 12) & 63]!}${BASE64_ALPHABET[(n >> 6) & 63]!}=`;
  }
  return out;
}

function sextet(text: string, at: number): number {
  const code = text.charCodeAt(at);
  const value = code < 128 ? BASE64_VALUES[code]! : -1;
  if (value < 0) throw new InvalidBase64Error(`Invalid base64 character at offset ${at}`);
  return value;
}

/**
 * Decodes canonical padded base64; throws `InvalidBase64Error` on a wrong length, a character
 * outside the alphabet, misplaced padding, or non-zero pad bits.
 */
export function fromBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0) {
    throw new InvalidBase64Error(`Base64 length must be a multiple of 4, got ${text.length}`);
  }
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  const whole = padding === 0 ? text.length : text.length - 4;
  let o = 0;
  for (let k = 0; k < whole; k += 4) {
    const n =
      (sextet(text, k) << 18) |
      (sextet(text, k + 1) << 12) |
      (sextet(text, k + 2) << 6) |
      sextet(text, k + 3);
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  if (padding === 2) {
    const n = (sextet(text, whole) << 18) | (sextet(text, whole + 1) << 12);
    if ((n & 0xffff) !== 0) throw new InvalidBase64Error("Base64 pad bits must be zero");
    out[o] = n >> 16;
  } else if (padding === 1) {
    const n = (sextet(text, whole) << 18) | (sextet(text, whole + 1) << 12) | (sextet(text, whole + 2) << 6);
    if ((n & 0xff) !== 0) throw new InvalidBase64Error("Base64 pad bits must be zero");
    out[o] = n >> 16;
    out[o + 1] = (n >> 8) & 0xff;
  }
  return out;
}

/**
 * Parses a `Content-MD5` header value (RFC 1864; BS-PART-MD5) into the 16-byte digest. Only
 * the optional whitespace around a field value (RFC 9110 §5.5) is tolerated; anything else that
 * is not 24 characters of canonical base64 of 16 bytes throws `InvalidContentMd5Error`.
 */
export function parseContentMd5(header: string): Uint8Array {
  const value = header.replace(/^[ \t]+|[ \t]+$/g, "");
  if (value.length !== 24) throw new InvalidContentMd5Error(header);
  let digest: Uint8Array;
  try {
    digest = fromBase64(value);
  } catch (error) {
    throw new InvalidContentMd5Error(header, error);
  }
  if (digest.length !== 16) throw new InvalidContentMd5Error(header);
  return digest;
}
