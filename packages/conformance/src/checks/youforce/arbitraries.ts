/**
 * Generators the YouForce and MIME checks share: boundaries from RFC 2046's grammar, file contents
 * that exercise a parser (CR, LF, dashes, boundary look-alikes), and file names of YF-NAME-CHARSET.
 */
import { createBoundary } from "@partwise/engine";
import fc from "fast-check";
import { BCHARS_NO_SPACE } from "./wire.ts";

/** A fresh boundary as a sender makes one (`createBoundary` over generated random bytes). */
export const freshBoundary: fc.Arbitrary<string> = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((bytes) => createBoundary(() => bytes));

/**
 * A boundary of `length` RFC 2046 `bchars` (space included, but not last): `0*69<bchars>
 * bcharsnospace` when `length` ≤ 70.
 */
export function bcharsBoundary(minLength: number, maxLength: number = minLength): fc.Arbitrary<string> {
  const unit = fc.constantFrom(...`${BCHARS_NO_SPACE} `);
  const last = fc.constantFrom(...BCHARS_NO_SPACE);
  return fc
    .tuple(fc.string({ unit, minLength: minLength - 1, maxLength: maxLength - 1 }), last)
    .map(([body, end]) => body + end);
}

/** Bytes, at most `maxLength`. */
export function content(maxLength = 512): fc.Arbitrary<Uint8Array<ArrayBuffer>> {
  return fc.uint8Array({ maxLength }) as fc.Arbitrary<Uint8Array<ArrayBuffer>>;
}

/**
 * Text built from what a multipart parser looks at: CR, LF, CRLF, dashes, spaces, tabs and
 * boundary look-alikes, with some plain text between.
 */
export function trickyText(lookAlikes: readonly string[] = [], maxLength = 24): fc.Arbitrary<string> {
  const piece = fc.oneof(
    fc.constantFrom("\r\n", "\r", "\n", "--", "-", " ", "\t", "\r\n--", "\n--", "\r--", ...lookAlikes),
    fc.string({ maxLength: 8 }),
  );
  return fc.array(piece, { maxLength }).map((pieces) => pieces.join(""));
}

/** Characters of YF-NAME-CHARSET: `a-z A-Z 0-9 - _ . ( ) , $ + \` = '`. */
export const NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.(),$+`='";

/** A name stem of YF-NAME-CHARSET characters (the caller adds a safe extension). */
export const nameStem: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom(...NAME_CHARS),
  minLength: 1,
  maxLength: 24,
});

/** The letters of `text` in a generated mix of upper and lower case. */
export function randomCase(text: string): fc.Arbitrary<string> {
  return fc
    .array(fc.boolean(), { minLength: text.length, maxLength: text.length })
    .map((upper) => Array.from(text, (c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join(""));
}
