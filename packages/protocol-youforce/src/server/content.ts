/**
 * A download's MD5 computed in passing (the file's blobs are streamed by the server kit's
 * `segmentStream`, for the whole file or one byte range, YF-DOWNLOAD-RANGE).
 */
import { createHash } from "node:crypto";

/**
 * Passes `body` through unchanged and, once its last byte has been read, hands the hex MD5 of
 * everything that passed to `done` (not called when the stream is cancelled or fails).
 */
export function hashInPassing(
  body: ReadableStream<Uint8Array>,
  done: (md5: string) => Promise<void>,
): ReadableStream<Uint8Array> {
  const hash = createHash("md5");
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        hash.update(chunk);
        controller.enqueue(chunk);
      },
      async flush() {
        await done(hash.digest("hex")).catch(() => undefined);
      },
    }),
  );
}
