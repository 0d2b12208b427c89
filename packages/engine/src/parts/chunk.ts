/**
 * Cutting a byte source into parts, each with its MD5 (RFC 1321) taken in the same pass, for
 * `Content-MD5` (BS-PART-MD5) and ETag checks (BS-PART-ETAG, CV-REPORT-ETAG).
 *
 * Two inputs: a random-access source of known size (a Blob, a file handle), cut along a plan
 * from `planParts`; and a stream of unknown length, cut along the growing sizes of
 * `createPartSizer` so it can never run out of part numbers before `maxTotalSize`.
 *
 * Rules kept: nothing is read ahead of the consumer — both iterables are
 * lazy and pull the next bytes only when the next part is asked for — and no memory is held
 * beyond the part being filled, one incoming chunk, and the parts the consumer still holds.
 * Every byte is hashed once, as it is read or copied, never in a second pass.
 */

import { createMd5 } from "#md5";
import { PartwiseError } from "../errors.ts";
import type { PartLimits } from "./limits.ts";
import { PartLimitError } from "./limits.ts";
import type { PlannedPart } from "./plan.ts";
import type { PartBufferPool } from "./pool.ts";
import { createPartSizer, type PartSizerOptions } from "./sizer.ts";

export interface ChunkStreamOptions extends PartSizerOptions {
  /**
   * Where part buffers come from. Give the same pool's `release(part.bytes)` each part once it
   * has been sent, and memory stays bounded by the parts in flight whatever the GC does.
   */
  readonly pool?: PartBufferPool | undefined;
}

/** Bytes that can be read at any offset: a Blob, a file handle, a buffer. */
export interface RandomAccessSource {
  readonly size: number;
  /** Exactly `length` bytes from `offset`; the engine checks the length it gets. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Optional: fills `target` with the bytes from `offset` (exactly `target.length` of them, fewer
   * only at the end of the source) and returns how many were written. Lets a caller read parts into
   * buffers it recycles (`readPart`'s `into`, a `createPartBufferPool`) instead of a new buffer per
   * read. The source must not keep `target` after the promise settles.
   */
  readInto?(offset: number, target: Uint8Array): Promise<number>;
}

export interface ReadPartOptions {
  /**
   * A buffer of at least `part.size` bytes to read into, used only when the source has
   * `readInto`; the part's `bytes` are then a view of it. Otherwise the source's `read` is used.
   */
  readonly into?: Uint8Array | undefined;
  /**
   * False: read only, no MD5 (the result's `md5` is undefined), for a caller that has no use for
   * the part's own digest (it hashes the whole file instead). Default true.
   */
  readonly md5?: boolean | undefined;
  /**
   * Another hash to feed the part's bytes to as they are read, slice by slice (a whole-file
   * digest that this part is next in line for), so it costs no pass of its own and whoever shares
   * the thread gets a turn between slices. A read that fails may have fed it part of the bytes.
   */
  readonly alsoHash?: { update(data: Uint8Array): void } | undefined;
}

/** A planned part with its bytes, read without hashing (`readPart` with `md5: false`). */
export interface PartRead extends PlannedPart {
  readonly bytes: Uint8Array;
  /** True for the last part of the file: the only one allowed below `minPartSize`. */
  readonly isFinal: boolean;
  readonly md5?: Uint8Array | undefined;
}

/** A planned part with its bytes and their 16-byte MD5. */
export interface ChunkedPart extends PartRead {
  readonly md5: Uint8Array;
}

/** A source returned a different number of bytes than a part needs (truncated or changed file). */
export class ShortReadError extends PartwiseError {
  readonly code = "PW_SOURCE_SHORT_READ" as const;
  readonly partNumber: number;
  readonly expected: number;
  readonly actual: number;

  constructor(partNumber: number, expected: number, actual: number) {
    super(`Part ${partNumber}: the source returned ${actual} bytes where ${expected} were expected`);
    this.partNumber = partNumber;
    this.expected = expected;
    this.actual = actual;
  }
}

/** A Blob (or File) as a random-access source; works in browsers and Node. */
export function blobSource(blob: Blob): RandomAccessSource {
  return {
    size: blob.size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
  };
}

/**
 * Reads one planned part and hashes it in the same pass (unless `options.md5` is false). `isFinal` is true when the part ends at
 * `source.size`. Throws `ShortReadError` when the source returns a different length. With
 * `options.into` and a source that has `readInto`, the bytes are read straight into that buffer,
 * in slices of `READ_SLICE_BYTES`: each slice is hashed while the next one is being read, so
 * reading and hashing overlap, and whoever else shares the thread (the sockets of the uploads in
 * flight) gets a turn between slices instead of waiting for a whole part's MD5.
 */
export function readPart(
  source: RandomAccessSource,
  part: PlannedPart,
  options?: ReadPartOptions & { readonly md5?: true | undefined },
): Promise<ChunkedPart>;
export function readPart(
  source: RandomAccessSource,
  part: PlannedPart,
  options: ReadPartOptions,
): Promise<PartRead>;
export async function readPart(
  source: RandomAccessSource,
  part: PlannedPart,
  options: ReadPartOptions = {},
): Promise<PartRead> {
  const own = options.md5 === false ? undefined : await createMd5();
  const also = options.alsoHash;
  const hash =
    own && also
      ? {
          update(data: Uint8Array) {
            own.update(data);
            also.update(data);
          },
        }
      : (own ?? also);
  const sliced = options.into !== undefined && source.readInto !== undefined && part.size > 0;
  const bytes = sliced
    ? await readSlices(source, part, options.into as Uint8Array, hash)
    : await readBytes(source, part);
  if (bytes.length !== part.size) throw new ShortReadError(part.number, part.size, bytes.length);
  if (!sliced) hash?.update(bytes);
  return {
    number: part.number,
    offset: part.offset,
    size: part.size,
    bytes,
    md5: own?.digest(),
    isFinal: part.offset + part.size === source.size,
  };
}

/** The slice size of `readPart`'s sliced reads (2 MiB: about 2.5 ms of MD5, one `pread`). */
export const READ_SLICE_BYTES: number = 2 * 1024 * 1024;

/**
 * Fills `into` with the part slice by slice, hashing each slice once the next one's read has been
 * started; stops at the first short read (the end of a truncated source) and returns what it got.
 */
async function readSlices(
  source: RandomAccessSource,
  part: PlannedPart,
  into: Uint8Array,
  hash: { update(data: Uint8Array): void } | undefined,
): Promise<Uint8Array> {
  if (into.length < part.size)
    throw new RangeError(`part ${part.number} needs ${part.size} bytes; the buffer has ${into.length}`);
  const readInto = source.readInto!.bind(source);
  const target = into.length === part.size ? into : into.subarray(0, part.size);
  const slice = (from: number) => target.subarray(from, Math.min(from + READ_SLICE_BYTES, part.size));
  let at = 0;
  let pending: Promise<number> | undefined = readInto(part.offset, slice(0));
  while (pending !== undefined) {
    const wanted = Math.min(READ_SLICE_BYTES, part.size - at);
    const got = Math.max(0, Math.min(await pending, wanted));
    const end = at + got;
    pending = got === wanted && end < part.size ? readInto(part.offset + end, slice(end)) : undefined;
    hash?.update(target.subarray(at, end));
    at = end;
    if (got < wanted) break;
  }
  return at === part.size ? target : target.subarray(0, at);
}

async function readBytes(source: RandomAccessSource, part: PlannedPart): Promise<Uint8Array> {
  if (part.size === 0) return new Uint8Array(0);
  return source.read(part.offset, part.size);
}

/** The parts of `plan` read from `source` one at a time, each only when the consumer pulls it. */
export async function* chunkSource(
  source: RandomAccessSource,
  plan: Iterable<PlannedPart>,
): AsyncGenerator<ChunkedPart, void, undefined> {
  for (const part of plan) yield await readPart(source, part);
}

/** A ReadableStream as an async iterable; not every browser has `ReadableStream[Symbol.asyncIterator]`. */
async function* readableChunks(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = stream.getReader();
  let settled = false;
  try {
    for (;;) {
      const result = await reader.read();
      if (result.done) {
        settled = true;
        return;
      }
      yield result.value;
    }
  } catch (error) {
    settled = true;
    throw error;
  } finally {
    // The consumer stopped early: tell the producer, as `for await` on a stream would.
    if (!settled) await reader.cancel();
    reader.releaseLock();
  }
}

function isReadableStream(
  stream: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
): stream is ReadableStream<Uint8Array> {
  return typeof (stream as { getReader?: unknown }).getReader === "function";
}

/**
 * Cuts a stream of unknown length into parts sized by `createPartSizer(limits, options)`,
 * copying incoming chunks of any size into one buffer per part and hashing each piece as it is
 * copied. A full part is held back until the next byte arrives, because only the end of the
 * stream tells whether it is the final one. An empty stream yields one empty final part. Throws
 * `PartLimitError` (`"maxTotalSize"`, or `"maxParts"` when `maxTotalSize` exceeds what the
 * limits allow) as soon as the stream grows past what the limits allow.
 */
export async function* chunkStream(
  stream: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
  limits: PartLimits,
  options: ChunkStreamOptions = {},
): AsyncGenerator<ChunkedPart, void, undefined> {
  const sizer = createPartSizer(limits, options);
  const allocate = (size: number): Uint8Array => options.pool?.acquire(size) ?? new Uint8Array(size);
  const chunks = isReadableStream(stream) ? readableChunks(stream) : stream;

  let received = 0;
  let offset = 0;
  let number = 0;
  let buffer: Uint8Array | undefined;
  let filled = 0;
  let hash = await createMd5();

  const take = (isFinal: boolean): ChunkedPart => {
    const full = buffer ?? new Uint8Array(0);
    // A short final part is copied out so it does not pin a much larger part buffer.
    const bytes =
      filled === full.length
        ? full
        : filled < full.length / 2
          ? full.slice(0, filled)
          : full.subarray(0, filled);
    const part: ChunkedPart = { number, offset, size: filled, bytes, md5: hash.digest(), isFinal };
    offset += filled;
    buffer = undefined;
    filled = 0;
    return part;
  };

  for await (const chunk of chunks) {
    received += chunk.length;
    if (received > limits.maxTotalSize) {
      throw new PartLimitError(`The stream exceeds the maximum of ${limits.maxTotalSize} bytes`, {
        limit: "maxTotalSize",
        value: received,
        bound: limits.maxTotalSize,
        rule: limits.rules?.maxTotalSize,
      });
    }
    let at = 0;
    while (at < chunk.length) {
      if (buffer === undefined || filled === buffer.length) {
        // More bytes after a full part: that part was not the final one.
        if (buffer !== undefined) {
          yield take(false);
          hash = await createMd5();
        }
        number = sizer.partNumber;
        buffer = allocate(sizer.nextPartSize());
      }
      const piece = chunk.subarray(at, at + Math.min(chunk.length - at, buffer.length - filled));
      buffer.set(piece, filled);
      hash.update(piece);
      filled += piece.length;
      at += piece.length;
    }
  }
  if (buffer === undefined) number = sizer.partNumber;
  yield take(true);
}
