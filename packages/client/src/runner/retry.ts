/**
 * The one retry policy of every request an upload makes (parts, initiation, completion, reports,
 * look-ups, verification): network errors, 5xx, 408 and 429 are retried (honouring
 * `Retry-After`, RFC 9110 §10.2.3) with capped exponential backoff and full jitter ("Exponential
 * Backoff And Jitter", AWS Architecture Blog, 2015); any other failure is final at once.
 *
 * The budget is per request and counted two ways: at most `retries` retries, and no retry that
 * would start more than `retryForMs` after the request's first failure. The defaults (30 retries,
 * 120 s, backoff capped at 10 s) ride out a server that is unreachable for a minute without a
 * rerun. When the budget is spent, `GaveUpError` names the request, the attempts, the time spent
 * and the last cause (its `cause`).
 */
import { type FailureInfo, PartwiseError } from "@partwise/engine";
import { classifyFailure } from "../classify.ts";
import type { Clock } from "../clock.ts";

export interface UploadRetryOptions {
  /** Retries allowed per request (the first send is not a retry). Default 30. */
  readonly retries?: number | undefined;
  /** No retry starts later than this after the request's first failure. Default 120,000 ms. */
  readonly retryForMs?: number | undefined;
  /** Backoff cap before the first retry, doubled for each further retry. Default 250 ms. */
  readonly baseDelayMs?: number | undefined;
  /** Upper bound of the backoff cap; a server's `Retry-After` may still ask for longer. Default 10 s. */
  readonly maxDelayMs?: number | undefined;
  /** Accepted for compatibility with the engine's `RetryOptions`: the same as `retries`. */
  readonly maxRetriesPerPart?: number | undefined;
}

export interface ResolvedRetry {
  readonly retries: number;
  readonly retryForMs: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_UPLOAD_RETRY: ResolvedRetry = Object.freeze({
  retries: 30,
  retryForMs: 120_000,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
});

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(value >= 0) || Number.isNaN(value))
    throw new RangeError(`retry.${name} must be a number >= 0, not ${String(value)}`);
  return value;
}

export function resolveUploadRetry(options: UploadRetryOptions | undefined): ResolvedRetry {
  const d = DEFAULT_UPLOAD_RETRY;
  return {
    retries: nonNegative("retries", options?.retries ?? options?.maxRetriesPerPart, d.retries),
    retryForMs: nonNegative("retryForMs", options?.retryForMs, d.retryForMs),
    baseDelayMs: nonNegative("baseDelayMs", options?.baseDelayMs, d.baseDelayMs),
    maxDelayMs: nonNegative("maxDelayMs", options?.maxDelayMs, d.maxDelayMs),
  };
}

/** A request kept failing until its retry budget was spent; `cause` is the last failure. */
export class GaveUpError extends PartwiseError {
  readonly code = "PW_GAVE_UP" as const;
  readonly request: string;
  readonly attempts: number;
  readonly elapsedMs: number;

  constructor(request: string, attempts: number, elapsedMs: number, cause: unknown) {
    const last = cause instanceof Error ? cause.message : String(cause);
    super(
      `Gave up on ${request} after ${attempts} attempts over ${(elapsedMs / 1000).toFixed(1)} s; last cause: ${last}`,
      { side: "remote", cause },
    );
    this.request = request;
    this.attempts = attempts;
    this.elapsedMs = elapsedMs;
  }
}

export interface RetryContext {
  readonly policy: ResolvedRetry;
  readonly clock: Clock;
  readonly random: () => number;
  readonly signal: AbortSignal;
  readonly classify?: ((error: unknown) => FailureInfo) | undefined;
  /** Called after each failed attempt that will be retried (for tests and logs). */
  readonly onRetry?: ((request: string, error: unknown) => void) | undefined;
}

/** Resolves after `ms` on `clock`, or rejects with the signal's reason when it fires first. */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      cancel();
      reject(signal.reason);
    };
    const cancel = clock.setTimer(ms, () => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, fails for good, or the budget is spent. `between` runs after a
 * failed attempt that will be retried and may end the retries with a value (a completion whose
 * answer was lost, found done by a look-up).
 */
export async function retrying<T>(
  request: string,
  ctx: RetryContext,
  attempt: (signal: AbortSignal) => Promise<T>,
  between?: (error: unknown) => Promise<{ readonly value: T } | undefined>,
): Promise<T> {
  const { policy, clock, signal } = ctx;
  let firstFailure: number | undefined;
  for (let n = 0; ; n++) {
    if (signal.aborted) throw signal.reason;
    let failure: unknown;
    try {
      return await attempt(signal);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      failure = error;
    }
    const info = (ctx.classify ?? classifyFailure)(failure);
    const now = clock.now();
    firstFailure ??= now;
    if (!info.retryable) {
      // A refusal of the first attempt is a plain answer; after a failed attempt (its answer
      // perhaps lost) it may be the consequence of that attempt having been applied.
      const settled = between && n > 0 ? await between(failure) : undefined;
      if (settled) return settled.value;
      throw failure;
    }
    const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(n, 30));
    const jitter = ctx.random() * cap;
    const delay = info.retryAfterMs === undefined ? jitter : Math.max(info.retryAfterMs, jitter);
    const elapsed = now - firstFailure;
    if (n >= policy.retries || elapsed + delay > policy.retryForMs) {
      const settled = between ? await between(failure) : undefined;
      if (settled) return settled.value;
      throw new GaveUpError(request, n + 1, elapsed, failure);
    }
    ctx.onRetry?.(request, failure);
    await sleep(clock, delay, signal);
    if (between) {
      const settled = await between(failure);
      if (settled) return settled.value;
    }
  }
}
