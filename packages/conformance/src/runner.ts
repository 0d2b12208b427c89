/**
 * The conformance runner: selects the checks of the chosen protocols and rules, runs each against its
 * target with a fresh context (the suite's seed, the shared data budget, a time limit), always runs
 * its clean-up, and gathers one result per rule of the catalogue into the report.
 *
 * Every rule of the selected protocols appears in the report: a `must` rule that no check
 * implements is failed (the suite cannot vouch for it), a `should` rule without a check is skipped.
 * A target that fails the pre-flight (preflight.ts) is not tested: its checks end as `error`.
 * MIME-* rules are checked through YouForce's upload, so they belong to `youforce`.
 */
import { redact } from "@partwise/node";
import {
  type Check,
  CheckError,
  CheckSkipped,
  ConformanceFailure,
  type Exchange,
  PropertyFailure,
  type Protocol,
} from "./check.ts";
import { createContext, type Target } from "./context.ts";
import { type EmbeddedOptions, startEmbedded } from "./embedded.ts";
import { RULES, type RuleEntry } from "./generated/rules.ts";
import { ruleFilter } from "./glob.ts";
import { infrastructureCause, preflight } from "./preflight.ts";
import { renderCounterexample } from "./render.ts";
import { type CheckResult, type Level, type Report, summarise, type TargetError } from "./report.ts";

export const PROTOCOLS: readonly Protocol[] = ["basespace", "cavatica", "youforce"];

/** Defaults of a run. */
export const DEFAULTS = {
  numRuns: 20,
  /** 1 GiB against real servers; the embedded servers' budget is unlimited. */
  maxBytes: 1024 ** 3,
  propertyTimeMs: 30_000,
  checkTimeoutMs: 120_000,
  cleanupTimeoutMs: 15_000,
} as const;

export interface RunOptions {
  /** One protocol or all three. */
  readonly protocol: Protocol | "all";
  /** The server of each selected protocol; not needed with `embedded`. */
  readonly targets?: Readonly<Partial<Record<Protocol, Target>>> | undefined;
  /** Run against the in-process reference servers (options for mutant servers). */
  readonly embedded?: boolean | EmbeddedOptions | undefined;
  /** The fast-check seed of every check; random when absent (always reported). */
  readonly seed?: number | undefined;
  /** Runs of properties that do not set their own. */
  readonly numRuns?: number | undefined;
  /** Rule-id globs (`BS-PART-*`, comma-separated or a list). */
  readonly checks?: string | readonly string[] | undefined;
  /** `should` failures decide the exit code too. */
  readonly strict?: boolean | undefined;
  /** Rule ids known to fail: reported, but they do not decide the exit code. */
  readonly baseline?: Iterable<string> | undefined;
  /** Data budget in bytes; default 1 GiB against real servers, unlimited embedded. */
  readonly maxBytes?: number | undefined;
  /** Time budget of one property, in ms (its runs stop there; what ran counts). */
  readonly propertyTimeMs?: number | undefined;
  /** A check still running after this long fails, in ms. */
  readonly checkTimeoutMs?: number | undefined;
  /** Replays one check's failure: the fast-check path from its report (`--path`). */
  readonly path?: string | undefined;
  /** Run the protocols one after another instead of side by side. */
  readonly sequential?: boolean | undefined;
  readonly onProgress?: ((event: ProgressEvent) => void) | undefined;
  /** Receives every exchange of the run as it completes (for `--har`), credentials redacted. */
  readonly onExchange?: ((entry: RecordedExchange) => void) | undefined;
  /** Stops the run: the running checks clean up, the rest are skipped. */
  readonly signal?: AbortSignal | undefined;
  /** The checks to choose from; default every check of the suite. */
  readonly suite?: readonly Check[] | undefined;
  /** The rule catalogue; default specs/rules.yaml's. */
  readonly rules?: readonly RuleEntry[] | undefined;
  readonly fetch?: typeof fetch | undefined;
}

export type ProgressEvent =
  | { readonly kind: "started"; readonly id: string; readonly protocol: Protocol; readonly total: number }
  | {
      readonly kind: "finished";
      readonly result: CheckResult;
      readonly done: number;
      readonly total: number;
    };

/** One exchange of a run, tagged with the rule whose check made it and the property run's index. */
export interface RecordedExchange {
  readonly rule: string;
  readonly protocol: Protocol;
  /** The property run (1, 2, …), or 0 for requests outside a property. */
  readonly run: number;
  readonly exchange: Exchange;
}

/** Options that cannot make a run (no target, a filter that selects nothing…); the CLI exits 2. */
export class ConformanceConfigError extends Error {
  override readonly name = "ConformanceConfigError";
  readonly code = "PW_CONFORMANCE_CONFIG" as const;
}

/** The protocol whose server tests a rule: MIME framing is YouForce's upload body. */
export function protocolOfRule(rule: RuleEntry): Protocol {
  return rule.protocol === "mime" ? "youforce" : rule.protocol;
}

/** A random suite seed (fast-check takes 32-bit integers). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff);
}

function checkPositive(name: string, value: number | undefined): void {
  if (value !== undefined && !(value > 0 && (Number.isInteger(value) || value === Number.POSITIVE_INFINITY)))
    throw new ConformanceConfigError(`${name} must be a positive integer, not ${value}`);
}

/** A POSIX shell word: bare when safe, single-quoted otherwise. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command that replays one check: tokens come from PARTWISE_TOKEN / PARTWISE_OTHER_TOKEN. */
export function replayCommand(
  result: Pick<CheckResult, "id" | "protocol" | "path">,
  run: {
    seed: number;
    numRuns?: number | undefined;
    target: Target | "embedded";
    secrets: readonly string[];
  },
): string {
  const words = ["partwise", "conformance", "--protocol", result.protocol];
  if (run.target === "embedded") words.push("--embedded");
  else {
    const target = run.target;
    words.push("--base-url", redact(target.baseUrl, run.secrets));
    if (target.appResultId !== undefined) words.push("--app-result", target.appResultId);
    if (target.project !== undefined) words.push("--project", target.project);
    if (target.parent !== undefined) words.push("--parent", target.parent);
    if (target.businessTypeId !== undefined) words.push("--business-type-id", String(target.businessTypeId));
  }
  words.push("--checks", result.id, "--seed", String(run.seed));
  if (run.numRuns !== undefined) words.push("--num-runs", String(run.numRuns));
  if (result.path !== undefined && result.path !== "") words.push("--path", result.path);
  return words.map(shellWord).join(" ");
}

interface Planned {
  readonly rule: RuleEntry | undefined;
  readonly id: string;
  readonly protocol: Protocol;
  readonly check: Check | undefined;
}

/** The rules and checks of a run, in catalogue order; checks of unknown rules last. */
function plan(options: RunOptions, rules: readonly RuleEntry[], suite: readonly Check[]): Planned[] {
  const protocols = options.protocol === "all" ? PROTOCOLS : [options.protocol];
  const selected = ruleFilter(options.checks);
  const byId = new Map<string, Check>();
  for (const check of suite) {
    if (byId.has(check.id)) throw new ConformanceConfigError(`two checks claim rule ${check.id}`);
    byId.set(check.id, check);
  }
  const planned: Planned[] = [];
  const known = new Set<string>();
  for (const rule of rules) {
    known.add(rule.id);
    const protocol = protocolOfRule(rule);
    if (!protocols.includes(protocol) || !selected(rule.id)) continue;
    planned.push({ rule, id: rule.id, protocol, check: byId.get(rule.id) });
  }
  for (const check of suite)
    if (!known.has(check.id) && protocols.includes(check.protocol) && selected(check.id))
      planned.push({ rule: undefined, id: check.id, protocol: check.protocol, check });
  if (planned.length === 0)
    throw new ConformanceConfigError(
      `--checks ${JSON.stringify(options.checks)} selects no rule of ${protocols.join(", ")}`,
    );
  if (options.path !== undefined && planned.filter((p) => p.check).length !== 1)
    throw new ConformanceConfigError("--path replays one check: select exactly one with --checks RULE-ID");
  return planned;
}

class CheckTimeout extends Error {
  override readonly name = "CheckTimeout";
}
class Interrupted extends Error {
  override readonly name = "Interrupted";
}

/** Settles after `ms` with `error`, or never when cancelled. */
function deadline(ms: number, error: () => Error): { promise: Promise<never>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<never>((_, reject) => {
    if (Number.isFinite(ms)) timer = setTimeout(() => reject(error()), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

interface Shared {
  readonly seed: number;
  readonly numRuns: number;
  readonly explicitNumRuns: number | undefined;
  readonly path: string | undefined;
  readonly propertyTimeMs: number;
  readonly checkTimeoutMs: number;
  readonly budget: { remaining: number };
  readonly embedded: boolean;
  readonly signal: AbortSignal | undefined;
  readonly fetch: typeof fetch | undefined;
  readonly onExchange: ((entry: RecordedExchange) => void) | undefined;
}

async function runCheck(check: Check, level: Level, target: Target, shared: Shared): Promise<CheckResult> {
  const secrets = [target.token, ...(target.otherToken === undefined ? [] : [target.otherToken])];
  // Aborted only after clean-up, so clean-up requests still go out when the check timed out.
  const controller = new AbortController();
  const ctx = createContext({
    target,
    seed: shared.seed,
    numRuns: shared.numRuns,
    path: shared.path,
    propertyTimeMs: shared.propertyTimeMs,
    budget: shared.budget,
    signal: controller.signal,
    fetch: shared.fetch,
    ...(shared.onExchange
      ? {
          onExchange: (exchange: Exchange, run: number) =>
            shared.onExchange?.({ rule: check.id, protocol: check.protocol, run, exchange }),
        }
      : {}),
  });
  const base = { id: check.id, protocol: check.protocol, title: check.title, level };
  const started = performance.now();
  const timeout = deadline(
    shared.checkTimeoutMs,
    () => new CheckTimeout(`the check did not finish within ${shared.checkTimeoutMs / 1000} s`),
  );
  let onAbort: (() => void) | undefined;
  const interrupted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new Interrupted("interrupted"));
    if (shared.signal?.aborted) onAbort();
    else shared.signal?.addEventListener("abort", onAbort, { once: true });
  });
  interrupted.catch(() => {});
  const running = Promise.resolve().then(() => check.run(ctx));
  running.catch(() => {});
  let outcome: Omit<CheckResult, keyof typeof base | "durationMs">;
  try {
    await Promise.race([running, timeout.promise, interrupted]);
    outcome = { status: "passed" };
  } catch (error) {
    outcome = classify(error, ctx.http.exchanges, ctx.secrets, shared.seed);
  } finally {
    timeout.cancel();
    if (onAbort) shared.signal?.removeEventListener("abort", onAbort);
  }
  const cleanupDeadline = deadline(DEFAULTS.cleanupTimeoutMs, () => new Error("clean-up timed out"));
  await Promise.race([ctx.cleanup(), cleanupDeadline.promise]).catch(() => {});
  cleanupDeadline.cancel();
  controller.abort();
  const durationMs = Math.round(performance.now() - started);
  const result: CheckResult = { ...base, ...outcome, durationMs };
  if (result.status !== "failed") return result;
  return {
    ...result,
    replay: replayCommand(result, {
      seed: shared.seed,
      numRuns: shared.explicitNumRuns,
      target: shared.embedded ? "embedded" : target,
      secrets,
    }),
  };
}

function classify(
  error: unknown,
  exchanges: readonly Exchange[],
  secrets: readonly string[],
  seed: number,
): Omit<CheckResult, "id" | "protocol" | "title" | "level" | "durationMs"> {
  if (error instanceof CheckSkipped) return { status: "skipped", message: redact(error.message, secrets) };
  if (error instanceof Interrupted) return { status: "skipped", message: "interrupted before it finished" };
  const last = exchanges.at(-1);
  // No verdict: a timeout, a network failure, a CheckError. Not the server's breach of the rule.
  const infrastructure = error instanceof CheckTimeout ? error.message : infrastructureCause(error);
  if (infrastructure !== undefined) {
    const exchange = error instanceof CheckError && error.exchange ? error.exchange : last;
    return {
      status: "error",
      message: redact(infrastructure, secrets),
      ...(exchange ? { exchange } : {}),
    };
  }
  const kept = (list: readonly Exchange[]) => (list.length > 0 ? { exchanges: list.slice(-20) } : {});
  if (error instanceof PropertyFailure)
    return {
      ...kept(error.exchanges),
      status: "failed",
      message: redact(error.message, secrets),
      counterexample: redact(renderCounterexample(error.counterexample), secrets),
      seed: error.seed,
      ...(error.path === "" ? {} : { path: error.path }),
      ...(error.exchange ? { exchange: error.exchange } : {}),
    };
  if (error instanceof ConformanceFailure)
    return {
      ...kept(exchanges),
      status: "failed",
      message: redact(error.message, secrets),
      seed,
      ...(error.exchange ? { exchange: error.exchange } : {}),
    };
  // A defect of the check itself (an exception that is no verdict): reported as an error.
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    status: "error",
    message: redact(`the check itself failed (a defect of the suite, please report it): ${message}`, secrets),
    seed,
    ...(last ? { exchange: last } : {}),
  };
}

function unchecked(planned: Planned, level: Level): CheckResult {
  const title = "(no check)";
  return level === "must"
    ? {
        id: planned.id,
        protocol: planned.protocol,
        title,
        level,
        status: "failed",
        message: "no conformance check implements this must rule",
        durationMs: 0,
        unchecked: true,
      }
    : {
        id: planned.id,
        protocol: planned.protocol,
        title,
        level,
        status: "skipped",
        message: "no conformance check implements this rule yet",
        durationMs: 0,
        unchecked: true,
      };
}

export async function runConformance(options: RunOptions): Promise<Report> {
  const startedAt = new Date();
  const rules = options.rules ?? RULES;
  // Loaded only when no suite is given, so a run of chosen checks does not load them all.
  const suite = options.suite ?? (await import("./checks/index.ts")).ALL_CHECKS;
  const seed = options.seed ?? randomSeed();
  if (!Number.isSafeInteger(seed))
    throw new ConformanceConfigError(`the seed must be an integer, not ${seed}`);
  checkPositive("numRuns", options.numRuns);
  checkPositive("maxBytes", options.maxBytes);
  checkPositive("propertyTimeMs", options.propertyTimeMs);
  checkPositive("checkTimeoutMs", options.checkTimeoutMs);
  const planned = plan(options, rules, suite);
  const runnable = planned.filter((p): p is Planned & { check: Check } => p.check !== undefined);
  const protocols = [...new Set(runnable.map((p) => p.protocol))];
  const embedded = options.embedded !== undefined && options.embedded !== false;
  if (!embedded)
    for (const protocol of protocols)
      if (!options.targets?.[protocol])
        throw new ConformanceConfigError(
          `no target for ${protocol}: give its base URL and token, or --embedded`,
        );

  const baseline = new Set(options.baseline ?? []);
  const levelOf = (p: Planned): Level => p.rule?.level ?? "must";
  const servers =
    embedded && protocols.length > 0
      ? await startEmbedded({ ...(typeof options.embedded === "object" ? options.embedded : {}), protocols })
      : undefined;
  const targets = servers?.targets ?? options.targets ?? {};
  const secrets = PROTOCOLS.flatMap((p) => [targets[p]?.token ?? "", targets[p]?.otherToken ?? ""]).filter(
    (s) => s.length > 0,
  );
  const shared: Shared = {
    seed,
    numRuns: options.numRuns ?? DEFAULTS.numRuns,
    explicitNumRuns: options.numRuns,
    path: options.path,
    propertyTimeMs: options.propertyTimeMs ?? DEFAULTS.propertyTimeMs,
    checkTimeoutMs: options.checkTimeoutMs ?? DEFAULTS.checkTimeoutMs,
    budget: { remaining: options.maxBytes ?? (embedded ? Number.POSITIVE_INFINITY : DEFAULTS.maxBytes) },
    embedded,
    signal: options.signal,
    fetch: options.fetch,
    onExchange: options.onExchange,
  };

  const results = new Map<Planned, CheckResult>();
  const untested: TargetError[] = [];
  let done = 0;
  const total = runnable.length;
  const lane = async (protocol: Protocol, items: readonly (Planned & { check: Check })[]): Promise<void> => {
    const target = targets[protocol] as Target;
    const cause =
      items.length > 0
        ? await preflight(target, { fetch: options.fetch, signal: options.signal })
        : undefined;
    if (cause !== undefined && !options.signal?.aborted)
      untested.push({ protocol, target: embedded ? "embedded" : redact(target.baseUrl, secrets), cause });
    for (const item of items) {
      const level = levelOf(item);
      let result: CheckResult;
      if (cause !== undefined && !options.signal?.aborted) {
        result = {
          id: item.id,
          protocol: item.protocol,
          title: item.check.title,
          level,
          status: "error",
          message: `the target could not be tested: ${cause}`,
          durationMs: 0,
        };
      } else if (options.signal?.aborted) {
        result = {
          id: item.id,
          protocol: item.protocol,
          title: item.check.title,
          level,
          status: "skipped",
          message: "interrupted before it started",
          durationMs: 0,
        };
      } else {
        options.onProgress?.({ kind: "started", id: item.id, protocol: item.protocol, total });
        result = await runCheck(item.check, level, targets[item.protocol] as Target, shared);
      }
      if (result.status === "failed" && baseline.has(result.id)) result = { ...result, baseline: true };
      results.set(item, result);
      done += 1;
      options.onProgress?.({ kind: "finished", result, done, total });
    }
  };
  try {
    const laneOf = (protocol: Protocol) =>
      lane(
        protocol,
        runnable.filter((p) => p.protocol === protocol),
      );
    if (options.sequential) for (const protocol of protocols) await laneOf(protocol);
    else await Promise.all(protocols.map(laneOf));
  } finally {
    await servers?.close();
  }

  const strict = options.strict ?? false;
  const selectedProtocols = options.protocol === "all" ? PROTOCOLS : [options.protocol];
  const checks = planned.map((p): CheckResult => {
    const { id, protocol, title, ...rest } = results.get(p) ?? unchecked(p, levelOf(p));
    return {
      id,
      protocol,
      title,
      ...(p.rule ? { statement: p.rule.statement, source: p.rule.source } : {}),
      ...rest,
      ...(rest.status === "failed" && baseline.has(id) ? { baseline: true } : {}),
    };
  });
  return {
    protocol: options.protocol,
    target: embedded
      ? "embedded"
      : selectedProtocols.flatMap((p) => (targets[p] ? [redact(targets[p].baseUrl, secrets)] : [])).join(" "),
    seed,
    numRuns: shared.numRuns,
    strict,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(Date.now() - startedAt.getTime()),
    checks,
    summary: summarise(checks, strict),
    ...(options.baseline === undefined
      ? {}
      : {
          baselinePassing: checks.filter((c) => c.status === "passed" && baseline.has(c.id)).map((c) => c.id),
        }),
    ...(options.signal?.aborted ? { interrupted: true } : {}),
    ...(untested.length > 0 ? { untested } : {}),
  };
}
