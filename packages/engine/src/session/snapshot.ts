/**
 * Serialisable snapshots of an upload session, for resume.
 *
 * Design rules kept:
 * - A snapshot is plain JSON data (`JSON.parse(JSON.stringify(s))` restores to an equal value):
 *   no `undefined` values, no class instances, no non-finite numbers.
 * - It records what the server is known to hold — parts that succeeded, with their ETags — and
 *   nothing in flight: a part in flight or waiting for a retry when the snapshot was taken is
 *   `pending`, because its outcome is unknown and re-sending a part is safe while forgetting one is not.
 * - An open-ended session (a stream) records `openEnded: true` and whether its part list was
 *   final (`partsEnded`); a restored one keeps accepting `addPart` from the next part number, as
 *   the driver's source continues where the known parts stop. A closed session writes neither
 *   field, so its snapshots are exactly what version 1 always wrote, and a version 1 snapshot
 *   without them is a closed session. (An older reader would ignore the fields and treat an
 *   open-ended snapshot as closed; none was ever released, which is why the version stays 1.)
 * - Retry budgets are not recorded: like tus-js-client's `retryDelays`, a budget belongs to one run,
 *   and resuming is a new run. Send counts are kept so `sendPart.attempt` keeps counting.
 * - Input is untrusted (a state file on disk): every field is checked, and anything else —
 *   a foreign object, another format or version, a duplicate part — is a `SessionSnapshotError`
 *   naming the offending path.
 */

import { SessionConfigError, SessionSnapshotError, show } from "./errors.ts";
import { type RetryOptions, resolveRetryPolicy } from "./retry.ts";

/** Identifies a Partwise session snapshot among other JSON a state file might hold. */
export const SNAPSHOT_FORMAT = "partwise.upload-session" as const;
export const SNAPSHOT_VERSION = 1 as const;

export type SnapshotPart =
  | {
      readonly number: number;
      readonly size: number;
      readonly state: "succeeded";
      readonly etag: string;
      readonly attempts: number;
    }
  | { readonly number: number; readonly size: number; readonly state: "pending"; readonly attempts: number };

export interface SessionSnapshot {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly version: typeof SNAPSHOT_VERSION;
  readonly config: {
    readonly concurrency: number;
    readonly retry: {
      readonly maxRetriesPerPart: number;
      readonly baseDelayMs: number;
      readonly maxDelayMs: number;
      /** Absent when the budget is unlimited (JSON has no `undefined`). */
      readonly totalRetryBudget?: number;
    };
  };
  /** Ascending part number; an open-ended session's are 1, 2, 3 … without gaps. */
  readonly parts: readonly SnapshotPart[];
  /** Present, and true, only for an open-ended session (parts added while it runs). */
  readonly openEnded?: boolean;
  /** Present only for an open-ended session: `endParts` was called, so `parts` is final. */
  readonly partsEnded?: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function nonNegativeInteger(value: unknown, path: string, min = 0): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new SessionSnapshotError(path, `expected an integer >= ${min}, got ${show(value)}`);
  }
  return value;
}

/** Checks an untrusted value (for example `JSON.parse` of a state file) and returns it typed. */
export function parseSnapshot(value: unknown): SessionSnapshot {
  if (!isRecord(value)) throw new SessionSnapshotError("$", "expected an object");
  if (value.format !== SNAPSHOT_FORMAT) {
    throw new SessionSnapshotError("format", `expected "${SNAPSHOT_FORMAT}": not an upload session snapshot`);
  }
  if (value.version !== SNAPSHOT_VERSION) {
    throw new SessionSnapshotError(
      "version",
      `this version reads snapshot version ${SNAPSHOT_VERSION}, got ${show(value.version)}`,
    );
  }

  const config = value.config;
  if (!isRecord(config)) throw new SessionSnapshotError("config", "expected an object");
  const concurrency = nonNegativeInteger(config.concurrency, "config.concurrency", 1);
  if (!isRecord(config.retry)) throw new SessionSnapshotError("config.retry", "expected an object");
  let retry: SessionSnapshot["config"]["retry"];
  try {
    const policy = resolveRetryPolicy(config.retry as RetryOptions, "config.retry");
    for (const key of ["maxRetriesPerPart", "baseDelayMs", "maxDelayMs"] as const) {
      // resolveRetryPolicy fills absent fields with defaults; a snapshot must state them.
      if (typeof config.retry[key] !== "number") {
        throw new SessionConfigError(`config.retry.${key}`, "expected a number");
      }
    }
    retry = {
      maxRetriesPerPart: policy.maxRetriesPerPart,
      baseDelayMs: policy.baseDelayMs,
      maxDelayMs: policy.maxDelayMs,
      ...(policy.totalRetryBudget === undefined ? {} : { totalRetryBudget: policy.totalRetryBudget }),
    };
  } catch (error) {
    if (error instanceof SessionConfigError) {
      throw new SessionSnapshotError(error.path, error.message, { cause: error });
    }
    throw error;
  }

  if (!Array.isArray(value.parts)) throw new SessionSnapshotError("parts", "expected an array");
  const seen = new Set<number>();
  const parts = value.parts.map((raw: unknown, i): SnapshotPart => {
    const at = `parts[${i}]`;
    if (!isRecord(raw)) throw new SessionSnapshotError(at, "expected an object");
    const number = nonNegativeInteger(raw.number, `${at}.number`, 1);
    if (seen.has(number)) throw new SessionSnapshotError(`${at}.number`, `part ${number} appears twice`);
    seen.add(number);
    const size = nonNegativeInteger(raw.size, `${at}.size`);
    const attempts = nonNegativeInteger(raw.attempts, `${at}.attempts`);
    if (raw.state === "pending") {
      if (raw.etag !== undefined) throw new SessionSnapshotError(`${at}.etag`, "a pending part has no ETag");
      return { number, size, state: "pending", attempts };
    }
    if (raw.state === "succeeded") {
      if (typeof raw.etag !== "string") throw new SessionSnapshotError(`${at}.etag`, "expected a string");
      if (attempts < 1) throw new SessionSnapshotError(`${at}.attempts`, "a part that succeeded was sent");
      return { number, size, state: "succeeded", etag: raw.etag, attempts };
    }
    throw new SessionSnapshotError(`${at}.state`, 'expected "succeeded" or "pending"');
  });

  const openEnded = value.openEnded;
  if (openEnded !== undefined && typeof openEnded !== "boolean") {
    throw new SessionSnapshotError("openEnded", `expected a boolean, got ${show(openEnded)}`);
  }
  const partsEnded = value.partsEnded;
  if (openEnded !== true) {
    if (partsEnded !== undefined) {
      throw new SessionSnapshotError(
        "partsEnded",
        "only an open-ended session records whether its parts ended",
      );
    }
    return {
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      config: { concurrency, retry },
      parts: parts.sort((a, b) => a.number - b.number),
    };
  }

  if (typeof partsEnded !== "boolean") {
    throw new SessionSnapshotError("partsEnded", `expected a boolean, got ${show(partsEnded)}`);
  }
  // Numbers are distinct and >= 1, so they are 1 … n exactly when none exceeds n.
  const gap = parts.findIndex((p) => p.number > parts.length);
  if (gap !== -1) {
    throw new SessionSnapshotError(
      `parts[${gap}].number`,
      `an open-ended upload numbers its parts 1, 2, 3 … without gaps, but has ${parts.length} part(s)`,
    );
  }
  if (partsEnded && parts.length === 0) {
    throw new SessionSnapshotError("parts", "an open-ended upload whose parts ended has at least one part");
  }
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    config: { concurrency, retry },
    parts: parts.sort((a, b) => a.number - b.number),
    openEnded: true,
    partsEnded,
  };
}
