/**
 * MD5 backend for browsers and every non-Node runtime (RFC 1321), chosen by the `default`
 * condition of the package's `#md5` import.
 *
 * It uses hash-wasm, a maintained WebAssembly implementation (several times faster than plain
 * JS, incremental, no native code). Its hashers are created asynchronously because the WASM
 * module is compiled on first use; hash-wasm caches the compiled module, so later hashers only
 * instantiate it.
 */

import { createMD5 } from "hash-wasm";
import { finalizeOnce, type Md5 } from "./md5.ts";

/** Which implementation `#md5` resolved to; shown by benchmarks and tests. */
export const md5Backend: string = "hash-wasm";

export async function createMd5(): Promise<Md5> {
  const hasher = await createMD5();
  hasher.init();
  return finalizeOnce({
    update(data: Uint8Array): void {
      hasher.update(data);
    },
    digest(): Uint8Array {
      return hasher.digest("binary");
    },
  });
}
