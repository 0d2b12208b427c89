/**
 * The conformance report (the public contract, as the package README documents it): `{ protocol, target, seed, checks: [{
 * id, level, status, message?, counterexample?, seed?, path?, durationMs }], summary: { passed,
 * failed, skipped } }`. Fields beyond the contract are additions only; `report-schema.ts` is its
 * JSON Schema.
 */
import type { Exchange, Protocol } from "./check.ts";

export type Level = "must" | "should";
/**
 * `passed`: the rule was kept in every run · `failed`: the server broke the rule (a counterexample) ·
 * `skipped`: the rule cannot be tested against this target (no second token, data budget…) ·
 * `error`: no verdict, for a reason that is not the server's breach of the rule (unreachable target,
 * a token refused at pre-flight, a timeout, a network failure, a defect of the check).
 */
export type Status = "passed" | "failed" | "skipped" | "error";

/** One rule's result. */
export interface CheckResult {
  /** The rule id of specs/rules.yaml. */
  readonly id: string;
  /** The protocol whose server was tested (MIME rules: youforce). */
  readonly protocol: Protocol;
  readonly title: string;
  /** The rule's statement in specs/rules.yaml. */
  readonly statement?: string;
  readonly level: Level;
  readonly status: Status;
  /** Why it failed, was skipped or ended in an error (credentials redacted). */
  readonly message?: string;
  /** The shrunk fast-check counterexample, rendered as text. */
  readonly counterexample?: string;
  /** The seed that replays the failure (the suite's seed). */
  readonly seed?: number;
  /** The fast-check path that replays the shrunk counterexample (`--path`). */
  readonly path?: string;
  readonly durationMs: number;
  /** The HTTP exchange that showed the violation (credentials redacted). */
  readonly exchange?: Exchange;
  /** Every exchange of the failing run, in order (at most the last 20), credentials redacted. */
  readonly exchanges?: readonly Exchange[];
  /** The document the rule rests on (its `source` in specs/rules.yaml). */
  readonly source?: string;
  /** The command that replays this failure. */
  readonly replay?: string;
  /** A failure listed in the baseline (known): reported, but it does not decide the exit code. */
  readonly baseline?: boolean;
  /** No check implements this rule yet: a `must` rule is then failed, a `should` rule skipped. */
  readonly unchecked?: boolean;
}

export interface Summary {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** Checks that reached no verdict (status `error`). */
  readonly errors: number;
  /** Failures listed in the baseline. */
  readonly baselined: number;
  /** Failures that decide the exit code: `must` (and `should` under `--strict`), not baselined. */
  readonly broken: number;
}

export interface Report {
  /** The protocol tested, or "all". */
  readonly protocol: Protocol | "all";
  /** The redacted base URL(s) tested, or "embedded". */
  readonly target: string;
  readonly seed: number;
  readonly numRuns: number;
  readonly strict: boolean;
  /** ISO 8601 time the run started. */
  readonly startedAt: string;
  readonly durationMs: number;
  readonly checks: readonly CheckResult[];
  readonly summary: Summary;
  /** Rules listed in the baseline that passed in this run (they may leave the baseline). */
  readonly baselinePassing?: readonly string[];
  /** The run was stopped (SIGINT/SIGTERM) before every check finished. */
  readonly interrupted?: boolean;
  /**
   * Targets that could not be tested at all (unreachable, TLS or DNS failure, a token refused at the
   * pre-flight): every check of that protocol is `error` with this cause, and no rule is judged.
   */
  readonly untested?: readonly TargetError[];
}

/** Why a protocol's target could not be tested at all. */
export interface TargetError {
  readonly protocol: Protocol;
  /** The redacted base URL. */
  readonly target: string;
  /** One line naming the cause (credentials redacted). */
  readonly cause: string;
}

/**
 * 1 when a rule was broken (a failed `must` check, or `should` under strict, not in the baseline)
 * or the run was interrupted before it could tell; otherwise 2 when some check reached no verdict
 * (status `error`: the target, or part of it, could not be tested); 0 otherwise.
 */
export function exitCodeOf(report: Report): 0 | 1 | 2 {
  if (report.summary.broken > 0 || report.interrupted === true) return 1;
  return report.summary.errors > 0 ? 2 : 0;
}

/** Whether a failed result decides the exit code. */
export function isBroken(result: CheckResult, strict: boolean): boolean {
  return result.status === "failed" && result.baseline !== true && (result.level === "must" || strict);
}

export function summarise(checks: readonly CheckResult[], strict: boolean): Summary {
  const count = (status: Status) => checks.filter((c) => c.status === status).length;
  return {
    passed: count("passed"),
    failed: count("failed"),
    skipped: count("skipped"),
    errors: count("error"),
    baselined: checks.filter((c) => c.status === "failed" && c.baseline === true).length,
    broken: checks.filter((c) => isBroken(c, strict)).length,
  };
}
