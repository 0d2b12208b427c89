/**
 * The model for session.model.test.ts, after fast-check's model-based testing guide: far simpler
 * than the session. It keeps no schedule, no backoff times and no queue — only which parts are
 * known, succeeded, in flight or waiting to be retried, send and retry counts, the earliest time a
 * retry may go out, the one timer a driver holds, and for an open-ended session whether the part
 * list ended and whether a `needPart` awaits its answer. `observe` checks a batch of commands
 * against it (the rules of transitions.ts, stated as what may be observed) and records what they
 * did; `expectSameState` checks, after every event, that a hungry session has asked for a part.
 */
import { expect } from "vitest";
import { type SessionCommand, UploadSession } from "../../../src/session/index.ts";
import type { RandomSource } from "../support/random.ts";

export type Phase = "idle" | "uploading" | "completing" | "done" | "failed" | "aborted";

export interface SessionSetup {
  /** Every part of the upload; an open-ended upload's are 1 … n, its source's parts in order. */
  readonly parts: ReadonlyArray<{ readonly number: number; readonly size: number }>;
  readonly openEnded: boolean;
  /** How many of `parts` the session is given up front (all of a closed session's). */
  readonly known: number;
  readonly concurrency: number;
  readonly maxRetries: number;
  readonly budget: number | undefined;
  readonly random: RandomSource;
}

export interface SessionModel {
  readonly setup: SessionSetup;
  /** The parts the session knows: given up front, or added since. */
  readonly sizes: Map<number, number>;
  /** The part list is final: closed from the start, or `endParts` was called. */
  ended: boolean;
  /** A `needPart` was emitted and not yet answered by `addPart` or `endParts`. */
  needOutstanding: boolean;
  phase: Phase;
  now: number;
  /** The latest `wait`: a driver keeps one timer. */
  timer: number | undefined;
  readonly succeeded: Map<number, string>;
  readonly inFlight: Set<number>;
  /** Sends across resumes (the `attempt` numbering). */
  readonly attempts: Map<number, number>;
  // Per run (reset by a resume):
  readonly sendsThisRun: Map<number, number>;
  readonly retries: Map<number, number>;
  /** Parts that failed retryably and have not been sent again. */
  readonly waitingRetry: Set<number>;
  retriesUsed: number;
  completeRetries: number;
  /** Earliest time a retry may be sent (failure time + Retry-After). */
  readonly notBefore: Map<number, number>;
  completeNotBefore: number;
  completeInFlight: boolean;
}

export interface SessionReal {
  session: UploadSession;
  readonly random: () => number;
}

export function newRun(model: SessionModel): void {
  model.phase = "idle";
  model.timer = undefined;
  model.inFlight.clear();
  model.sendsThisRun.clear();
  model.retries.clear();
  model.waitingRetry.clear();
  model.needOutstanding = false;
  model.retriesUsed = 0;
  model.completeRetries = 0;
  model.notBefore.clear();
  model.completeNotBefore = Number.NEGATIVE_INFINITY;
  model.completeInFlight = false;
}

export function initialState(setup: SessionSetup): { model: SessionModel; real: SessionReal } {
  const random = setup.random.make();
  const known = setup.parts.slice(0, setup.known);
  const session = new UploadSession({
    parts: known,
    openEnded: setup.openEnded,
    concurrency: setup.concurrency,
    retry: {
      maxRetriesPerPart: setup.maxRetries,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      totalRetryBudget: setup.budget,
    },
    random,
  });
  const model: SessionModel = {
    setup,
    sizes: new Map(known.map((p) => [p.number, p.size])),
    ended: !setup.openEnded,
    needOutstanding: false,
    phase: "idle",
    now: 0,
    timer: undefined,
    succeeded: new Map(),
    inFlight: new Set(),
    attempts: new Map(),
    sendsThisRun: new Map(),
    retries: new Map(),
    waitingRetry: new Set(),
    retriesUsed: 0,
    completeRetries: 0,
    notBefore: new Map(),
    completeNotBefore: Number.NEGATIVE_INFINITY,
    completeInFlight: false,
  };
  return { model, real: { session, random } };
}

/** The next part the driver's source yields, if any: one above the highest known part. */
export function nextSourcePart(
  model: Readonly<SessionModel>,
): { readonly number: number; readonly size: number } | undefined {
  return model.setup.openEnded ? model.setup.parts[model.sizes.size] : undefined;
}

/**
 * An open-ended session that should ask for a part: uploading, list open, a free slot, and every
 * known part succeeded, in flight or waiting out a retry backoff (so none waits for a slot).
 */
export function hungry(model: Readonly<SessionModel>): boolean {
  if (model.phase !== "uploading" || model.ended) return false;
  if (model.inFlight.size >= model.setup.concurrency) return false;
  return [...model.sizes.keys()].every(
    (n) => model.succeeded.has(n) || model.inFlight.has(n) || model.waitingRetry.has(n),
  );
}

/** The session's `state` names, as the model's phases see them; and rule 13's "no deadlock". */
export function expectSameState(model: SessionModel, real: SessionReal): void {
  const state = real.session.state;
  expect(state === "completeBackoff" ? "completing" : state).toBe(model.phase);
  const progress = real.session.progress;
  expect(progress.partsDone).toBe(model.succeeded.size);
  expect(progress.partsTotal).toBe(model.sizes.size);
  expect(progress.bytesTotal).toBe([...model.sizes.values()].reduce((sum, size) => sum + size, 0));
  expect(real.session.partsEnded).toBe(model.ended);
  if (model.phase === "uploading") expect(progress.inFlight).toBe(model.inFlight.size);
  if (hungry(model)) expect(model.needOutstanding, "hungry, but no needPart is outstanding").toBe(true);
}

export const isTerminal = (phase: Phase): boolean =>
  phase === "done" || phase === "failed" || phase === "aborted";

/** Would a retryable failure of this target find its budget spent? */
export function budgetSpent(model: SessionModel, retriesOfTarget: number): boolean {
  const { maxRetries, budget } = model.setup;
  return retriesOfTarget >= maxRetries || (budget !== undefined && model.retriesUsed >= budget);
}

export function observe(model: SessionModel, out: readonly SessionCommand[]): void {
  out.forEach((command, i) => {
    expect(model.phase === "aborted", "nothing may follow an abort").toBe(false);
    switch (command.type) {
      case "sendPart": {
        const n = command.number;
        expect(model.phase).toBe("uploading");
        expect(model.sizes.get(n)).toBe(command.size);
        expect(model.succeeded.has(n), `part ${n} already succeeded`).toBe(false);
        expect(model.inFlight.has(n), `part ${n} already in flight`).toBe(false);
        expect(model.inFlight.size).toBeLessThan(model.setup.concurrency);
        expect(model.now).toBeGreaterThanOrEqual(model.notBefore.get(n) ?? Number.NEGATIVE_INFINITY);
        const sends = (model.sendsThisRun.get(n) ?? 0) + 1;
        expect(sends).toBeLessThanOrEqual(model.setup.maxRetries + 1);
        const attempt = (model.attempts.get(n) ?? 0) + 1;
        expect(command.attempt).toBe(attempt);
        model.sendsThisRun.set(n, sends);
        model.attempts.set(n, attempt);
        model.inFlight.add(n);
        model.waitingRetry.delete(n);
        break;
      }
      case "needPart":
        expect(model.needOutstanding, "a second needPart before addPart or endParts").toBe(false);
        expect(hungry(model), "needPart from a session that is not hungry").toBe(true);
        model.needOutstanding = true;
        break;
      case "wait":
        expect(command.until).toBeGreaterThan(model.now);
        model.timer = command.until;
        break;
      case "complete":
        expect(["uploading", "completing"]).toContain(model.phase);
        expect(model.ended, "complete before endParts").toBe(true);
        expect(model.succeeded.size).toBe(model.sizes.size);
        expect(model.completeInFlight).toBe(false);
        expect(model.now).toBeGreaterThanOrEqual(model.completeNotBefore);
        expect(command.parts).toEqual(
          [...model.succeeded].sort(([a], [b]) => a - b).map(([number, etag]) => ({ number, etag })),
        );
        model.phase = "completing";
        model.completeInFlight = true;
        break;
      case "fail":
        expect(isTerminal(model.phase)).toBe(false);
        expect(out[i + 1]).toEqual({ type: "abort", reason: command.error });
        model.phase = "failed";
        break;
      case "abort":
        if (model.phase !== "failed") model.phase = "aborted";
        expect(i).toBe(out.length - 1);
        break;
    }
  });
}
