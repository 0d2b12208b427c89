/**
 * Errors of the upload session, in the style of undici's errors.
 *
 * One class per failure condition, each with a stable literal `code`. No rule of
 * `specs/rules.yaml` governs the session itself (it is protocol-agnostic), so `rule` stays unset.
 * After h11, a `SessionStateError` is a *local* protocol error: the driver broke the session's
 * rules. `RetriesExhaustedError` is the only *remote* one: the peer (or the network) kept failing.
 */

import { PartwiseError } from "../errors.ts";

/**
 * The driver delivered an event the session cannot accept in its current state (an unknown part,
 * a result for a part that is not in flight, an event after `done` …). The session is failed.
 */
export class SessionStateError extends PartwiseError {
  readonly code = "PW_SESSION_STATE" as const;
  /** The state the session was in when the event arrived. */
  readonly state: string;
  /** The event that broke the rule (`partSucceeded`, `tick` …). */
  readonly event: string;

  constructor(message: string, details: { readonly state: string; readonly event: string }) {
    super(`${details.event} in state ${details.state}: ${message}`, { side: "local" });
    this.state = details.state;
    this.event = details.event;
  }
}

/** `new UploadSession(...)` or `UploadSession.restore(...)` got options it cannot run with. */
export class SessionConfigError extends PartwiseError {
  readonly code = "PW_SESSION_CONFIG" as const;
  /** Dotted path of the offending option (`retry.baseDelayMs`, `parts[3].size`). */
  readonly path: string;

  constructor(path: string, message: string) {
    super(`Invalid upload session option ${path}: ${message}`, { side: "local" });
    this.path = path;
  }
}

/** `UploadSession.restore` got something that is not a snapshot this version wrote, or a damaged one. */
export class SessionSnapshotError extends PartwiseError {
  readonly code = "PW_SESSION_SNAPSHOT" as const;
  /** Dotted path of the first offending field (`parts[2].etag`), or `$` for the whole value. */
  readonly path: string;

  constructor(path: string, message: string, options: { readonly cause?: unknown } = {}) {
    super(`Invalid upload session snapshot at ${path}: ${message}`, { side: "local", cause: options.cause });
    this.path = path;
  }
}

/**
 * The `fail` command's error when a retryable failure found its retry budget spent. `cause` is the
 * last error the driver reported.
 */
export class RetriesExhaustedError extends PartwiseError {
  readonly code = "PW_RETRIES_EXHAUSTED" as const;
  /** The part number whose upload kept failing, or `"complete"` for the completion request. */
  readonly target: number | "complete";
  /** How many times the target was sent in this run of the session. */
  readonly attempts: number;
  /** Which budget ran out: the per-target `maxRetriesPerPart` or the session's `totalRetryBudget`. */
  readonly budget: "perPart" | "total";

  constructor(details: {
    readonly target: number | "complete";
    readonly attempts: number;
    readonly budget: "perPart" | "total";
    readonly cause: unknown;
  }) {
    const what = details.target === "complete" ? "the completion request" : `part ${details.target}`;
    const which = details.budget === "perPart" ? "maxRetriesPerPart" : "totalRetryBudget";
    super(`Gave up on ${what} after ${details.attempts} attempt(s): ${which} is spent`, {
      side: "remote",
      cause: details.cause,
    });
    this.target = details.target;
    this.attempts = details.attempts;
    this.budget = details.budget;
  }
}

/**
 * A short, never-throwing rendering of a bad value for an error message. `String(value)` can
 * throw (`{ toString: false }`, symbols), and so can `JSON.stringify` (BigInt, cycles); an
 * error path must not turn into a different error.
 */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) {
    return `${value}`;
  }
  if (Array.isArray(value)) return "an array";
  return `a value of type ${typeof value}`;
}
