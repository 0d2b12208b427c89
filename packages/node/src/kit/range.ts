/**
 * `Range` requests of downloads (RFC 9110 §14), one home for every reference server.
 *
 * One byte range is honoured: `bytes=first-last`, `bytes=first-` or the suffix `bytes=-n` (the
 * last n bytes), the unit case-insensitive (RFC 9110 §14.1: "range units are compared
 * case-insensitively"), so `Bytes=0-9` is a range. A header the server may ignore (RFC 9110 §14.2:
 * "a server MAY ignore the Range header field") yields the whole content with 200: another unit,
 * several ranges (no server here sends `multipart/byteranges`), bad syntax, `first > last`. A
 * range that selects nothing (its first byte at or past the end, or a suffix of 0) is
 * unsatisfiable: 416 with `Content-Range: bytes *\/size` (RFC 9110 §15.5.17).
 */

/** An inclusive byte range `[start, end]`, as in `Content-Range`. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export type RangeRequest =
  | { readonly kind: "whole" }
  | ({ readonly kind: "range" } & ByteRange)
  | { readonly kind: "unsatisfiable" };

/** RFC 9110 §14.1.1 `range-unit "=" int-range / suffix-range`, one range, optional white space. */
const SINGLE = /^[ \t]*bytes[ \t]*=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$/i;

const WHOLE: RangeRequest = { kind: "whole" };
const UNSATISFIABLE: RangeRequest = { kind: "unsatisfiable" };

/** The byte range a `Range` header selects from content of `size` bytes. */
export function parseRange(header: string | null | undefined, size: number): RangeRequest {
  if (header === null || header === undefined) return WHOLE;
  const match = SINGLE.exec(header);
  if (!match) return WHOLE;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return WHOLE;
  if (first === "") {
    // suffix-range: the last n bytes; n = 0 selects nothing (RFC 9110 §14.1.3).
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return UNSATISFIABLE;
    return { kind: "range", start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== "" && Number(last) < start) return WHOLE; // invalid (RFC 9110 §14.1.2): ignored
  if (start >= size) return UNSATISFIABLE;
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: "range", start, end };
}

/** `Content-Range` of a 206 (`bytes start-end/size`) or of a 416 (`bytes *\/size`). */
export function contentRange(range: ByteRange | undefined, size: number): string {
  return range === undefined ? `bytes */${size}` : `bytes ${range.start}-${range.end}/${size}`;
}

/** One stored blob of a file, in order: the file is its blobs one after another. */
export interface Segment {
  readonly key: string;
  readonly size: number;
}

/** Reads an inclusive byte range of one blob as a stream (`DiskStore.read`'s shape). */
export type BlobReader = (key: string, range: ByteRange) => ReadableStream<Uint8Array>;

/**
 * Bytes `[start, end]` (inclusive) of the concatenated `segments`, or all of them: one blob open
 * at a time, read as the stream is consumed (nothing read ahead of the consumer); blobs wholly
 * outside the range are never opened; cancelling closes the open blob.
 */
export function segmentStream(
  read: BlobReader,
  segments: readonly Segment[],
  range?: ByteRange,
): ReadableStream<Uint8Array> {
  const start = range?.start ?? 0;
  const end = range?.end ?? Number.POSITIVE_INFINITY;
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
            current = read(piece.key, { start: piece.start, end: piece.end }).getReader();
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
