/**
 * `UploadSession`: the sans-I/O multipart upload state machine every protocol uploader drives
 * (sans-I/O, after https://github.com/python-hyper/h11).
 *
 * The class is a thin shell: it validates options, turns method calls into events for the
 * transition table in transitions.ts (which holds every rule; read its header) and returns the
 * commands the table produced. It knows part numbers and sizes, never bytes, URLs or HTTP, and it
 * owns no clock, timer or randomness: `now` and `random` come from the driver.
 *
 * A driver loop, in short:
 *
 *     const session = new UploadSession({ parts, random: Math.random });
 *     run(session.start(performance.now()));
 *     // run(commands) executes each command in order:
 *     //   sendPart → upload the part; then run(session.partSucceeded(n, etag))
 *     //              or run(session.partFailed(n, error, { retryable, retryAfterMs, now }))
 *     //   wait     → (re)arm the one timer; on expiry run(session.tick(performance.now()))
 *     //   complete → send the completion request; then completeSucceeded() or completeFailed(...)
 *     //   fail     → reject the upload with the error;   abort → cancel requests, abort on the server
 *     //   needPart → (open-ended only) read the next part from the source, then
 *     //              run(session.addPart({ number, size })), or run(session.endParts()) at its end
 *     // signal.onabort = () => run(session.abort(signal.reason))
 *
 * A source of unknown length (stdin) runs an open-ended session: `openEnded: true`, `parts` empty
 * (or the parts read so far), and the session asks for each further part with `needPart` as slots
 * free up. It completes only after `endParts()`; an empty source is one part of size 0.
 */

import type { FailureInfo, SessionCommand, SessionProgress } from "./commands.ts";
import { SessionConfigError, show } from "./errors.ts";
import { type RetryOptions, type RetryPolicy, resolveRetryPolicy } from "./retry.ts";
import { parseSnapshot, type SessionSnapshot, SNAPSHOT_FORMAT, SNAPSHOT_VERSION } from "./snapshot.ts";
import {
  createSessionContext,
  dispatch,
  type PartInit,
  type SessionContext,
  type SessionEvent,
  type SessionState,
} from "./transitions.ts";

/** A planned part: its number (from 1) and size in bytes. Extra fields (an offset) are ignored. */
export interface PartSpec {
  readonly number: number;
  readonly size: number;
}

export interface UploadSessionOptions {
  /**
   * The parts to upload. For an open-ended session, the parts known so far (often none),
   * numbered 1, 2, 3 … without gaps; more come with `addPart`.
   */
  readonly parts: ReadonlyArray<PartSpec>;
  /**
   * True for a source of unknown length: parts are added while uploading (`addPart`, prompted by
   * `needPart`) and `complete` waits for `endParts()`. Default false: `parts` is the whole upload.
   */
  readonly openEnded?: boolean | undefined;
  /** Parts in flight at most; default 4. */
  readonly concurrency?: number | undefined;
  readonly retry?: RetryOptions | undefined;
  /** Uniform in [0, 1); injected so runs are reproducible (`Math.random` in production). */
  readonly random: () => number;
}

/** Options of `UploadSession.restore`; `concurrency` and `retry` fields override the snapshot's. */
export interface RestoreOptions {
  readonly random: () => number;
  readonly concurrency?: number | undefined;
  readonly retry?: RetryOptions | undefined;
}

export const DEFAULT_CONCURRENCY = 4;

function checkConcurrency(value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new SessionConfigError("concurrency", `expected an integer >= 1, got ${show(value)}`);
  }
  return value;
}

function checkRandom(value: unknown): () => number {
  if (typeof value !== "function")
    throw new SessionConfigError("random", "expected a function returning [0, 1)");
  return value as () => number;
}

function checkParts(parts: unknown): PartInit[] {
  if (!Array.isArray(parts)) throw new SessionConfigError("parts", "expected an array");
  const seen = new Set<number>();
  return parts.map((part: unknown, i) => {
    const { number, size } = (part ?? {}) as Partial<PartSpec>;
    if (typeof number !== "number" || !Number.isSafeInteger(number) || number < 1) {
      throw new SessionConfigError(`parts[${i}].number`, `expected an integer >= 1, got ${show(number)}`);
    }
    if (seen.has(number)) throw new SessionConfigError(`parts[${i}].number`, `part ${number} appears twice`);
    seen.add(number);
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
      throw new SessionConfigError(`parts[${i}].size`, `expected an integer >= 0, got ${show(size)}`);
    }
    return { number, size };
  });
}

function checkOpenEnded(value: unknown): boolean {
  if (value !== undefined && typeof value !== "boolean") {
    throw new SessionConfigError("openEnded", `expected a boolean, got ${show(value)}`);
  }
  return value === true;
}

/** An open-ended session's parts are 1 … n, so that `addPart` can insist on n + 1 next. */
function checkConsecutive(parts: readonly PartInit[]): void {
  // Numbers are distinct and >= 1 (checkParts), so they are 1 … n exactly when none exceeds n.
  const gap = parts.findIndex((p) => p.number > parts.length);
  if (gap !== -1) {
    throw new SessionConfigError(
      `parts[${gap}].number`,
      `an open-ended session's parts are 1 … ${parts.length} without gaps, got ${parts[gap]!.number}`,
    );
  }
}

/** What a restored session starts from, handed to the constructor under its options object. */
const restored = new WeakMap<object, { readonly parts: readonly PartInit[]; readonly partsEnded: boolean }>();

export class UploadSession {
  readonly #ctx: SessionContext;

  constructor(options: UploadSessionOptions) {
    if (typeof options !== "object" || options === null) {
      throw new SessionConfigError("options", "expected an object");
    }
    const openEnded = checkOpenEnded(options.openEnded);
    const resumed = restored.get(options);
    const parts = resumed?.parts ?? checkParts(options.parts);
    if (openEnded) checkConsecutive(parts);
    this.#ctx = createSessionContext(parts, {
      concurrency: checkConcurrency(options.concurrency ?? DEFAULT_CONCURRENCY),
      retry: resolveRetryPolicy(options.retry),
      random: checkRandom(options.random),
      openEnded,
      partsEnded: resumed?.partsEnded,
    });
  }

  /**
   * A session in `idle` that, once started, sends only the parts the snapshot does not record as
   * succeeded. `snapshot` may come straight from `JSON.parse`; it is validated
   * (`SessionSnapshotError` when it is not a snapshot this version wrote, or is damaged).
   * An open-ended session stays open-ended: unless its parts had ended, it asks for more with
   * `needPart` and accepts `addPart` from the part after the last one the snapshot knows.
   */
  static restore(snapshot: unknown, options: RestoreOptions): UploadSession {
    const parsed = parseSnapshot(snapshot);
    const saved = parsed.config.retry;
    const override = options.retry ?? {};
    const restoreOptions: UploadSessionOptions = {
      parts: [],
      openEnded: parsed.openEnded === true,
      concurrency: options.concurrency ?? parsed.config.concurrency,
      retry: {
        maxRetriesPerPart: override.maxRetriesPerPart ?? saved.maxRetriesPerPart,
        baseDelayMs: override.baseDelayMs ?? saved.baseDelayMs,
        maxDelayMs: override.maxDelayMs ?? saved.maxDelayMs,
        totalRetryBudget: override.totalRetryBudget ?? saved.totalRetryBudget,
      },
      random: options.random,
    };
    restored.set(restoreOptions, {
      parts: parsed.parts.map((p) => ({
        number: p.number,
        size: p.size,
        attempts: p.attempts,
        etag: p.state === "succeeded" ? p.etag : undefined,
      })),
      partsEnded: parsed.partsEnded === true,
    });
    return new UploadSession(restoreOptions);
  }

  /** Where the machine is; see docs/session.md for the diagram. */
  get state(): SessionState {
    return this.#ctx.state;
  }

  /** Why the session failed (the `fail` command's error, or the thrown `SessionStateError`). */
  get error(): unknown {
    return this.#ctx.error;
  }

  get concurrency(): number {
    return this.#ctx.concurrency;
  }

  get retryPolicy(): RetryPolicy {
    return this.#ctx.retry;
  }

  /** True when parts are added while the session runs (`UploadSessionOptions.openEnded`). */
  get openEnded(): boolean {
    return this.#ctx.openEnded;
  }

  /**
   * True once the part list is final: always for a closed session, after `endParts()` for an
   * open-ended one. Until then `progress` totals count only the parts known so far.
   */
  get partsEnded(): boolean {
    return this.#ctx.partsEnded;
  }

  get progress(): SessionProgress {
    const ctx = this.#ctx;
    return {
      partsTotal: ctx.parts.length,
      partsDone: ctx.partsDone,
      bytesTotal: ctx.bytesTotal,
      bytesDone: ctx.bytesDone,
      inFlight: ctx.inFlight,
    };
  }

  /** Starts sending parts; `now` is the driver's clock, in ms, that `wait.until` refers to. */
  start(now: number): readonly SessionCommand[] {
    return this.#on({ type: "start", now });
  }

  partSucceeded(number: number, etag: string): readonly SessionCommand[] {
    return this.#on({ type: "partSucceeded", number, etag });
  }

  partFailed(number: number, error: unknown, failure: FailureInfo): readonly SessionCommand[] {
    return this.#on({ type: "partFailed", number, error, failure });
  }

  /** The clock moved (a `wait` expired, or the driver just knows the time); sends parts now due. */
  tick(now: number): readonly SessionCommand[] {
    return this.#on({ type: "tick", now });
  }

  /** The user gave up (an `AbortSignal` fired). Emits `abort` once; nothing is sent afterwards. */
  abort(reason?: unknown): readonly SessionCommand[] {
    return this.#on({ type: "abort", reason });
  }

  completeSucceeded(): readonly SessionCommand[] {
    return this.#on({ type: "completeSucceeded" });
  }

  completeFailed(error: unknown, failure: FailureInfo): readonly SessionCommand[] {
    return this.#on({ type: "completeFailed", error, failure });
  }

  /**
   * Open-ended sessions only, in `idle` or `uploading` before `endParts()`: the next part of the
   * source, numbered one above the highest known part. Usually the answer to `needPart`; returns
   * the commands it produced (a `sendPart` for it when a slot is free, then perhaps another
   * `needPart`). Anything else throws `SessionStateError` and fails the session.
   */
  addPart(part: PartSpec): readonly SessionCommand[] {
    return this.#on({ type: "addPart", part });
  }

  /**
   * Open-ended sessions only: no part follows. Emits `complete` if every part already succeeded.
   * At least one part must be known (an empty source is part 1 of size 0).
   */
  endParts(): readonly SessionCommand[] {
    return this.#on({ type: "endParts" });
  }

  /**
   * JSON-serialisable state for resume. Parts in flight or waiting for a retry are recorded as
   * pending: their outcome is unknown.
   */
  snapshot(): SessionSnapshot {
    const { concurrency, retry, parts, openEnded, partsEnded } = this.#ctx;
    return {
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      config: {
        concurrency,
        retry: {
          maxRetriesPerPart: retry.maxRetriesPerPart,
          baseDelayMs: retry.baseDelayMs,
          maxDelayMs: retry.maxDelayMs,
          ...(retry.totalRetryBudget === undefined ? {} : { totalRetryBudget: retry.totalRetryBudget }),
        },
      },
      parts: parts.map((p) =>
        p.status === "succeeded" && p.etag !== undefined
          ? { number: p.number, size: p.size, state: "succeeded", etag: p.etag, attempts: p.attempts }
          : { number: p.number, size: p.size, state: "pending", attempts: p.attempts },
      ),
      // A closed session writes neither field, exactly as before open-ended sessions existed.
      ...(openEnded ? { openEnded: true, partsEnded } : {}),
    };
  }

  #on(event: SessionEvent): readonly SessionCommand[] {
    return dispatch(this.#ctx, event);
  }
}
