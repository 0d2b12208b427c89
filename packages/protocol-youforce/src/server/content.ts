/**
 * A file's bytes as a stream: its blobs (`segmentsOf`) read one after the other, for the whole file
 * or one inclusive byte range that may span blob boundaries (YF-DOWNLOAD-RANGE).
 */
import { createHash } from "node:crypto";
import type { Store } from "@partwise/node";
import type { Segment } from "./state.ts";

/**
 * Bytes `[start, end]` of the concatenated segments, read one blob at a time with backpressure
 * (nothing is read ahead of the consumer); cancelling closes the open blob.
 */
export function segmentStream(
  store: Store,
  segments: readonly Segment[],
  start: number,
  end: number,
): ReadableStream<Uint8Array> {
  const pieces: { key: string; start: number; end: number }[] = [];
  let offset = 0;
  for (const segment of segments) {
    const first = Math.max(start, offset);
    const last = Math.min(end, offset + segment.size - 1);
    if (first <= last) pieces.push({ key: segment.key, start: first - offset, end: last - offset });
    offset += segment.size;
  }
  let index = 0;
  let current: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          if (current === undefined) {
            const piece = pieces[index++];
            if (piece === undefined) {
              controller.close();
              return;
            }
            current = store.read(piece.key, { start: piece.start, end: piece.end }).getReader();
          }
          const { done, value } = await current.read();
          if (done) {
            current = undefined;
            continue;
          }
          controller.enqueue(value);
          return;
        }
      },
      async cancel(reason) {
        await current?.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

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
