/**
 * Where an uploader's part bytes come from. A source of known size (a `Blob`, a file, any
 * `RandomAccessSource`) is planned up front and each part is read, with its MD5, only when it is
 * sent (and read again for a retry); a stream of unknown length (stdin, a `ReadableStream`) is cut
 * by the engine's growing part sizer as the session asks for more (`needPart`), and each part's
 * bytes are held only until the part is accepted, in buffers recycled through a pool. Either way
 * memory is bounded by the parts in flight.
 */
import {
  blobSource,
  type ChunkedPart,
  chunkStream,
  createPartBufferPool,
  md5,
  type PartLimits,
  type PlannedPart,
  planParts,
  type RandomAccessSource,
  readPart,
  toHex,
} from "@partwise/engine";
import type { SourceFingerprint } from "./journal.ts";

/** Anything an uploader accepts as the file. */
export type UploadSource = Blob | RandomAccessSource | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

export interface PartFeed {
  /** Parts known before the upload starts (every part of a random-access source; none of a stream). */
  readonly known: readonly PlannedPart[];
  /** True for a stream: parts come from `next()` as the session asks. */
  readonly openEnded: boolean;
  /** The source's size, when known. */
  readonly size: number | undefined;
  /** The next part of a stream, or undefined at its end. Its bytes are held until `release`. */
  next(): Promise<PlannedPart | undefined>;
  /** Part `number`'s bytes and MD5. */
  read(number: number): Promise<ChunkedPart>;
  /** The part was accepted: its bytes are no longer needed. */
  release(number: number): void;
}

export interface FeedOptions {
  readonly limits: PartLimits;
  readonly preferredPartSize?: number | undefined;
}

export function isRandomAccessSource(source: unknown): source is RandomAccessSource {
  return (
    typeof source === "object" &&
    source !== null &&
    typeof (source as RandomAccessSource).size === "number" &&
    typeof (source as RandomAccessSource).read === "function"
  );
}

export function isBlob(source: unknown): source is Blob {
  return typeof Blob !== "undefined" && source instanceof Blob;
}

export function createPartFeed(source: UploadSource, options: FeedOptions): PartFeed {
  const random = isBlob(source) ? blobSource(source) : isRandomAccessSource(source) ? source : undefined;
  const planOptions =
    options.preferredPartSize === undefined ? {} : { preferredPartSize: options.preferredPartSize };
  if (random) {
    const plan = planParts(random.size, options.limits, planOptions);
    return {
      known: plan,
      openEnded: false,
      size: random.size,
      next: async () => undefined,
      read: (number) => {
        const part = plan[number - 1];
        if (!part) throw new RangeError(`part ${number} is not in the plan`);
        return readPart(random, part);
      },
      release: () => {},
    };
  }
  const pool = createPartBufferPool();
  const held = new Map<number, ChunkedPart>();
  const parts = chunkStream(
    source as AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
    options.limits,
    {
      ...planOptions,
      pool,
    },
  );
  let ended = false;
  return {
    known: [],
    openEnded: true,
    size: undefined,
    async next() {
      if (ended) return undefined;
      const result = await parts.next();
      if (result.done) {
        ended = true;
        return undefined;
      }
      held.set(result.value.number, result.value);
      return { number: result.value.number, offset: result.value.offset, size: result.value.size };
    },
    async read(number) {
      const part = held.get(number);
      if (!part)
        throw new RangeError(`part ${number} of the stream is not held (already accepted or never read)`);
      return part;
    },
    release(number) {
      const part = held.get(number);
      if (!part) return;
      held.delete(number);
      pool.release(part.bytes);
    },
  };
}

/**
 * A cheap identity of a random-access source for resume (size, and the MD5 of its first and last
 * 64 KiB), so a journal is never applied to a file that changed since.
 */
export async function fingerprintSource(
  source: UploadSource,
  extra: Partial<SourceFingerprint> = {},
): Promise<SourceFingerprint> {
  const random = isBlob(source) ? blobSource(source) : isRandomAccessSource(source) ? source : undefined;
  if (!random) return { ...extra, size: -1 };
  const window = 64 * 1024;
  const head = await random.read(0, Math.min(window, random.size));
  const tailStart = Math.max(0, random.size - window);
  const tail = await random.read(tailStart, random.size - tailStart);
  const both = new Uint8Array(head.length + tail.length);
  both.set(head, 0);
  both.set(tail, head.length);
  return { ...extra, size: random.size, sample: toHex(await md5(both)) };
}
