/**
 * `runUpload`: the one resumable-upload runner of the three protocols. It owns the part feed and
 * its read-ahead, the source fingerprint and the journal, restore (through the engine's session
 * snapshot), the whole file's MD5, progress, the retry policy of every request, pause and abort,
 * and the verification of the stored file; the protocol supplies its steps (`UploadSteps`).
 *
 * What it guarantees:
 * - it resolves only once `steps.verify` said the stored file holds the bytes; a file found
 *   corrupt is discarded (where the protocol can) and uploaded again, at most `reuploads` times;
 * - a completion whose answer was lost is looked up (`steps.lookup`) before it is sent again, and
 *   a rerun whose journal says "completed" or "completing" finishes without uploading again;
 * - when `signal` fires with a journal, the upload pauses: the server keeps the upload and the
 *   journal is kept (a rerun continues); without a journal, or when the reason is an `AbortUpload`,
 *   the upload is aborted on the server and the journal removed;
 * - a failure with a journal keeps both the server's upload and the journal;
 * - a journal is applied only to the same source (fingerprint) and target, or refused naming it.
 */
import {
  blobSource,
  createMd5,
  md5,
  type PartLimits,
  type PlannedPart,
  type RandomAccessSource,
  type SessionSnapshot,
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  toHex,
  UploadSession,
} from "@partwise/engine";
import { type Clock, systemClock } from "../clock.ts";
import { driveUpload } from "../drive.ts";
import {
  createPartFeed,
  fingerprintSource,
  isBlob,
  isRandomAccessSource,
  type PartFeed,
  type UploadSource,
} from "../feed.ts";
import type { JournalStore, SourceFingerprint } from "../journal.ts";
import { WholeFileMd5 } from "../whole-file-md5.ts";
import { JournalWriter, journalProblem, type RunJournal, sameSource, sameTarget } from "./journal-state.ts";
import {
  type ResolvedRetry,
  type RetryContext,
  resolveUploadRetry,
  retrying,
  type UploadRetryOptions,
} from "./retry.ts";
import { type RequestSlots, withSlot } from "./slots.ts";
import type { AcceptedPart, Expected, Lookup, PartBytes, StepContext, UploadSteps } from "./steps.ts";

/** Pass as the reason of `AbortController.abort(reason)` to abort (not pause) a journaled upload. */
export class AbortUpload extends Error {
  override readonly name = "AbortUpload";
  constructor(message = "upload aborted") {
    super(message);
  }
}

/** The one progress event of every uploader. */
export interface UploadProgressEvent {
  /** Bytes of every request body sent, retries included. */
  readonly bytesSent: number;
  /** Bytes the server accepted (parts of an earlier run included). */
  readonly bytesAccepted: number;
  readonly partsAccepted: number;
  /** The file's size; for a stream, the bytes read so far until `totalKnown`. */
  readonly bytesTotal: number;
  readonly partsTotal: number;
  readonly totalKnown: boolean;
  /** The same as `bytesAccepted` and `partsAccepted` (names of earlier releases). */
  readonly bytesDone: number;
  readonly partsDone: number;
}

/** How the runner reports its own failures in the protocol's words. */
export interface RunErrors {
  /** A journal that cannot be applied, a source that cannot be read again… */
  usage(message: string, rule?: string): Error;
  /** The upload stopped on `signal`: `paused` when the server's upload and the journal were kept. */
  aborted(reason: unknown, paused: boolean): Error;
  /** The stored file still differs after the re-uploads allowed. */
  corrupt(message: string): Error;
}

export interface RunUploadOptions<H, R> {
  readonly source: UploadSource;
  readonly steps: UploadSteps<H, R, boolean>;
  readonly errors: RunErrors;
  readonly journal?: JournalStore | undefined;
  /** How errors name the journal (its file path). */
  readonly journalName?: string | undefined;
  /** What a journal must match besides the source (target, name, settings). */
  readonly target?: Readonly<Record<string, unknown>> | undefined;
  /** The part size the caller asked for explicitly: a journal written with another is refused. */
  readonly partSize?: number | undefined;
  /** The file's name, recorded in its fingerprint. */
  readonly name?: string | undefined;
  readonly retry?: UploadRetryOptions | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: UploadProgressEvent) => void) | undefined;
  /** Also compute the whole file's MD5 (returned as `md5`). */
  readonly wholeFileMd5?: boolean | undefined;
  /** Uploads of a file found corrupt, after discarding it. Default 2. */
  readonly reuploads?: number | undefined;
  readonly clock?: Clock | undefined;
  readonly random?: (() => number) | undefined;
  /** Called before each retry (tests, logs). */
  readonly onRetry?: ((request: string, error: unknown) => void) | undefined;
  /**
   * A limit on requests in flight shared with other uploads (`createRequestSlots`): each request
   * that carries bytes takes a slot before they are read. Without it only `concurrency` limits.
   */
  readonly slots?: RequestSlots | undefined;
}

export interface RunUploadResult<R, H = unknown> {
  readonly result: R;
  readonly md5: string | undefined;
  readonly parts: number;
  /** A journal let this run skip work done before (parts, or the whole upload). */
  readonly resumed: boolean;
  /** Corrupt stored files found and discarded (or left, where the protocol cannot discard). */
  readonly discarded: readonly R[];
  /** The server's upload this result came from (undefined for a one-request upload). */
  readonly handle: H | undefined;
  /** The part size the file was cut to. */
  readonly partSize: number;
}

export async function runUpload<H, R>(options: RunUploadOptions<H, R>): Promise<RunUploadResult<R, H>> {
  const run = new Run(options);
  return run.run();
}

const random = (source: UploadSource): RandomAccessSource | undefined =>
  isRandomAccessSource(source) ? source : undefined;

/** Bytes already read (a stream that fit in its first part) as a random-access source. */
function bytesSource(bytes: Uint8Array): RandomAccessSource {
  return { size: bytes.length, read: async (offset, length) => bytes.subarray(offset, offset + length) };
}

class Run<H, R> {
  readonly o: RunUploadOptions<H, R>;
  readonly steps: UploadSteps<H, R, boolean>;
  readonly policy: ResolvedRetry;
  readonly clock: Clock;
  readonly controller = new AbortController();
  readonly random: () => number;
  feed!: PartFeed;
  plan: PlannedPart[] = [];
  writer: JournalWriter<H> | undefined;
  handle: H | undefined;
  accepted = new Map<number, AcceptedPart>();
  digest: WholeFileMd5 | undefined;
  /** The whole file's MD5 when it was taken while a one-request body was sent. */
  fileMd5: string | undefined;
  startedAt = 0;
  resumed = false;
  discarded: R[] = [];
  bytesSent = 0;
  totalKnown = true;
  /** The last part of a stream when `complete` sends it (known once the stream ends). */
  last: PlannedPart | undefined;
  /** The completion (or one-request upload) was sent: its answer may have been lost. */
  completing = false;
  /** The server completed the upload this run: nothing is left to abort. */
  completedOnce = false;
  reports = new Reports();

  constructor(options: RunUploadOptions<H, R>) {
    this.o = options;
    this.steps = options.steps;
    this.policy = resolveUploadRetry(options.retry);
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  get ctx(): StepContext {
    return { signal: this.controller.signal };
  }

  retryCtx(signal: AbortSignal = this.controller.signal): RetryContext {
    return { policy: this.policy, clock: this.clock, random: this.random, signal, onRetry: this.o.onRetry };
  }

  async run(): Promise<RunUploadResult<R, H>> {
    const signal = this.o.signal;
    const onAbort = () => this.controller.abort(signal?.reason);
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await this.attempts();
    } catch (error) {
      throw await this.stop(error);
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Pause, abort or failure: what stays on the server and in the journal. */
  async stop(error: unknown): Promise<unknown> {
    const stopped = this.controller.signal.aborted && this.o.signal?.aborted === true;
    const reason = this.o.signal?.reason;
    const keep = this.writer !== undefined && !(stopped && reason instanceof AbortUpload);
    this.controller.abort(error);
    this.reports.cancelTimer?.();
    if (!keep && this.handle !== undefined && this.steps.abort && !this.completedOnce) {
      const cleanup = new AbortController();
      const timer = this.clock.setTimer(10_000, () => cleanup.abort());
      await this.steps.abort(this.handle, { signal: cleanup.signal }).catch(() => {});
      timer();
    }
    if (!keep) await this.writer?.remove().catch(() => {});
    return stopped ? this.o.errors.aborted(reason, keep) : error;
  }

  async attempts(): Promise<RunUploadResult<R, H>> {
    const reuploads = this.o.reuploads ?? 2;
    for (let round = 0; ; round++) {
      const result = await this.once(round === 0);
      const expected = await this.expected();
      const intact = await retrying("verification", this.retryCtx(), (signal) =>
        this.steps.verify(result, expected, { signal }),
      );
      if (intact) {
        await this.writer?.remove();
        this.writer = undefined;
        return {
          result,
          md5: expected.md5,
          parts: this.plan.length,
          resumed: this.resumed,
          discarded: this.discarded,
          handle: this.handle,
          partSize: this.partSize(),
        };
      }
      this.discarded.push(result);
      if (this.steps.discard)
        await retrying("discard", this.retryCtx(), (signal) =>
          (this.steps.discard as NonNullable<typeof this.steps.discard>)(result, { signal }),
        );
      await this.writer?.remove();
      this.writer = undefined;
      const what = `the stored file differs from the source (size, ETag or MD5)`;
      if (round >= reuploads) throw this.o.errors.corrupt(`${what} after ${round + 1} upload(s)`);
      if (random(this.o.source) === undefined && !isBlob(this.o.source))
        throw this.o.errors.corrupt(`${what}, and a stream cannot be read again to upload it anew`);
    }
  }

  /** One upload, from the journal's state or from scratch: resolves with the stored file. */
  async once(first: boolean): Promise<R> {
    this.reset();
    this.feed = this.newFeed(this.steps.limits, this.steps.preferredPartSize);
    if (this.feed.openEnded) return this.stream();
    if (first && this.o.journal) {
      const done = await this.openJournal(this.o.journal);
      if (done !== undefined) return done;
    } else if (this.o.journal) await this.newJournal(this.o.journal, await this.fingerprint());
    this.plan = [...this.feed.known];
    if (this.digest === undefined) await this.startDigest();
    const size = this.feed.size ?? 0;
    if (this.steps.single && size <= (this.steps.singleUpTo ?? 0) && this.accepted.size === 0)
      return this.single(this.o.source as RandomAccessSource | Blob);
    return this.parts();
  }

  reset(): void {
    this.handle = undefined;
    this.accepted = new Map();
    this.digest = undefined;
    this.fileMd5 = undefined;
    this.bytesSent = 0;
    this.last = undefined;
    this.completing = false;
    this.completedOnce = false;
    this.reports = new Reports();
    this.startedAt = this.clock.now();
  }

  async fingerprint(): Promise<SourceFingerprint> {
    const source = this.o.source as { mtimeMs?: unknown; lastModified?: unknown };
    const modified = source.mtimeMs ?? source.lastModified;
    return fingerprintSource(this.o.source, {
      ...(this.o.name === undefined ? {} : { name: this.o.name }),
      ...(typeof modified === "number" ? { mtimeMs: modified } : {}),
    });
  }

  async newJournal(store: JournalStore, source: SourceFingerprint): Promise<void> {
    const partSize = this.feed.known[0]?.size || 1;
    this.writer = new JournalWriter<H>(store, {
      format: "partwise.upload-journal",
      version: 1,
      protocol: this.steps.protocol,
      upload: null,
      source,
      partSize,
      parts: {},
      ...(this.o.target === undefined ? {} : { target: this.o.target }),
      startedAt: this.startedAt,
      stage: "parts",
    });
    await this.writer.update({});
  }

  /**
   * Loads and checks the journal. Resolves with the stored file when the journal's upload turns
   * out finished (a rerun after a lost or unseen completion); otherwise restores what it can.
   */
  async openJournal(store: JournalStore): Promise<R | undefined> {
    const name = this.o.journalName === undefined ? "the journal" : `the journal ${this.o.journalName}`;
    const source = await this.fingerprint();
    const saved = (await store.load()) as RunJournal<H> | undefined;
    if (saved === undefined) {
      await this.newJournal(store, source);
      return undefined;
    }
    const problem = journalProblem(saved, this.steps.protocol);
    if (problem !== undefined)
      throw this.o.errors.usage(
        `${name} is not a ${this.steps.protocol} upload journal this version can resume (${problem}); remove it to start over`,
      );
    if (!sameSource(saved.source, source))
      throw this.o.errors.usage(
        `The source changed since ${name} was written (its size, modification time or sampled content differ); remove it to start over`,
      );
    if (!sameTarget(saved.target ?? {}, this.o.target ?? {}))
      throw this.o.errors.usage(
        `${name} was written for another target or settings (${JSON.stringify(saved.target ?? {})}); remove it to start over`,
      );
    if (this.o.partSize !== undefined && this.o.partSize !== saved.partSize)
      throw this.o.errors.usage(
        `The part size ${this.o.partSize} differs from the ${saved.partSize} of ${name}: part positions depend on it`,
      );
    const handle = saved.upload === null ? undefined : this.steps.parseHandle(saved.upload);
    const result = saved.result === undefined ? undefined : this.steps.parseResult(saved.result);
    this.feed = this.newFeed(this.steps.limits, saved.partSize);
    this.writer = new JournalWriter<H>(store, saved);
    this.startedAt = saved.startedAt ?? this.startedAt;
    this.resumed = true;
    this.handle = handle;
    this.completing = saved.stage === "completing";
    if (saved.stage === "completed" && result !== undefined) return this.finishedEarlier(result);
    for (const [key, part] of Object.entries(saved.parts))
      this.accepted.set(Number(key), { number: Number(key), ...part });
    this.plan = [...this.feed.known];
    await this.startDigest();
    if (saved.stage === "completing" || handle !== undefined) {
      const found = await this.lookup();
      if (found.state === "completed") return this.finishedEarlier(found.result);
      if (found.state === "gone" || handle === undefined) {
        this.handle = undefined;
        this.accepted = new Map();
        this.resumed = false;
        this.digest = undefined;
        await this.startDigest();
        await this.writer.update({ upload: null, parts: {}, stage: "parts", startedAt: this.clock.now() });
      } else if (found.parts !== undefined) {
        await this.reconcile(handle, found.parts);
      }
    }
    return undefined;
  }

  /**
   * A resumed upload whose server lists its parts: a journaled part the server holds with another
   * ETag is sent again; one it does not hold (storage took it, the report was lost) is reported
   * now, or sent again when the report is refused.
   */
  async reconcile(handle: H, server: ReadonlyMap<number, { readonly etag: string }>): Promise<void> {
    const unreported: AcceptedPart[] = [];
    for (const [number, part] of this.accepted) {
      const held = server.get(number);
      if (held === undefined) unreported.push(part);
      else if (held.etag.toLowerCase() !== part.etag.toLowerCase()) this.accepted.delete(number);
    }
    if (unreported.length === 0 || !this.steps.report) {
      for (const part of unreported) this.accepted.delete(part.number);
      return;
    }
    const report = this.steps.report.bind(this.steps);
    try {
      await retrying("report", this.retryCtx(), (signal) => report(handle, unreported, { signal }));
    } catch (error) {
      if (this.controller.signal.aborted) throw error;
      for (const part of unreported) this.accepted.delete(part.number);
    }
  }

  async finishedEarlier(result: R): Promise<R> {
    this.plan = [...this.feed.known];
    if (this.digest === undefined) await this.startDigest();
    return result;
  }

  lookup(): Promise<Lookup<R>> {
    return retrying("look-up", this.retryCtx(), async (signal) =>
      this.steps.lookup(this.handle, await this.expectedSoFar(), { signal }),
    );
  }

  /**
   * The whole file's MD5, when asked for. Parts of an earlier run are read again first and each
   * checked against the MD5 the journal recorded (a source changed where the fingerprint does not
   * sample it is refused before anything is sent); those in an unbroken run from part 1 go into
   * the digest at once, the others are read again when the digest gets to them.
   */
  async startDigest(): Promise<void> {
    if (!(this.o.wholeFileMd5 || this.steps.needsFileMd5)) return;
    let prefix = 0;
    while (this.accepted.has(prefix + 1)) prefix += 1;
    const later = new Set([...this.accepted.keys()].filter((n) => n > prefix));
    this.digest = await WholeFileMd5.create({ skipped: later, readSkipped: (n) => this.readFresh(n) });
    for (const part of this.acceptedParts()) {
      const bytes = await this.readFresh(part.number);
      if (bytes.length !== part.size || toHex(await md5(bytes)) !== part.md5)
        throw this.o.errors.usage(
          `Part ${part.number} differs from the part ${this.o.journalName ?? "the journal"} records as uploaded: the source changed since; remove the journal to start over`,
        );
      if (part.number <= prefix) this.digest.offer(part.number, bytes);
    }
  }

  /** Part `n`'s bytes, read again from the source (parts of an earlier run, for the digest). */
  async readFresh(number: number): Promise<Uint8Array> {
    const part = this.plan[number - 1];
    const source = random(this.o.source);
    if (part === undefined) throw new RangeError(`part ${number} is not in the plan`);
    if (source) return source.read(part.offset, part.size);
    return new Uint8Array(
      await (this.o.source as Blob).slice(part.offset, part.offset + part.size).arrayBuffer(),
    );
  }

  /**
   * The feed of `source`, cut with `limits`. Parts are hashed unless the steps need no part MD5
   * (`hashParts: false`) and no journal records them.
   */
  newFeed(limits: PartLimits, preferredPartSize: number | undefined): PartFeed {
    return createPartFeed(this.o.source, {
      limits,
      preferredPartSize,
      md5: this.steps.hashParts !== false || this.o.journal !== undefined,
      // Parts read in order go into the whole-file digest during their read, slice by slice.
      claimHash: (number) => this.digest?.claim(number),
    });
  }

  async read(number: number): Promise<PartBytes<boolean>> {
    const part = await this.feed.read(number);
    this.digest?.offer(number, part.bytes);
    return {
      number,
      offset: part.offset,
      size: part.size,
      bytes: part.bytes,
      md5: part.md5,
      md5Hex: part.md5 === undefined ? undefined : toHex(part.md5),
    };
  }

  expectedSoFar(): Promise<Expected> {
    return Promise.resolve({
      size: this.plan.reduce((sum, p) => sum + p.size, 0),
      md5: undefined,
      parts: this.acceptedParts(),
      startedAt: this.startedAt,
      completing: this.completing,
    });
  }

  async expected(): Promise<Expected> {
    const md5 =
      this.fileMd5 !== undefined
        ? this.fileMd5
        : this.digest
          ? await this.digest
              .finish(this.plan.length, (n) => this.readFresh(n))
              .catch((error: unknown) => {
                throw this.o.errors.usage(
                  `The source could not be read again: ${String((error as Error).message ?? error)}`,
                );
              })
          : undefined;
    return { ...(await this.expectedSoFar()), md5 };
  }

  acceptedParts(): AcceptedPart[] {
    return [...this.accepted.values()].sort((a, b) => a.number - b.number);
  }

  progress(): void {
    if (!this.o.onProgress) return;
    let bytes = 0;
    for (const part of this.accepted.values()) bytes += part.size;
    const total = this.plan.reduce((sum, p) => sum + p.size, 0);
    this.o.onProgress({
      bytesSent: this.bytesSent,
      bytesAccepted: bytes,
      partsAccepted: this.accepted.size,
      bytesTotal: total,
      partsTotal: this.plan.length,
      totalKnown: this.totalKnown,
      bytesDone: bytes,
      partsDone: this.accepted.size,
    });
  }

  async accept(part: PartBytes<boolean>, etag: string): Promise<void> {
    const entry = { size: part.size, md5: part.md5Hex ?? "", etag };
    await this.writer?.accept(part.number, entry);
    this.accepted.set(part.number, { number: part.number, ...entry });
    this.feed.release(part.number);
    this.progress();
    if (this.steps.report && this.handle !== undefined)
      this.queueReport(this.handle, { number: part.number, ...entry });
  }

  queueReport(handle: H, part: AcceptedPart): void {
    const report = this.steps.report?.bind(this.steps);
    if (!report) return;
    const batch = this.steps.reportBatch ?? { size: 50, intervalMs: 2_000 };
    this.reports.add(part, batch, this.clock, (parts) =>
      retrying("report", this.retryCtx(), (signal) => report(handle, parts, { signal })).catch(
        (error: unknown) => {
          // A report retries cannot fix: the upload cannot complete, stop it.
          this.controller.abort(error);
          throw error;
        },
      ),
    );
  }

  /** The whole file in one request; a lost answer is looked up before the request is sent again. */
  async single(source: RandomAccessSource | Blob): Promise<R> {
    const body = isBlob(source) ? blobSource(source) : source;
    this.plan = [{ number: 1, offset: 0, size: body.size }];
    const single = this.steps.single as NonNullable<UploadSteps<H, R, boolean>["single"]>;
    this.completing = true;
    await this.writer?.update({ stage: "completing", startedAt: this.startedAt });
    let hash: Awaited<ReturnType<typeof createMd5>> | undefined;
    const result = await retrying(
      "upload",
      this.retryCtx(),
      (signal) =>
        withSlot(this.o.slots, signal, async () => {
          hash = this.digest ? await createMd5() : undefined;
          const stored = await single(body, hash, { signal });
          this.bytesSent += body.size;
          return stored;
        }),
      (error) => this.lookupAfter(error),
    );
    if (hash) {
      this.digest = undefined;
      this.fileMd5 = toHex(hash.digest());
    }
    this.accepted.set(1, { number: 1, size: body.size, md5: this.fileMd5 ?? "", etag: "" });
    return this.completed(result);
  }

  /** After a failed completion: the server may have completed and lost its answer. */
  async lookupAfter(_error: unknown): Promise<{ value: R } | undefined> {
    const found = await this.lookup();
    return found.state === "completed" ? { value: found.result } : undefined;
  }

  async completed(result: R): Promise<R> {
    this.completedOnce = true;
    await this.writer?.update({ stage: "completed", result });
    this.progress();
    return result;
  }

  /** Start, parts, completion of a random-access source. */
  async parts(): Promise<R> {
    const firstCarried = this.steps.startSendsFirstPart === true;
    const lastCarried = this.steps.completeSendsLastPart === true && this.plan.length > 1;
    if (this.handle === undefined) await this.start(firstCarried ? 1 : undefined);
    const handle = this.handle as H;
    const offset = firstCarried ? 1 : 0;
    const middle = this.plan.filter(
      (p) => !(firstCarried && p.number === 1) && !(lastCarried && p.number === this.plan.length),
    );
    this.progress();
    await this.sendParts(handle, middle, offset, undefined);
    return this.complete(handle, lastCarried ? this.plan.length : undefined);
  }

  async start(firstNumber: number | undefined): Promise<void> {
    const started = await retrying("start", this.retryCtx(), (signal) =>
      withSlot(firstNumber === undefined ? undefined : this.o.slots, signal, async () => {
        const first = firstNumber === undefined ? undefined : await this.read(firstNumber);
        const answer = await this.steps.start(first, { signal });
        if (first) this.bytesSent += first.size;
        return { answer, first };
      }),
    );
    this.handle = started.answer.handle;
    const first = started.first;
    if (first === undefined) {
      await this.adoptPartSize(started.answer.handle);
      await this.writer?.update({
        upload: started.answer.handle,
        startedAt: this.startedAt,
        stage: "parts",
        partSize: this.partSize(),
      });
      return;
    }
    // One save records the upload and the part its start carried.
    const md5 = first.md5Hex ?? "";
    const part = { size: first.size, md5, etag: started.answer.etag ?? md5 };
    await this.writer?.update({ upload: started.answer.handle, parts: { [String(first.number)]: part } });
    this.accepted.set(first.number, { number: first.number, ...part });
    this.feed.release(first.number);
    this.progress();
  }

  /** The part size of the plan (the journal's `partSize`). */
  partSize(): number {
    return this.plan[0]?.size || this.feed.known[0]?.size || 1;
  }

  /** The server decided the part size (`partSizeOf`): the source is cut again to exactly it. */
  async adoptPartSize(handle: H): Promise<void> {
    const size = this.steps.partSizeOf?.(handle);
    if (size === undefined) return;
    const limits = { ...this.steps.limits, minPartSize: size, maxPartSize: size };
    this.feed = this.newFeed(limits, size);
    if (this.feed.openEnded) return;
    this.plan = [...this.feed.known];
    if (this.digest !== undefined) {
      this.digest = undefined;
      await this.startDigest();
    }
  }

  /** Parts through the engine's session (restored from a snapshot of the accepted ones). */
  async sendParts(
    handle: H,
    parts: readonly PlannedPart[],
    offset: number,
    nextPart: (() => Promise<PlannedPart | undefined>) | undefined,
  ): Promise<void> {
    const concurrency = this.steps.concurrencyOf?.(handle) ?? this.steps.concurrency;
    const snapshot: SessionSnapshot = {
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      config: {
        concurrency,
        retry: { maxRetriesPerPart: 0, baseDelayMs: 0, maxDelayMs: 0 },
      },
      parts: parts.map((p) => {
        const done = this.accepted.get(p.number);
        const number = p.number - offset;
        return done === undefined
          ? { number, size: p.size, state: "pending" as const, attempts: 0 }
          : { number, size: p.size, state: "succeeded" as const, etag: done.etag, attempts: 1 };
      }),
      ...(nextPart ? { openEnded: true } : {}),
    };
    const session = nextPart
      ? new UploadSession({
          parts: [],
          openEnded: true,
          concurrency,
          retry: snapshot.config.retry,
          random: this.random,
        })
      : UploadSession.restore(snapshot, { random: this.random });
    const sent = new Map<number, PartBytes<boolean>>();
    await driveUpload({
      session,
      clock: this.clock,
      signal: this.controller.signal,
      driver: {
        classify: () => ({ retryable: false }),
        sendPart: (command, signal) =>
          retrying(`part ${command.number + offset}`, this.retryCtx(signal), (s) =>
            withSlot(this.o.slots, s, async () => {
              const part = await this.read(command.number + offset);
              const etag = await this.steps.sendPart(handle, part, { signal: s });
              this.bytesSent += part.size;
              sent.set(command.number, part);
              return etag;
            }),
          ),
        complete: async () => {},
        ...(nextPart
          ? {
              nextPart: async () => {
                const part = await nextPart();
                return part && { number: part.number - offset, size: part.size };
              },
            }
          : {}),
      },
      onPartAccepted: async (number, etag) => {
        const part = sent.get(number);
        sent.delete(number);
        if (part) await this.accept(part, etag);
      },
    });
  }

  async complete(handle: H, lastNumber: number | undefined): Promise<R> {
    await this.reports.flush();
    this.completing = true;
    await this.writer?.update({ stage: "completing" });
    const result = await retrying(
      "completion",
      this.retryCtx(),
      (signal) =>
        withSlot(lastNumber === undefined ? undefined : this.o.slots, signal, async () => {
          const last = lastNumber === undefined ? undefined : await this.read(lastNumber);
          const stored = await this.steps.complete(handle, this.acceptedParts(), last, { signal });
          if (last) {
            this.bytesSent += last.size;
            this.accepted.set(last.number, {
              number: last.number,
              size: last.size,
              md5: last.md5Hex ?? "",
              etag: last.md5Hex ?? "",
            });
            this.feed.release(last.number);
          }
          return stored;
        }),
      (error) => this.lookupAfter(error),
    );
    return this.completed(result);
  }

  /** A stream of unknown length (no journal): read as the session asks, one part ahead. */
  async stream(): Promise<R> {
    if (this.o.journal)
      throw this.o.errors.usage(
        "A journal needs a random-access source (a Blob or a RandomAccessSource such as fileSource(path)): a stream cannot be read again to resume",
      );
    this.totalKnown = false;
    await this.startDigest();
    const pull = async () => {
      const part = await this.feed.next();
      if (part) this.plan.push(part);
      return part;
    };
    const firstCarried = this.steps.startSendsFirstPart === true;
    const lastCarried = this.steps.completeSendsLastPart === true;
    // Parts read and not yet handed to the start, the session or the completion.
    const pending: PlannedPart[] = [];
    const fill = async (count: number) => {
      while (pending.length < count) {
        const part = await pull();
        if (part === undefined) return;
        pending.push(part);
      }
    };
    const short = this.steps.singleForShortStreams === true && this.steps.single !== undefined;
    if (firstCarried || lastCarried || short) await fill(2);
    if (pending.length === 1 && short) {
      this.totalKnown = true;
      const part = await this.read(1);
      return this.single(bytesSource(part.bytes));
    }
    await this.start(firstCarried ? 1 : undefined);
    if (firstCarried) pending.shift();
    const handle = this.handle as H;
    const offset = firstCarried ? 1 : 0;
    // With `completeSendsLastPart`, one part is held back until the stream is known to end.
    const nextPart = async (): Promise<PlannedPart | undefined> => {
      await fill(lastCarried ? 2 : 1);
      if (!lastCarried || pending.length >= 2) return pending.shift();
      this.last = pending.shift();
      return undefined;
    };
    await fill(lastCarried ? 2 : 1);
    if (lastCarried && pending.length < 2) this.last = pending.shift();
    else await this.sendParts(handle, [], offset, nextPart);
    this.totalKnown = true;
    return this.complete(handle, lastCarried ? this.last?.number : undefined);
  }
}

/** Accepted parts waiting to be reported, sent in batches one after another. */
class Reports {
  pending: AcceptedPart[] = [];
  chain: Promise<void> = Promise.resolve();
  failure: { readonly error: unknown } | undefined;
  cancelTimer: (() => void) | undefined;
  send: ((parts: readonly AcceptedPart[]) => Promise<void>) | undefined;

  add(
    part: AcceptedPart,
    batch: { readonly size: number; readonly intervalMs: number },
    clock: Clock,
    send: (parts: readonly AcceptedPart[]) => Promise<void>,
  ): void {
    this.send = send;
    this.pending.push(part);
    if (this.pending.length >= batch.size) this.start();
    else
      this.cancelTimer ??= clock.setTimer(batch.intervalMs, () => {
        this.cancelTimer = undefined;
        this.start();
      });
  }

  start(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const parts = this.pending.splice(0);
    const send = this.send;
    if (parts.length === 0 || !send) return;
    this.chain = this.chain.then(async () => {
      if (this.failure) return;
      await send(parts).catch((error: unknown) => {
        this.failure = { error };
      });
    });
  }

  /** Every part added so far is reported; rejects with the failure that stopped reporting. */
  async flush(): Promise<void> {
    this.start();
    await this.chain;
    if (this.failure) throw this.failure.error;
  }
}
