/**
 * The incremental MD5 contract shared by both backends (RFC 1321).
 *
 * `#md5` resolves to `md5-node.ts` (node:crypto) under the `node` condition and to `md5-web.ts`
 * (hash-wasm) elsewhere; both build their hasher through `finalizeOnce` so they behave the
 * same after `digest()`: node:crypto throws its own error there and a JS state would silently
 * return garbage, so the wrapper makes misuse one typed error on every platform.
 */

import { PartwiseError } from "../errors.ts";

/** An incremental MD5: feed bytes in any number of `update` calls, then `digest()` once. */
export interface Md5 {
  update(data: Uint8Array): void;
  /** The 16-byte digest. The hasher is finished afterwards: any further call throws. */
  digest(): Uint8Array;
}

/** `update` or `digest` was called on a hasher whose digest was already taken. */
export class Md5FinalizedError extends PartwiseError {
  readonly code = "PW_MD5_FINALIZED" as const;

  constructor() {
    super("This MD5 hasher already produced its digest; create a new one with createMd5()");
  }
}

/** Wraps a backend's raw hasher so that it is usable exactly once and returns plain Uint8Arrays. */
export function finalizeOnce(raw: Md5): Md5 {
  let done = false;
  return {
    update(data: Uint8Array): void {
      if (done) throw new Md5FinalizedError();
      raw.update(data);
    },
    digest(): Uint8Array {
      if (done) throw new Md5FinalizedError();
      done = true;
      return raw.digest();
    },
  };
}
