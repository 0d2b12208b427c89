/**
 * `UploadSession`: the sans-I/O multipart upload state machine every protocol uploader drives
 * (DESIGN.md "session"; STYLE.md "h11").
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
 *     // signal.onabort = () => run(session.abort(signal.reason))
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
  readonly parts: ReadonlyArray<PartSpec>;
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

/** Parts of a restored session, handed to the constructor under its options object. */
const restoredParts = new WeakMap<object, readonly PartInit[]>();

export class UploadSession {
  readonly #ctx: SessionContext;

  constructor(options: UploadSessionOptions) {
    if (typeof options !== "object" || options === null) {
      throw new SessionConfigError("options", "expected an object");
    }
    this.#ctx = createSessionContext(restoredParts.get(options) ?? checkParts(options.parts), {
      concurrency: checkConcurrency(options.concurrency ?? DEFAULT_CONCURRENCY),
      retry: resolveRetryPolicy(options.retry),
      random: checkRandom(options.random),
    });
  }

  /**
   * A session in `idle` that, once started, sends only the parts the snapshot does not record as
   * succeeded. `snapshot` may come straight from `JSON.parse`; it is validated
   * (`SessionSnapshotError` when it is not a snapshot this version wrote, or is damaged).
   */
  static restore(snapshot: unknown, options: RestoreOptions): UploadSession {
    const parsed = parseSnapshot(snapshot);
    const saved = parsed.config.retry;
    const override = options.retry ?? {};
    const restoreOptions: UploadSessionOptions = {
      parts: [],
      concurrency: options.concurrency ?? parsed.config.concurrency,
      retry: {
        maxRetriesPerPart: override.maxRetriesPerPart ?? saved.maxRetriesPerPart,
        baseDelayMs: override.baseDelayMs ?? saved.baseDelayMs,
        maxDelayMs: override.maxDelayMs ?? saved.maxDelayMs,
        totalRetryBudget: override.totalRetryBudget ?? saved.totalRetryBudget,
      },
      random: options.random,
    };
    restoredParts.set(
      restoreOptions,
      parsed.parts.map((p) => ({
        number: p.number,
        size: p.size,
        attempts: p.attempts,
        etag: p.state === "succeeded" ? p.etag : undefined,
      })),
    );
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
   * JSON-serialisable state for resume. Parts in flight or waiting for a retry are recorded as
   * pending: their outcome is unknown.
   */
  snapshot(): SessionSnapshot {
    const { concurrency, retry, parts } = this.#ctx;
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
    };
  }

  #on(event: SessionEvent): readonly SessionCommand[] {
    return dispatch(this.#ctx, event);
  }
}
