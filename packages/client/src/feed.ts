/**
 * Where an uploader's part bytes come from. A source of known size (a `Blob`, a file, any
 * `RandomAccessSource`) is planned up front and each part is read, with its MD5, only when it is
 * sent; a source with `readInto` (a file) is read into buffers recycled through a pool, and the
 * part is held until `release`, so a retry re-sends the same bytes without reading them again
 * (a source without `readInto`, such as a Blob, is read again for a retry); a stream of unknown length (stdin, a `ReadableStream`) is cut
 * by the engine's growing part sizer as the session asks for more (`needPart`), and each part's
 * bytes are held only until the part is accepted, in buffers recycled through a pool. Either way
 * memory is bounded by the parts in flight.
 */
import {
  blobSource,
  chunkStream,
  createPartBufferPool,
  md5,
  type PartLimits,
  type PartRead,
  type PlannedPart,
  planParts,
  type RandomAccessSource,
  readPart,
  toHex,
} from "@partwise/engine";
import type { SourceFingerprint } from "./journal.ts";
import type { ClaimedPart } from "./whole-file-md5.ts";

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
  /**
   * Part `number`'s bytes and MD5 (no MD5 for a random-access source read with `md5: false`).
   * Pooled bytes (a stream's, or a `readInto` source's) stay valid until `release(number)`;
   * nothing may keep them after that.
   */
  read(number: number): Promise<PartRead>;
  /**
   * The part was accepted: its bytes are no longer needed and may be reused for another part.
   * Call it for every accepted part, or pooled buffers are not recycled.
   */
  release(number: number): void;
}

export interface FeedOptions {
  readonly limits: PartLimits;
  readonly preferredPartSize?: number | undefined;
  /**
   * False: parts of a random-access source are read without their MD5, for an uploader that needs
   * none (it hashes the whole file instead). A stream's parts are always hashed. Default true.
   */
  readonly md5?: boolean | undefined;
  /**
   * Called as a random-access source's part is about to be read: a whole-file digest hands back
   * the hash to feed the part to while it is read (`WholeFileMd5.claim`), when the part is next
   * in line for it.
   */
  readonly claimHash?: ((number: number) => ClaimedPart | undefined) | undefined;
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
    const reads = readWith(random, options);
    return {
      known: plan,
      openEnded: false,
      size: random.size,
      next: async () => undefined,
      ...(random.readInto === undefined ? unpooledReads(plan, reads) : pooledReads(plan, reads)),
    };
  }
  const pool = createPartBufferPool();
  const held = new Map<number, PartRead>();
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

function planned(plan: readonly PlannedPart[], number: number): PlannedPart {
  const part = plan[number - 1];
  if (!part) throw new RangeError(`part ${number} is not in the plan`);
  return part;
}

/**
 * Reads `part` of `source` (into `into`, when given), with its MD5 unless `md5` is false, hashing
 * it into the whole-file digest as it is read when the digest claims it.
 */
type PartReader = (part: PlannedPart, into?: Uint8Array) => Promise<PartRead>;

function readWith(source: RandomAccessSource, options: FeedOptions): PartReader {
  const md5 = options.md5 ?? true;
  return async (part, into) => {
    const claimed = options.claimHash?.(part.number);
    try {
      const read = await readPart(source, part, { into, md5, alsoHash: claimed?.hash });
      claimed?.done();
      return read;
    } catch (error) {
      claimed?.failed();
      throw error;
    }
  };
}

/** A source without `readInto` (a Blob): every read is a new buffer; a retry reads again. */
function unpooledReads(plan: readonly PlannedPart[], read: PartReader): Pick<PartFeed, "read" | "release"> {
  return {
    read: async (number) => read(planned(plan, number)),
    release: () => {},
  };
}

/**
 * Parts held beyond this many are dropped from the feed (their buffers left to the GC, never
 * reused), so parts read but never released (a digest catching up on resumed parts, an uploader
 * that does not release) cannot pin more than this many buffers.
 */
const MAX_HELD = 16;

/**
 * A source with `readInto`: each part is read into a pooled buffer and held until `release`
 * gives the buffer back; reading a held part again (a retry) returns the same bytes.
 *
 * Parts are read (and hashed) one at a time, in the order asked, so the first part is ready to
 * send after one part's read rather than after all of the first wave's; and one part is read
 * ahead: when part `n` is asked for, part `n + 1` is read next, so a sender that finishes a part
 * finds the next one already hashed instead of waiting for it (the read overlaps the uploads in
 * flight). A part read ahead that is never asked for (it was accepted in an earlier run, say) is
 * given back as soon as a later part is asked for, so it holds a buffer only that long.
 */
function pooledReads(plan: readonly PlannedPart[], read: PartReader): Pick<PartFeed, "read" | "release"> {
  const pool = createPartBufferPool();
  /** Parts read or being read, oldest first. */
  const held = new Map<number, { readonly reading: Promise<PartRead>; part?: PartRead }>();
  /** The read before the next one: reads run one after another. */
  let queue: Promise<unknown> = Promise.resolve();
  /** The part read ahead and not asked for yet. */
  let ahead: number | undefined;

  const start = (number: number): Promise<PartRead> => {
    const part = planned(plan, number);
    const buffer = part.size === 0 ? undefined : pool.acquire(part.size);
    const reading = queue.then(() => read(part, buffer));
    queue = reading.catch(() => {});
    const entry: { readonly reading: Promise<PartRead>; part?: PartRead } = { reading };
    held.set(number, entry);
    reading.then(
      (read) => {
        entry.part = read;
      },
      () => {
        // A failed read holds nothing: the buffer goes back, the next read tries again.
        if (held.get(number) !== entry) return;
        held.delete(number);
        if (number === ahead) ahead = undefined;
        if (buffer) pool.release(buffer);
      },
    );
    if (held.size > MAX_HELD) {
      // Forget the oldest part without reusing its buffer: whoever still has it may keep it.
      const oldest = held.keys().next().value;
      if (oldest !== undefined) held.delete(oldest);
      if (oldest === ahead) ahead = undefined;
    }
    return reading;
  };

  const release = (number: number): void => {
    const entry = held.get(number);
    if (!entry) return;
    held.delete(number);
    // Back to the pool at once when read, so the next read can take it; else once read.
    if (entry.part) pool.release(entry.part.bytes);
    else
      entry.reading.then(
        (read) => pool.release(read.bytes),
        () => {},
      );
  };

  return {
    read(number) {
      if (number === ahead) ahead = undefined;
      else if (ahead !== undefined && number > ahead) {
        // Passed over (sent in an earlier run): nobody will ask for it.
        release(ahead);
        ahead = undefined;
      }
      const reading = held.get(number)?.reading ?? start(number);
      const next = number + 1;
      if (ahead === undefined && next <= plan.length && !held.has(next)) {
        ahead = next;
        start(next);
      }
      return reading;
    },
    release(number) {
      if (number === ahead) ahead = undefined;
      release(number);
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
