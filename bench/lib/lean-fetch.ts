/**
 * A `fetch` for the uploaders' `fetch` option that sends a `Uint8Array` body as it is, for the
 * benches to show what the default transport costs. Bench-only; not a library API (no redirects,
 * no decompression: enough for part PUTs to a reference server).
 *
 * Why: undici's `fetch` copies a `Uint8Array` body when the Request is built (Fetch standard,
 * "extract a body": "a copy of the bytes held by object") and again when its body stream is pulled
 * (`new Uint8Array(result)` in undici's lib/web/fetch/body.js), so every part in flight is held two
 * or three times over, beside the buffer `readPart` allocated, until V8 collects them. node:http on
 * a keep-alive Agent writes the caller's bytes to the socket with no copy. Requests without a
 * `Uint8Array` body go through the default transport unchanged.
 *
 * `sent(body)` is called once a body is no longer needed (its answer arrived, or the request
 * failed), so a bench can give the part buffer back to a pool (see `pooledFileSource`).
 */
import type { FileHandle } from "node:fs/promises";
import { Agent as HttpAgent, type IncomingMessage, request } from "node:http";
import { Readable } from "node:stream";
import { createFetch, type FetchLike } from "@partwise/client";
import type { PartBufferPool, RandomAccessSource } from "@partwise/engine";

export function leanFetch(
  options: { sent?: (body: Uint8Array) => void } = {},
): FetchLike & { close(): void } {
  const fallback = createFetch();
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
  const send: FetchLike = (input, init = {}) => {
    const body = init.body;
    if (!(body instanceof Uint8Array)) return fallback(input, init);
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    headers["content-length"] = String(body.byteLength);
    return new Promise<Response>((resolve, reject) => {
      const req = request(
        new URL(String(input)),
        { method: init.method ?? "PUT", headers, agent, ...(init.signal ? { signal: init.signal } : {}) },
        (res: IncomingMessage) => {
          options.sent?.(body);
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (Array.isArray(value)) for (const item of value) responseHeaders.append(name, item);
            else if (value !== undefined) responseHeaders.set(name, value);
          }
          const status = res.statusCode ?? 0;
          if (status === 204 || status === 304) {
            res.resume();
            resolve(new Response(null, { status, headers: responseHeaders }));
            return;
          }
          resolve(
            new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, {
              status,
              headers: responseHeaders,
            }),
          );
        },
      );
      req.on("error", (error) => {
        options.sent?.(body);
        reject(error);
      });
      req.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    });
  };
  return Object.assign(send, { close: () => agent.destroy() });
}

/**
 * A file as a RandomAccessSource whose part buffers come from `pool` (the engine's
 * `createPartBufferPool`) instead of a new zero-filled buffer per read, as @partwise/node's
 * `fileSource` does. The caller must `pool.release` each buffer once nothing reads it any more:
 * with `leanFetch({ sent: pool.release })` that is when its part's answer arrived (the uploaders
 * hash a part when they read it and read it again for a retry, so nothing else holds it).
 */
export function pooledFileSource(handle: FileHandle, size: number, pool: PartBufferPool): RandomAccessSource {
  return {
    size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      const bytes = pool.acquire(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(bytes, filled, length - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === length ? bytes : bytes.subarray(0, filled);
    },
  };
}
