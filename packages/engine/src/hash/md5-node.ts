/**
 * MD5 backend for Node (RFC 1321), chosen by the `node` condition of the package's `#md5` import.
 *
 * node:crypto runs OpenSSL's MD5, several times faster than any JS or WASM version, and hashes a
 * Uint8Array view without copying it. This is the only engine file allowed to import `node:*`
 * (the engine is otherwise pure); browsers never load it because they resolve `#md5` to md5-web.ts.
 */

/// <reference types="node" />
// biome-ignore lint/style/noRestrictedImports: the Node MD5 backend, reached only through the `node` condition of `#md5`.
import { createHash } from "node:crypto";
import { finalizeOnce, type Md5 } from "./md5.ts";

/** Which implementation `#md5` resolved to; shown by benchmarks and tests. */
export const md5Backend: string = "node:crypto";

export function createMd5(): Promise<Md5> {
  const hash = createHash("md5");
  return Promise.resolve(
    finalizeOnce({
      update(data: Uint8Array): void {
        hash.update(data);
      },
      digest(): Uint8Array {
        // Copy the 16 bytes out of the Buffer so callers compare plain Uint8Arrays everywhere.
        return new Uint8Array(hash.digest());
      },
    }),
  );
}
