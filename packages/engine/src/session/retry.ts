/**
 * Retry policy of the upload session: capped exponential backoff with full jitter.
 *
 * Sources: "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015), whose *full jitter*
 * draws the whole delay at random — `sleep = random_between(0, min(cap, base * 2 ** n))` — so
 * that many clients failing together spread out instead of retrying in lock-step; RFC 9110 §10.2.3
 * (`Retry-After`), which the driver parses into `retryAfterMs` and which this policy never undercuts.
 * After tus-js-client, the policy is explicit data with documented defaults, and its retry count
 * is also the budget: a part is sent at most `maxRetriesPerPart + 1` times per run of a session.
 * Whether a failure is retryable at all is the driver's call (it knows the protocol's status codes),
 * reported with each failure.
 *
 * Design rules kept: pure functions of their inputs; randomness arrives as a number drawn by the
 * caller's injected `random()`.
 */

import { SessionConfigError, show } from "./errors.ts";

/** Retry options as the caller writes them; every field has a default (see `DEFAULT_RETRY_POLICY`). */
export interface RetryOptions {
  /** Retries allowed per part (and for the completion request); the first send is not a retry. */
  readonly maxRetriesPerPart?: number | undefined;
  /** Backoff cap before the first retry, doubled for each further retry. */
  readonly baseDelayMs?: number | undefined;
  /** Upper bound of the backoff cap. A server's `retryAfterMs` may still ask for longer. */
  readonly maxDelayMs?: number | undefined;
  /** Retries allowed across the whole session (parts and completion together); unlimited when absent. */
  readonly totalRetryBudget?: number | undefined;
}

/** A complete, validated retry policy. */
export interface RetryPolicy {
  readonly maxRetriesPerPart: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly totalRetryBudget: number | undefined;
}

/** The defaults: 5 retries per part, 250 ms doubling up to 20 s, no session-wide budget. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxRetriesPerPart: 5,
  baseDelayMs: 250,
  maxDelayMs: 20_000,
  totalRetryBudget: undefined,
});

function count(path: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new SessionConfigError(path, `expected a non-negative integer, got ${show(value)}`);
  }
  return value;
}

function duration(path: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new SessionConfigError(path, `expected a finite number of milliseconds >= 0, got ${show(value)}`);
  }
  return value;
}

/** Fills in defaults and validates; throws `SessionConfigError` naming the bad field. */
export function resolveRetryPolicy(options: RetryOptions | undefined, path = "retry"): RetryPolicy {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new SessionConfigError(path, "expected an object");
  }
  const given = options ?? {};
  const d = DEFAULT_RETRY_POLICY;
  // Only `undefined` means "use the default": a `null` is more likely a caller's "unlimited" or
  // "none", and guessing which would be worse than saying no.
  const or = <T>(value: T | undefined, fallback: T): T => (value === undefined ? fallback : value);
  return {
    maxRetriesPerPart: count(`${path}.maxRetriesPerPart`, or(given.maxRetriesPerPart, d.maxRetriesPerPart)),
    baseDelayMs: duration(`${path}.baseDelayMs`, or(given.baseDelayMs, d.baseDelayMs)),
    maxDelayMs: duration(`${path}.maxDelayMs`, or(given.maxDelayMs, d.maxDelayMs)),
    totalRetryBudget:
      given.totalRetryBudget === undefined
        ? undefined
        : count(`${path}.totalRetryBudget`, given.totalRetryBudget),
  };
}

/**
 * The full-jitter window before retry number `retriesSoFar + 1`:
 * `min(maxDelayMs, baseDelayMs * 2 ** retriesSoFar)`. `2 ** n` overflows to Infinity from
 * n = 1024, which `min` absorbs — except that 0 × Infinity is NaN, hence the zero case.
 */
export function backoffCap(policy: RetryPolicy, retriesSoFar: number): number {
  if (policy.baseDelayMs === 0) return 0;
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retriesSoFar);
}

/**
 * Delay before the next retry: `draw × cap` (full jitter, within [0, cap]), but never less than
 * the server's `retryAfterMs` — a server that names a time is obeyed even beyond `maxDelayMs`.
 * `draw` is one value of the injected `random()`, which must lie in [0, 1).
 */
export function retryDelay(
  policy: RetryPolicy,
  retriesSoFar: number,
  draw: number,
  retryAfterMs?: number,
): number {
  if (!(draw >= 0 && draw < 1)) {
    throw new SessionConfigError("random", `random() must return a number in [0, 1), returned ${show(draw)}`);
  }
  const jitter = draw * backoffCap(policy, retriesSoFar);
  return retryAfterMs === undefined ? jitter : Math.max(retryAfterMs, jitter);
}
