/**
 * The encoder's collision check, RFC 2046 §5.1.1 (rule MIME-BOUNDARY-IN-CONTENT): "the boundary
 * delimiter MUST NOT appear inside any of the encapsulated parts", and a delimiter is recognised at
 * the start of any line whose first characters are `--boundary` ("it is sufficient that the
 * boundary appear in its entirety following the CRLF"). Internal: not exported from the package.
 *
 * The guard is stricter than CRLF: it rejects `--boundary` at the start of a part's content and right
 * after *any* CR or LF. Lenient parsers (Python's `email`, among others) also split lines on a bare
 * CR or LF, and a body they would cut in the wrong place must not leave the encoder. It runs over a
 * part's content chunk by chunk, so an occurrence split across chunks is still found, and it
 * reports the collision on the chunk that completes it, before that chunk is sent.
 */

import type { Needle } from "./search.ts";
import { asciiBytes, createNeedle, findNeedle } from "./search.ts";

const LF = 0x0a;
const CR = 0x0d;

export class BoundaryGuard {
  private readonly needle: Needle;
  /** The last `needle.length` bytes checked (or all of them, while fewer were seen). */
  private readonly tail: Uint8Array;
  private tailLength = 0;
  private seen = 0;

  constructor(boundary: string) {
    this.needle = createNeedle(asciiBytes(`--${boundary}`));
    this.tail = new Uint8Array(this.needle.bytes.length);
  }

  /** True when `chunk`, following the content checked so far, holds `--boundary` at a line start. */
  collides(chunk: Uint8Array): boolean {
    if (chunk.length === 0) return false;
    if (this.straddles(chunk) || this.within(chunk)) return true;
    this.remember(chunk);
    return false;
  }

  /** Occurrences that begin in the remembered tail and end in `chunk`. */
  private straddles(chunk: Uint8Array): boolean {
    const tailLength = this.tailLength;
    if (tailLength === 0) return false;
    const size = this.needle.bytes.length;
    const joint = new Uint8Array(tailLength + Math.min(size - 1, chunk.length));
    joint.set(this.tail.subarray(0, tailLength));
    joint.set(chunk.subarray(0, joint.length - tailLength), tailLength);
    for (let from = 0; ; ) {
      const at = findNeedle(joint, this.needle, from, joint.length);
      // From `tailLength` on, occurrences lie wholly in the chunk: `within` sees them.
      if (at < 0 || at >= tailLength) return false;
      // At 0 the occurrence is the content's start when the tail holds everything seen; otherwise
      // it lies wholly in the tail, which was checked with the chunk before.
      if (at === 0 ? this.seen === tailLength : joint[at - 1] === CR || joint[at - 1] === LF) return true;
      from = at + 1;
    }
  }

  /** Occurrences wholly inside `chunk`. */
  private within(chunk: Uint8Array): boolean {
    for (let from = 0; ; ) {
      const at = findNeedle(chunk, this.needle, from, chunk.length);
      if (at < 0) return false;
      if (at === 0 && this.seen === 0) return true;
      const before = at > 0 ? chunk[at - 1] : this.tail[this.tailLength - 1];
      if (before === CR || before === LF) return true;
      from = at + 1;
    }
  }

  private remember(chunk: Uint8Array): void {
    const size = this.tail.length;
    if (chunk.length >= size) {
      this.tail.set(chunk.subarray(chunk.length - size));
      this.tailLength = size;
    } else {
      const keep = Math.min(this.tailLength, size - chunk.length);
      this.tail.copyWithin(0, this.tailLength - keep, this.tailLength);
      this.tail.set(chunk, keep);
      this.tailLength = keep + chunk.length;
    }
    this.seen += chunk.length;
  }
}
