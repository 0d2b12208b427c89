/**
 * A driver for `UploadSession` in virtual time: the loop a protocol uploader runs, with the
 * network replaced by a scripted `Environment` (after tus-js-client's scripted test transport)
 * and the clock by a queue of timed events. It executes commands exactly as a real driver would:
 * one request per `sendPart`/`complete`, one timer re-armed by each `wait`, and on `abort` it
 * cancels what is in flight — unless `deliverLateResults` asks it to report those results anyway,
 * as a driver whose requests cannot be cancelled would. For an open-ended session it holds a
 * `source` of parts and answers each `needPart` with one read: `addPart` with the next part, or
 * `endParts` once the source is exhausted. It refuses (throws on) a `needPart` while its read is
 * still outstanding, which would make a real driver read two parts for one slot.
 */
import type { SessionCommand, UploadSession } from "../../../src/session/index.ts";

export type Outcome =
  | { readonly kind: "ok" }
  | { readonly kind: "retryable"; readonly retryAfterMs?: number }
  | { readonly kind: "fatal" };

export interface Response {
  readonly latency: number;
  readonly outcome: Outcome;
}

/** How the server answers attempt `attempt` (from 1) of each request. */
export interface Environment {
  part(number: number, attempt: number): Response;
  complete(attempt: number): Response;
}

/** The stream an open-ended session's driver reads its parts from, on `needPart`. */
export interface PartSource {
  /** The parts still to read, in order (numbered on from the parts the session knows). */
  readonly parts: ReadonlyArray<{ readonly number: number; readonly size: number }>;
  /** How long one read takes; 0 when absent. */
  readonly readLatency?: number;
}

export interface SimulationOptions {
  readonly startAt?: number;
  readonly source?: PartSource;
  /** A user abort (an AbortSignal firing) at this virtual time. */
  readonly abortAt?: number;
  readonly deliverLateResults?: boolean;
  readonly maxSteps?: number;
  /** Stop (as if the process died) after this many events, leaving the rest undelivered. */
  readonly stopAfterSteps?: number;
}

export interface Step {
  readonly at: number;
  readonly event: string;
  readonly commands: readonly SessionCommand[];
}

export interface SimulationResult {
  readonly steps: readonly Step[];
  /** Every command in order, with the virtual time it was emitted at. */
  readonly commands: ReadonlyArray<{ readonly at: number; readonly command: SessionCommand }>;
  /** Most part requests the driver ever had open at once. */
  readonly maxInFlight: number;
  readonly endedAt: number;
}

/** The `sendPart` commands, in order. */
export function sends(result: SimulationResult): Array<{ at: number; number: number; attempt: number }> {
  return result.commands.flatMap(({ at, command }) =>
    command.type === "sendPart" ? [{ at, number: command.number, attempt: command.attempt }] : [],
  );
}

/** How many times each part was sent. */
export function sendCounts(result: SimulationResult): Map<number, number> {
  const counts = new Map<number, number>();
  for (const { number } of sends(result)) counts.set(number, (counts.get(number) ?? 0) + 1);
  return counts;
}

export const etagOf = (number: number, attempt: number): string => `"etag-${number}-${attempt}"`;

/** An environment where every request succeeds after `latency`. */
export function alwaysOk(latency = 10): Environment {
  return {
    part: () => ({ latency, outcome: { kind: "ok" } }),
    complete: () => ({ latency, outcome: { kind: "ok" } }),
  };
}

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly kind: "response" | "timer" | "abort" | "read";
  readonly event: string;
  readonly fire: () => readonly SessionCommand[];
}

export function simulate(
  session: UploadSession,
  env: Environment,
  options: SimulationOptions = {},
): SimulationResult {
  const steps: Step[] = [];
  const commands: Array<{ at: number; command: SessionCommand }> = [];
  let queue: Pending[] = [];
  let seq = 0;
  let now = options.startAt ?? 0;
  let open = 0;
  let maxInFlight = 0;
  let ended = false;
  let reading = false;
  let read = 0;

  const schedule = (at: number, kind: Pending["kind"], event: string, fire: Pending["fire"]) => {
    queue.push({ at, seq: seq++, kind, event, fire });
  };

  const execute = (at: number, event: string, out: readonly SessionCommand[]) => {
    steps.push({ at, event, commands: out });
    for (const command of out) {
      commands.push({ at, command });
      switch (command.type) {
        case "sendPart": {
          open += 1;
          maxInFlight = Math.max(maxInFlight, open);
          const { number, attempt } = command;
          const { latency, outcome } = env.part(number, attempt);
          schedule(at + latency, "response", `part ${number}#${attempt} ${outcome.kind}`, () => {
            open -= 1;
            if (outcome.kind === "ok") return session.partSucceeded(number, etagOf(number, attempt));
            const error = new Error(`part ${number} attempt ${attempt}: ${outcome.kind}`);
            return session.partFailed(number, error, {
              retryable: outcome.kind === "retryable",
              ...(outcome.kind === "retryable" && outcome.retryAfterMs !== undefined
                ? { retryAfterMs: outcome.retryAfterMs }
                : {}),
              now: at + latency,
            });
          });
          break;
        }
        case "wait":
          queue = queue.filter((p) => p.kind !== "timer");
          schedule(command.until, "timer", `timer ${command.until}`, () => session.tick(command.until));
          break;
        case "complete": {
          const { latency, outcome } = env.complete(command.attempt);
          schedule(at + latency, "response", `complete#${command.attempt} ${outcome.kind}`, () => {
            if (outcome.kind === "ok") return session.completeSucceeded();
            return session.completeFailed(new Error(`complete: ${outcome.kind}`), {
              retryable: outcome.kind === "retryable",
              ...(outcome.kind === "retryable" && outcome.retryAfterMs !== undefined
                ? { retryAfterMs: outcome.retryAfterMs }
                : {}),
              now: at + latency,
            });
          });
          break;
        }
        case "abort":
          ended = true;
          queue = queue.filter((p) => options.deliverLateResults === true && p.kind === "response");
          break;
        case "fail":
          break;
        case "needPart": {
          const source = options.source;
          if (source === undefined) throw new Error("needPart, but the driver has no source");
          if (reading) throw new Error("needPart while the previous read is outstanding");
          reading = true;
          const part = source.parts[read];
          read += 1;
          const label = part === undefined ? "read end" : `read part ${part.number}`;
          schedule(at + (source.readLatency ?? 0), "read", label, () => {
            reading = false;
            return part === undefined ? session.endParts() : session.addPart(part);
          });
          break;
        }
      }
    }
  };

  if (options.abortAt !== undefined) {
    schedule(options.abortAt, "abort", "user abort", () => session.abort("user abort"));
  }
  execute(now, "start", session.start(now));
  const maxSteps = options.maxSteps ?? 100_000;
  for (let step = 0; queue.length > 0; step++) {
    if (options.stopAfterSteps !== undefined && step >= options.stopAfterSteps) break;
    if (step >= maxSteps) throw new Error(`simulation did not settle within ${maxSteps} steps`);
    queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = queue.shift()!;
    if (ended && next.kind === "abort") continue;
    now = Math.max(now, next.at);
    execute(now, next.event, next.fire());
  }
  return { steps, commands, maxInFlight, endedAt: now };
}
