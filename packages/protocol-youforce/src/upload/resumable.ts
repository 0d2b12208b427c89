/**
 * `uploadType=resumable` (the resumable guide; UploadFile.ps1; specs/youforce.yaml `uploadChunk`):
 *
 *     POST /files?uploadType=resumable                          metadata + chunk 0 → { uploadToken }
 *     PUT  /files?uploadType=resumable&uploadToken=…&position=n chunks 1 … N-2, up to 6 in flight
 *     PUT  …&position=N-1&close=true                            the final chunk, last → File
 *
 * Mapped onto the engine's `UploadSession`, in two phases so that every request's retries,
 * backoff and abort are the session's:
 * 1. the `POST` alone, as a one-part session (YF-RESUMABLE-TOKEN). Every `PUT` needs its token, and
 *    parts waiting for it inside one session would hold slots that the `POST`'s retry needs.
 * 2. positions 1 … N-2 as session parts numbered by position, and the FINAL chunk as the session's
 *    `complete` command: it is sent only after every other position succeeded (YF-RESUMABLE-CLOSE)
 *    and is retried like one. A stream of unknown length runs this session open-ended, fed through
 *    `nextPart`; the chunk the feed marks `isFinal` is held back as the closing one (the chunker
 *    knows a chunk is the last only when the stream ends, so the stream is read one chunk ahead).
 *
 * Chunk sizes are fixed at `chunkSize` (≤ 9,000,000 bytes, YF-RESUMABLE-CHUNK-SIZE): the limits
 * given to the planner cap every part at it, so a stream's parts never grow past it either.
 *
 * Resume (random-access sources): the journal's token skips phase 1 and its accepted positions
 * restore phase 2, so only missing positions are sent; each journaled chunk is re-read and its MD5
 * compared first (the whole file's MD5 needs those bytes anyway).
 *
 * YouForce has no server-side abort: on `AbortSignal` the requests in flight are cancelled and
 * nothing more is sent; the unclosed session stays on the server (it never becomes a file).
 */
import {
  createPartFeed,
  driveUpload,
  type JournalStore,
  type SourceFingerprint,
  WholeFileMd5,
} from "@partwise/client";
import {
  type ChunkedPart,
  createMd5,
  DEFAULT_RETRY_POLICY,
  isPartwiseError,
  type PartLimits,
  type RandomAccessSource,
  type SessionSnapshot,
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  toHex,
  UploadSession,
} from "@partwise/engine";
import type { YouforceClient } from "../client/client.ts";
import { YouforceError } from "../client/errors.ts";
import type { File } from "../generated/schemas.ts";
import { youforceResumableLimits } from "../limits.ts";
import { SerialQueue } from "./digest.ts";
import { JournalWriter, type YouforceJournal } from "./journal.ts";
import { uploadMultipart } from "./multipart.ts";
import {
  type ResolvedSettings,
  usage,
  type YouforceUploadProgress,
  type YouforceUploadResult,
  type YouforceUploadSettings,
} from "./options.ts";
import { checkSize, verifyStored } from "./verify.ts";

/** YouForce's limits with every chunk capped at `chunkSize`, so chunks never grow past it. */
export function chunkLimits(chunkSize: number): PartLimits {
  const base = youforceResumableLimits;
  return {
    ...base,
    maxPartSize: chunkSize,
    maxTotalSize: Math.min(base.maxTotalSize, chunkSize * base.maxParts),
  };
}

/** A failure of the source (a read error, a stream over the limits) as the package's error. */
export function sourceFailure(error: unknown): YouforceError {
  if (error instanceof YouforceError) return error;
  const rule = isPartwiseError(error) ? error.rule : undefined;
  let message = error instanceof Error ? error.message : String(error);
  // A Partwise error already ends with ` [RULE]`; the new error appends it again.
  if (rule !== undefined) message = message.replace(` [${rule}]`, "");
  return new YouforceError(`The source could not be read: ${message}`, {
    kind: "usage",
    operation: "upload",
    retryable: false,
    rule,
    cause: error,
  });
}

export interface ResumableJob {
  readonly client: YouforceClient;
  readonly settings: ResolvedSettings;
  readonly options: YouforceUploadSettings;
  /** A random-access source (a Blob adapted) or a stream of unknown length. */
  readonly source:
    | { readonly kind: "random"; readonly source: RandomAccessSource }
    | { readonly kind: "stream"; readonly stream: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> };
  readonly journal?: JournalStore | undefined;
  /** A journal this run resumes from (already parsed and checked against the source and options). */
  readonly resumeFrom?: YouforceJournal | undefined;
  readonly fingerprint?: SourceFingerprint | undefined;
}

interface Chunk {
  readonly position: number;
  readonly size: number;
}

/** The chunks of one upload by position (0 = the POST's), whatever the source. */
interface Chunks {
  /** Chunk bytes for sending, hashed into the whole file's MD5 on the way. */
  read(position: number): Promise<ChunkedPart>;
  /** The chunk was accepted: a stream's bytes are no longer needed. */
  release(position: number): void;
  /** Every chunk, when the source's size is known. */
  readonly planned: readonly Chunk[] | undefined;
  /** The closing chunk, once known. */
  final: Chunk | undefined;
  /** A stream's next chunk, or undefined once only the closing chunk (now `final`) is left. */
  next(): Promise<Chunk | undefined>;
  /** The whole file's hex MD5, or undefined when it is not computed (`wholeFileMd5` off). */
  digest(): Promise<string | undefined>;
  /** The size of a chunk already planned or read. */
  sizeOf(position: number): number;
  /** Bytes of the file (a stream: read so far) and chunks known so far. */
  bytes(): number;
  count(): number;
}

function randomChunks(
  source: RandomAccessSource,
  limits: PartLimits,
  chunkSize: number,
  wholeFileMd5: boolean,
): Chunks {
  const feed = createPartFeed(source, { limits, preferredPartSize: chunkSize });
  const planned = feed.known.map((p) => ({ position: p.number - 1, size: p.size }));
  const readBytes = async (n: number) => (await feed.read(n)).bytes;
  const last = planned[planned.length - 1]!;
  // The feed's part numbers are positions + 1.
  if (!wholeFileMd5)
    return {
      read: (position) => feed.read(position + 1),
      release: (position) => feed.release(position + 1),
      planned,
      final: last,
      next: async () => undefined,
      digest: async () => undefined,
      sizeOf: (position) => planned[position]?.size ?? 0,
      bytes: () => source.size,
      count: () => planned.length,
    };
  const reads = new SerialQueue();
  const hasher = WholeFileMd5.create();
  return {
    // Reads are serialised in the order sends ask for them, so the MD5 follows along (chunks a
    // resume skips are read by `finish`).
    read: (position) =>
      reads.run(async () => {
        const part = await feed.read(position + 1);
        (await hasher).offer(position + 1, part.bytes);
        return part;
      }),
    release: (position) => feed.release(position + 1),
    planned,
    final: last,
    next: async () => undefined,
    digest: () => reads.run(async () => (await hasher).finish(planned.length, readBytes)),
    sizeOf: (position) => planned[position]?.size ?? 0,
    bytes: () => source.size,
    count: () => planned.length,
  };
}

async function streamChunks(
  stream: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  limits: PartLimits,
  chunkSize: number,
  wholeFileMd5: boolean,
): Promise<Chunks & { readonly first: ChunkedPart }> {
  const feed = createPartFeed(stream, { limits, preferredPartSize: chunkSize });
  const hash = wholeFileMd5 ? await createMd5() : undefined;
  let total = 0;
  let count = 0;
  const sizes = new Map<number, number>();
  const take = async (): Promise<ChunkedPart | undefined> => {
    let part: ChunkedPart | undefined;
    try {
      const planned = await feed.next();
      if (planned === undefined) return undefined;
      part = await feed.read(planned.number);
    } catch (error) {
      throw sourceFailure(error);
    }
    // The stream is read in order, so the whole file's MD5 is taken as chunks arrive.
    hash?.update(part.bytes);
    total += part.size;
    count += 1;
    sizes.set(part.number - 1, part.size);
    return part;
  };
  const first = await take();
  if (first === undefined) throw new Error("the chunker yields one part at least");
  const chunks: Chunks & { first: ChunkedPart } = {
    first,
    read: (position) => feed.read(position + 1),
    release: (position) => feed.release(position + 1),
    planned: undefined,
    final: first.isFinal ? { position: 0, size: first.size } : undefined,
    async next() {
      if (chunks.final !== undefined) return undefined;
      const part = await take();
      if (part === undefined) return undefined;
      const chunk = { position: part.number - 1, size: part.size };
      if (!part.isFinal) return chunk;
      chunks.final = chunk;
      return undefined;
    },
    digest: async () => (hash === undefined ? undefined : toHex(hash.digest())),
    sizeOf: (position) => sizes.get(position) ?? 0,
    bytes: () => total,
    count: () => count,
  };
  return chunks;
}

export async function uploadResumable(job: ResumableJob): Promise<YouforceUploadResult> {
  const { client, settings, options } = job;
  const limits = chunkLimits(settings.chunkSize);
  const tenantId = options.tenantId;
  const random = options.random ?? Math.random;
  const resumed = job.resumeFrom;
  let chunks: Chunks;
  if (job.source.kind === "random") {
    chunks = randomChunks(job.source.source, limits, settings.chunkSize, settings.wholeFileMd5);
  } else {
    const stream = await streamChunks(job.source.stream, limits, settings.chunkSize, settings.wholeFileMd5);
    // A stream that fits in one chunk goes multipart, as the official PowerShell client sends any
    // single-chunk file (a resumable upload cannot close at position 0).
    if (stream.first.isFinal) {
      const md5 = await stream.digest();
      return uploadMultipart(client, settings, options, { kind: "bytes", bytes: stream.first.bytes, md5 });
    }
    chunks = stream;
  }
  const read = async (position: number): Promise<ChunkedPart> => {
    try {
      return await chunks.read(position);
    } catch (error) {
      throw sourceFailure(error);
    }
  };

  // ----- progress, counted per chunk across both phases and the close -----
  const counters = { bytesSent: 0, bytesDone: 0, partsDone: 0, inFlight: 0 };
  const onProgress = options.onProgress;
  const emit = (): void => {
    onProgress?.({
      ...counters,
      bytesTotal: chunks.bytes(),
      partsTotal: chunks.count(),
      uploadType: "resumable",
      totalKnown: chunks.planned !== undefined || chunks.final !== undefined,
    } satisfies YouforceUploadProgress);
  };
  const attempt = async <T>(size: number, request: () => Promise<T>): Promise<T> => {
    counters.inFlight += 1;
    emit();
    try {
      return await request();
    } finally {
      counters.inFlight -= 1;
      counters.bytesSent += size;
      emit();
    }
  };
  const accepted = (size: number): void => {
    counters.partsDone += 1;
    counters.bytesDone += size;
    emit();
  };

  // ----- the journal -----
  const writer =
    job.journal === undefined || job.fingerprint === undefined || chunks.planned === undefined
      ? undefined
      : new JournalWriter(
          job.journal,
          {
            format: "partwise.upload-journal",
            version: 1,
            protocol: "youforce",
            source: job.fingerprint,
            partSize: settings.chunkSize,
          },
          resumed,
        );
  let uploadToken = resumed?.upload.uploadToken;
  const journal = async (position: number, size: number, md5: string): Promise<void> => {
    await writer?.accept(
      {
        uploadToken: uploadToken!,
        fileName: settings.fileName,
        businessTypeId: settings.businessTypeId,
        chunks: chunks.count(),
      },
      position,
      { size, md5, etag: md5 },
    );
  };
  const metadata = {
    fileName: settings.fileName,
    businessTypeId: settings.businessTypeId,
    customMetadata: settings.customMetadata,
  };

  if (resumed !== undefined) {
    // Chunks the journal records as accepted are checked against the source before anything is sent.
    const planned = chunks.planned ?? [];
    for (const [key, part] of Object.entries(resumed.parts).sort(([a], [b]) => Number(a) - Number(b))) {
      const position = Number(key);
      const chunk = planned[position];
      const bytes = chunk?.size === part.size ? await read(position) : undefined;
      if (bytes === undefined || toHex(bytes.md5) !== part.md5)
        throw usage(
          `Chunk ${key} differs from the chunk the journal records as uploaded: the source changed since; remove the journal to start over`,
        );
      counters.partsDone += 1;
      counters.bytesDone += part.size;
    }
    emit();
  }

  // ----- phase 1: the POST with the metadata and chunk 0, which answers the upload token -----
  if (uploadToken === undefined) {
    const size = chunks.sizeOf(0);
    await driveUpload({
      session: new UploadSession({
        parts: [{ number: 1, size }],
        concurrency: 1,
        retry: options.retry,
        random,
      }),
      clock: options.clock,
      signal: options.signal,
      driver: {
        async sendPart(_command, signal) {
          const part = await read(0);
          const answer = await attempt(part.size, () =>
            client.uploadFile({
              uploadType: "resumable",
              metadata,
              media: part.bytes,
              deniedExtensions: options.deniedExtensions,
              signal,
              tenantId,
            }),
          );
          uploadToken = answer.uploadToken;
          return toHex(part.md5);
        },
        async complete() {},
      },
      onPartAccepted: async (_number, md5) => {
        await journal(0, size, md5);
        chunks.release(0);
        accepted(size);
      },
    });
  }
  const token = uploadToken;
  if (token === undefined) throw new Error("phase 1 completed without an upload token");

  // ----- phase 2: positions 1 … N-2 (session part number = position), then the close -----
  let session: UploadSession;
  if (chunks.planned !== undefined) {
    const middle = chunks.planned.slice(1, -1);
    if (resumed === undefined) {
      session = new UploadSession({
        parts: middle.map((c) => ({ number: c.position, size: c.size })),
        concurrency: settings.concurrency,
        retry: options.retry,
        random,
      });
    } else {
      const snapshot: SessionSnapshot = {
        format: SNAPSHOT_FORMAT,
        version: SNAPSHOT_VERSION,
        config: {
          concurrency: settings.concurrency,
          retry: {
            maxRetriesPerPart: DEFAULT_RETRY_POLICY.maxRetriesPerPart,
            baseDelayMs: DEFAULT_RETRY_POLICY.baseDelayMs,
            maxDelayMs: DEFAULT_RETRY_POLICY.maxDelayMs,
          },
        },
        parts: middle.map((c) => {
          const done = resumed.parts[String(c.position)];
          return done === undefined
            ? { number: c.position, size: c.size, state: "pending" as const, attempts: 0 }
            : { number: c.position, size: c.size, state: "succeeded" as const, etag: done.etag, attempts: 1 };
        }),
      };
      session = UploadSession.restore(snapshot, {
        random,
        concurrency: settings.concurrency,
        retry: options.retry,
      });
    }
  } else {
    // A stream: position 1 decides between "only the close is left" and an open-ended session.
    const second = await chunks.next();
    session = new UploadSession({
      parts: second === undefined ? [] : [{ number: second.position, size: second.size }],
      openEnded: second !== undefined,
      concurrency: settings.concurrency,
      retry: options.retry,
      random,
    });
  }

  let stored: File | undefined;
  await driveUpload({
    session,
    clock: options.clock,
    signal: options.signal,
    driver: {
      async sendPart(command, signal) {
        const part = await read(command.number);
        await attempt(part.size, () =>
          client.uploadChunk({
            uploadToken: token,
            position: command.number,
            body: part.bytes,
            signal,
            tenantId,
          }),
        );
        return toHex(part.md5);
      },
      async complete(_command, signal) {
        const final = chunks.final;
        if (final === undefined) throw new Error("complete before the final chunk is known");
        const part = await read(final.position);
        stored = await attempt(part.size, () =>
          client.uploadChunk({
            uploadToken: token,
            position: final.position,
            close: true,
            body: part.bytes,
            signal,
            tenantId,
          }),
        );
        accepted(part.size);
      },
      ...(chunks.planned === undefined
        ? {
            nextPart: async () => {
              const next = await chunks.next();
              return next === undefined ? undefined : { number: next.position, size: next.size };
            },
          }
        : {}),
    },
    onPartAccepted: async (position, md5) => {
      const size = chunks.sizeOf(position);
      await journal(position, size, md5);
      chunks.release(position);
      accepted(size);
    },
  });
  const file = stored;
  const final = chunks.final;
  if (file === undefined || final === undefined)
    throw new Error("the resumable session completed without a file");
  chunks.release(final.position);

  let md5: string | undefined;
  try {
    md5 = await chunks.digest();
  } catch (error) {
    throw sourceFailure(error);
  }
  checkSize(file, chunks.bytes(), "uploadChunk");
  // The upload is done whatever the verification says: the journal's token is spent.
  await writer?.remove();
  const verified =
    settings.verify && md5 !== undefined
      ? await verifyStored(client, file, md5, { signal: options.signal, tenantId })
      : false;
  return {
    ...file,
    ...(md5 === undefined ? {} : { md5 }),
    parts: final.position + 1,
    uploadType: "resumable",
    verified,
    resumed: resumed !== undefined,
  };
}
