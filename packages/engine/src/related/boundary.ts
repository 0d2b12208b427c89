/**
 * Multipart boundaries: RFC 2046 §5.1.1 (rules MIME-BOUNDARY-LENGTH, MIME-BOUNDARY-CHARS,
 * MIME-BOUNDARY-TRAILING-SPACE).
 *
 *     boundary      := 0*69<bchars> bcharsnospace
 *     bchars        := bcharsnospace / " "
 *     bcharsnospace := DIGIT / ALPHA / "'" / "(" / ")" / "+" / "_" / "," / "-" / "." / "/" / ":" / "=" / "?"
 *
 * This is RFC 2046's grammar, deliberately not the stricter form-data rule of undici and busboy
 * (RFC 2046 §5.1.1): any 1–70 `bchars` not ending in a space is accepted.
 *
 * Design rules kept: the engine has no randomness of its own, so `createBoundary` takes it as a
 * parameter; a generated boundary is valid by construction and needs no quoting in `Content-Type`.
 */

import type { ErrorSide } from "../errors.ts";
import { BoundaryError } from "./errors.ts";

/** RFC 2046 §5.1.1: "no longer than 70 characters, not counting the two leading hyphens". */
export const MAX_BOUNDARY_LENGTH = 70 as const;

/** Characters of a generated boundary: 192 bits of entropy, far beyond any chance of collision. */
const GENERATED_LENGTH = 32;

/**
 * 64 `bcharsnospace` that are also RFC 2045 `token` characters, so the boundary is never quoted, and
 * a power of two, so `byte & 63` picks one without modulo bias.
 */
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** `bcharsnospace` of RFC 2046 §5.1.1, by character code. */
const BCHARS_NO_SPACE: ReadonlySet<number> = new Set(
  Array.from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'()+_,-./:=?", (c) =>
    c.charCodeAt(0),
  ),
);

const SPACE = 0x20;

/**
 * A fresh boundary of 32 characters from `random(32)`, which must return 32 uniformly random bytes
 * (e.g. `(n) => crypto.getRandomValues(new Uint8Array(n))`).
 */
export function createBoundary(random: (length: number) => Uint8Array): string {
  const bytes = random(GENERATED_LENGTH);
  if (bytes.length < GENERATED_LENGTH) {
    throw new BoundaryError(
      `random(${GENERATED_LENGTH}) returned ${bytes.length} bytes; a boundary needs ${GENERATED_LENGTH}`,
      "MIME-BOUNDARY-LENGTH",
    );
  }
  let boundary = "";
  for (let i = 0; i < GENERATED_LENGTH; i++) boundary += ALPHABET[bytes[i]! & 63];
  return boundary;
}

/** Throws `BoundaryError` unless `boundary` matches `0*69<bchars> bcharsnospace`. */
export function validateBoundary(boundary: string): void {
  checkBoundary(boundary, "local");
}

/** `validateBoundary` for a boundary the peer chose (its error is `remote`). */
export function checkBoundary(boundary: string, side: ErrorSide): void {
  if (boundary.length < 1 || boundary.length > MAX_BOUNDARY_LENGTH) {
    throw new BoundaryError(
      `A boundary has 1 to ${MAX_BOUNDARY_LENGTH} characters; this one has ${boundary.length}`,
      "MIME-BOUNDARY-LENGTH",
      side,
    );
  }
  for (let i = 0; i < boundary.length; i++) {
    const c = boundary.charCodeAt(i);
    if (c !== SPACE && !BCHARS_NO_SPACE.has(c)) {
      throw new BoundaryError(
        `A boundary holds only RFC 2046 bchars; ${JSON.stringify(boundary[i])} at index ${i} is not one`,
        "MIME-BOUNDARY-CHARS",
        side,
      );
    }
  }
  if (boundary.charCodeAt(boundary.length - 1) === SPACE) {
    throw new BoundaryError("A boundary must not end with a space", "MIME-BOUNDARY-TRAILING-SPACE", side);
  }
}
