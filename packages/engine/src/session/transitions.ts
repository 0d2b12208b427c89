/**
 * The upload session's state machine: a literal transition table and its interpreter.
 *
 * After h11's `_state.py` (https://github.com/python-hyper/h11): events in, commands out, no I/O. The machine is two
 * tables — `EVENT_TRANSITIONS` (state × event → guarded rows of next state + actions) and
 * `STATE_TRANSITIONS` (fired after every event while their guard holds, like h11's
 * state-triggered transitions) — plus the guards, actions and interpreter below.
 * `sessionStateDiagram()` (diagram.ts) draws docs/session.md from these same tables.
 *
 * Rules this file keeps:
 *
 *  1. Everything that decides a transition lives in this file. Other files hold data types,
 *     backoff arithmetic (retry.ts) and (de)serialisation (snapshot.ts).
 *  2. No I/O, no clock and no randomness of its own: time arrives as `now` (`start`, `tick`, and
 *     optionally with failures); randomness through the injected `random()`.
 *  3. At most `concurrency` parts are in flight. Parts due for a retry go first, then parts never
 *     sent, each in ascending part number. A part is sent only once it is known: given up front,
 *     or added with `addPart` (rule 12).
 *  4. A part that succeeded is never sent again. A result (`partSucceeded`/`partFailed`) for a part
 *     that is not in flight is a local protocol error, not ignored: the session re-sends a part only
 *     after its previous attempt was reported, so a second report is a driver bug (a duplicate, a
 *     wrong part number) that could otherwise put a wrong ETag into `complete`.
 *  5. A retryable failure is retried after `max(retryAfterMs, random() × min(maxDelayMs,
 *     baseDelayMs × 2^n))`, n = retries already made for that part (or for completion) in this
 *     run: full jitter, capped, never before the server's `Retry-After`. At most
 *     `maxRetriesPerPart` retries per part and for completion, at most `totalRetryBudget` in all.
 *  6. A non-retryable failure, or a retryable one whose budget is spent, emits `fail` and then
 *     `abort` (so the driver cleans up on the server) and leaves the session `failed`.
 *  7. `complete` is emitted only when the part list is final (the session is closed, or
 *     `endParts` was called) and every part in it succeeded, once per attempt, with the ETags in
 *     ascending part number; a retryable `completeFailed` is retried under rule 5.
 *  8. After `abort` no command is ever emitted again. Results that arrive after `abort` or `fail`
 *     are ignored: requests in flight race the abort, which is not a driver bug.
 *  9. `failed` is sticky and inert: every event there returns no command. An event the table does
 *     not list for the current state, or one that breaks its precondition (`PRECONDITIONS`), throws
 *     `SessionStateError` and moves the session to `failed` (h11's LocalProtocolError → ERROR).
 * 10. After `done`, only `tick` (a stale timer) and `abort` (a late AbortSignal) are accepted, and
 *     ignored; any other event is rule 9's protocol error.
 * 11. The session asks for a `tick` with a `wait` whenever its next deadline changes, and again
 *     after every tick (a tick may have consumed the driver's timer).
 * 12. An open-ended session (a stream of unknown length) learns its parts while it runs: `addPart`
 *     appends part `highest + 1` (parts are numbered 1, 2, 3 … without gaps) and `endParts` makes
 *     the list final. Both are accepted in `idle` and `uploading` only. `addPart` or `endParts` on
 *     a closed session, a part number out of sequence, a size that is not an integer >= 0,
 *     `addPart` after `endParts`, a second `endParts`, and `endParts` with no part at all (an
 *     empty stream is one empty part) are rule 9 errors.
 * 13. An open-ended session in `uploading` whose list is still open is *hungry* when a slot is free
 *     and no known part waits to be sent (a part in retry backoff does not count: it waits for
 *     time, not for a slot). A hungry session emits one `needPart` and no other until `addPart`
 *     or `endParts` answers it, so a driver never reads two parts for one slot; once answered, it
 *     asks again as soon as it is hungry again (another free slot, or the next success).
 */

import type { CompleteCommand, FailureInfo, SessionCommand } from "./commands.ts";
import { RetriesExhaustedError, SessionStateError, show } from "./errors.ts";
import { type RetryPolicy, retryDelay } from "./retry.ts";

// ---------------------------------------------------------------------------------------------
// States and events
// ---------------------------------------------------------------------------------------------

export type SessionState =
  | "idle"
  | "uploading"
  | "completing"
  | "completeBackoff"
  | "done"
  | "failed"
  | "aborted";

/** One line per state; the diagram prints them inside the state boxes. */
export const STATE_DESCRIPTIONS: Readonly<Record<SessionState, string>> = {
  idle: "created or restored, nothing sent yet",
  uploading: "parts in flight, waiting for a retry or for addPart",
  completing: "every part succeeded, complete in flight",
  completeBackoff: "complete failed, waiting to retry it",
  done: "complete succeeded",
  failed: "sticky, the upload failed",
  aborted: "aborted by the user",
};

export const INITIAL_STATE: SessionState = "idle";
export const TERMINAL_STATES: readonly SessionState[] = ["done", "failed", "aborted"];

export type SessionEvent =
  | { readonly type: "start"; readonly now: number }
  | { readonly type: "partSucceeded"; readonly number: number; readonly etag: string }
  | {
      readonly type: "partFailed";
      readonly number: number;
      readonly error: unknown;
      readonly failure: FailureInfo;
    }
  | { readonly type: "tick"; readonly now: number }
  | { readonly type: "abort"; readonly reason: unknown }
  | { readonly type: "completeSucceeded" }
  | { readonly type: "completeFailed"; readonly error: unknown; readonly failure: FailureInfo }
  | { readonly type: "addPart"; readonly part: { readonly number: number; readonly size: number } }
  | { readonly type: "endParts" };

export type SessionEventName = SessionEvent["type"];

export const SESSION_EVENTS: readonly SessionEventName[] = [
  "start",
  "partSucceeded",
  "partFailed",
  "tick",
  "abort",
  "completeSucceeded",
  "completeFailed",
  "addPart",
  "endParts",
];

// ---------------------------------------------------------------------------------------------
// The tables
// ---------------------------------------------------------------------------------------------

/**
 * `allPartsSucceeded` speaks of the final list: a closed session's parts, or an open-ended
 * session's once `endParts` was called (rule 7). `hungry` is rule 13.
 */
export type GuardName =
  | "allPartsSucceeded"
  | "hungry"
  | "notRetryable"
  | "retriesExhausted"
  | "completeRetryDue";

export type ActionName =
  | "fillSlots"
  | "appendPart"
  | "endPartList"
  | "emitNeedPart"
  | "recordSuccess"
  | "releasePart"
  | "schedulePartRetry"
  | "emitComplete"
  | "scheduleCompleteRetry"
  | "failWithReportedError"
  | "failRetriesExhausted"
  | "emitAbort";

/** One row: if `when` holds (or is absent), go to `to` and run `do` in order. First match wins. */
export interface Transition {
  readonly when?: GuardName;
  readonly to: SessionState;
  readonly do: readonly ActionName[];
}

/** The event is accepted and does nothing: no state change, no command, no validation. */
export const IGNORE = "ignore" as const;

export type EventTable = {
  readonly [S in SessionState]: { readonly [E in SessionEventName]?: readonly Transition[] | typeof IGNORE };
};

export type StateTable = {
  readonly [S in SessionState]?: ReadonlyArray<Transition & { readonly when: GuardName }>;
};

const ignoreEverything = {
  start: IGNORE,
  partSucceeded: IGNORE,
  partFailed: IGNORE,
  tick: IGNORE,
  abort: IGNORE,
  completeSucceeded: IGNORE,
  completeFailed: IGNORE,
  addPart: IGNORE,
  endParts: IGNORE,
} as const;

/** Event-triggered transitions. A (state, event) pair missing here is a protocol error (rule 9). */
export const EVENT_TRANSITIONS: EventTable = {
  idle: {
    start: [{ to: "uploading", do: ["fillSlots"] }],
    abort: [{ to: "aborted", do: ["emitAbort"] }],
    addPart: [{ to: "idle", do: ["appendPart"] }],
    endParts: [{ to: "idle", do: ["endPartList"] }],
  },
  uploading: {
    partSucceeded: [{ to: "uploading", do: ["recordSuccess", "fillSlots"] }],
    partFailed: [
      { when: "notRetryable", to: "failed", do: ["releasePart", "failWithReportedError"] },
      { when: "retriesExhausted", to: "failed", do: ["releasePart", "failRetriesExhausted"] },
      { to: "uploading", do: ["schedulePartRetry", "fillSlots"] },
    ],
    tick: [{ to: "uploading", do: ["fillSlots"] }],
    abort: [{ to: "aborted", do: ["emitAbort"] }],
    addPart: [{ to: "uploading", do: ["appendPart", "fillSlots"] }],
    endParts: [{ to: "uploading", do: ["endPartList"] }],
  },
  completing: {
    completeSucceeded: [{ to: "done", do: [] }],
    completeFailed: [
      { when: "notRetryable", to: "failed", do: ["failWithReportedError"] },
      { when: "retriesExhausted", to: "failed", do: ["failRetriesExhausted"] },
      { to: "completeBackoff", do: ["scheduleCompleteRetry"] },
    ],
    tick: [{ to: "completing", do: [] }],
    abort: [{ to: "aborted", do: ["emitAbort"] }],
  },
  completeBackoff: {
    tick: [{ to: "completeBackoff", do: [] }],
    abort: [{ to: "aborted", do: ["emitAbort"] }],
  },
  done: {
    tick: IGNORE,
    abort: IGNORE,
  },
  failed: ignoreEverything,
  aborted: ignoreEverything,
};

/** State-triggered transitions, fired after every accepted event until none applies. */
export const STATE_TRANSITIONS: StateTable = {
  uploading: [
    { when: "allPartsSucceeded", to: "completing", do: ["emitComplete"] },
    { when: "hungry", to: "uploading", do: ["emitNeedPart"] },
  ],
  completeBackoff: [{ when: "completeRetryDue", to: "completing", do: ["emitComplete"] }],
};

// ---------------------------------------------------------------------------------------------
// What the table operates on
// ---------------------------------------------------------------------------------------------

export type PartStatus = "pending" | "inFlight" | "backoff" | "succeeded";

export interface PartRecord {
  readonly number: number;
  readonly size: number;
  status: PartStatus;
  etag: string | undefined;
  /** Sends of this part, across resumes; the next `sendPart.attempt` is this plus one. */
  attempts: number;
  /** Retries scheduled for this part in this run (the per-part budget). */
  retries: number;
  /** When a part in `backoff` becomes due. */
  retryAt: number;
}

export interface SessionContext {
  state: SessionState;
  /** Ascending part number; an open-ended session appends to it. */
  readonly parts: PartRecord[];
  readonly byNumber: Map<number, PartRecord>;
  /** Parts may be added while the session runs (rules 12 and 13). */
  readonly openEnded: boolean;
  /** The part list is final: always for a closed session, after `endParts` for an open-ended one. */
  partsEnded: boolean;
  /** A `needPart` was emitted and neither `addPart` nor `endParts` has answered it yet. */
  partRequested: boolean;
  readonly concurrency: number;
  readonly retry: RetryPolicy;
  readonly random: () => number;
  /** The latest time seen; never moves backwards. */
  clock: number;
  /** Index into `parts` before which no part is `pending` (a cursor, so filling slots is cheap). */
  pendingCursor: number;
  readonly backoff: Set<PartRecord>;
  bytesTotal: number;
  inFlight: number;
  partsDone: number;
  bytesDone: number;
  /** Retries scheduled in this run, parts and completion together (the total budget). */
  retriesUsed: number;
  completeAttempts: number;
  completeRetries: number;
  completeRetryAt: number;
  /** The `until` of the last `wait` emitted and not yet consumed by a tick. */
  lastWait: number | undefined;
  /** Why the session failed, once it has. */
  error: unknown;
}

export interface PartInit {
  readonly number: number;
  readonly size: number;
  readonly etag?: string | undefined;
  readonly attempts?: number | undefined;
}

/**
 * A fresh context in `idle`; parts given an `etag` start as succeeded (a restored session). An
 * open-ended session's list starts open unless `partsEnded` says otherwise (a restored one).
 */
export function createSessionContext(
  parts: readonly PartInit[],
  config: {
    readonly concurrency: number;
    readonly retry: RetryPolicy;
    readonly random: () => number;
    readonly openEnded: boolean;
    readonly partsEnded?: boolean | undefined;
  },
): SessionContext {
  const records: PartRecord[] = parts
    .map((p) => ({
      number: p.number,
      size: p.size,
      status: (p.etag === undefined ? "pending" : "succeeded") as PartStatus,
      etag: p.etag,
      attempts: p.attempts ?? 0,
      retries: 0,
      retryAt: 0,
    }))
    .sort((a, b) => a.number - b.number);
  const done = records.filter((p) => p.status === "succeeded");
  return {
    state: INITIAL_STATE,
    parts: records,
    byNumber: new Map(records.map((p) => [p.number, p])),
    openEnded: config.openEnded,
    partsEnded: !config.openEnded || config.partsEnded === true,
    partRequested: false,
    concurrency: config.concurrency,
    retry: config.retry,
    random: config.random,
    clock: Number.NEGATIVE_INFINITY,
    pendingCursor: 0,
    backoff: new Set(),
    bytesTotal: records.reduce((sum, p) => sum + p.size, 0),
    inFlight: 0,
    partsDone: done.length,
    bytesDone: done.reduce((sum, p) => sum + p.size, 0),
    retriesUsed: 0,
    completeAttempts: 0,
    completeRetries: 0,
    completeRetryAt: 0,
    lastWait: undefined,
    error: undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// Preconditions, guards and actions
// ---------------------------------------------------------------------------------------------

type Precondition = (ctx: SessionContext, event: SessionEvent) => string | undefined;

function checkTime(now: unknown): string | undefined {
  return typeof now === "number" && Number.isFinite(now)
    ? undefined
    : `now must be a finite number, got ${show(now)}`;
}

function checkFailure(failure: FailureInfo): string | undefined {
  if (typeof failure !== "object" || failure === null) return "failure info must be an object";
  if (typeof failure.retryable !== "boolean") return "failure.retryable must be a boolean";
  const after = failure.retryAfterMs;
  if (after !== undefined && !(typeof after === "number" && Number.isFinite(after) && after >= 0)) {
    return `failure.retryAfterMs must be a finite number >= 0, got ${show(after)}`;
  }
  return failure.now === undefined ? undefined : checkTime(failure.now);
}

function checkInFlight(ctx: SessionContext, number: number): string | undefined {
  const part = ctx.byNumber.get(number);
  if (part === undefined) return `part ${show(number)} is not a part of this upload`;
  if (part.status !== "inFlight") return `part ${number} is not in flight (it is ${part.status})`;
  return undefined;
}

function checkAddPart(ctx: SessionContext, part: unknown): string | undefined {
  if (!ctx.openEnded) return "the session is not open-ended: its parts were given up front";
  if (ctx.partsEnded) return "endParts was called: no part may follow";
  if (typeof part !== "object" || part === null) return `the part must be an object, got ${show(part)}`;
  const { number, size } = part as Record<string, unknown>;
  const expected = (ctx.parts.at(-1)?.number ?? 0) + 1;
  if (number !== expected) return `the next part is number ${expected}, got ${show(number)}`;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    return `part ${expected} size must be an integer >= 0, got ${show(size)}`;
  }
  return undefined;
}

function checkEndParts(ctx: SessionContext): string | undefined {
  if (!ctx.openEnded) return "the session is not open-ended: its parts were final from the start";
  if (ctx.partsEnded) return "endParts was already called";
  if (ctx.parts.length === 0) {
    return "an open-ended upload has at least one part: an empty stream is one empty part (addPart it first)";
  }
  return undefined;
}

/** Checked before an accepted (not ignored) event touches anything; a message means rule 9. */
export const PRECONDITIONS: Readonly<Record<SessionEventName, Precondition>> = {
  start: (_ctx, e) => (e.type === "start" ? checkTime(e.now) : undefined),
  tick: (_ctx, e) => (e.type === "tick" ? checkTime(e.now) : undefined),
  partSucceeded: (ctx, e) => {
    if (e.type !== "partSucceeded") return undefined;
    if (typeof e.etag !== "string") return `etag must be a string, got ${typeof e.etag}`;
    return checkInFlight(ctx, e.number);
  },
  partFailed: (ctx, e) =>
    e.type === "partFailed" ? (checkFailure(e.failure) ?? checkInFlight(ctx, e.number)) : undefined,
  completeFailed: (_ctx, e) => (e.type === "completeFailed" ? checkFailure(e.failure) : undefined),
  abort: () => undefined,
  completeSucceeded: () => undefined,
  addPart: (ctx, e) => (e.type === "addPart" ? checkAddPart(ctx, e.part) : undefined),
  endParts: (ctx) => checkEndParts(ctx),
};

// partOf, failureOf and appendPart throw only if a table row names a guard or action for an
// event it does not fit — a bug in the tables above, which the interpreter still reports as rule 9.

function partOf(ctx: SessionContext, event: SessionEvent): PartRecord {
  const number = event.type === "partSucceeded" || event.type === "partFailed" ? event.number : Number.NaN;
  const part = ctx.byNumber.get(number);
  if (part === undefined)
    throw new SessionStateError("the event names no part", { state: ctx.state, event: event.type });
  return part;
}

function failureOf(
  ctx: SessionContext,
  event: SessionEvent,
): { readonly error: unknown; readonly failure: FailureInfo } {
  if (event.type === "partFailed" || event.type === "completeFailed") return event;
  throw new SessionStateError("the event is not a failure", { state: ctx.state, event: event.type });
}

function budgetSpent(ctx: SessionContext, retriesOfTarget: number): "perPart" | "total" | undefined {
  if (retriesOfTarget >= ctx.retry.maxRetriesPerPart) return "perPart";
  const total = ctx.retry.totalRetryBudget;
  return total !== undefined && ctx.retriesUsed >= total ? "total" : undefined;
}

function retriesOfTarget(ctx: SessionContext, event: SessionEvent): number {
  return event.type === "completeFailed" ? ctx.completeRetries : partOf(ctx, event).retries;
}

/** Some part at or after `from` waits for a slot (never sent in this run, and not in backoff). */
function pendingFrom(ctx: SessionContext, from: number): boolean {
  for (let i = from; i < ctx.parts.length; i++) if (ctx.parts[i]!.status === "pending") return true;
  return false;
}

export const GUARDS: Readonly<Record<GuardName, (ctx: SessionContext, event: SessionEvent) => boolean>> = {
  allPartsSucceeded: (ctx) => ctx.partsEnded && ctx.partsDone === ctx.parts.length,
  // Rule 13. The cursor bounds the scan: no part before it is pending, and after fillSlots the
  // cursor lags only while every slot is full, which the slot test rules out first.
  hungry: (ctx) =>
    !ctx.partsEnded &&
    !ctx.partRequested &&
    ctx.inFlight < ctx.concurrency &&
    !pendingFrom(ctx, ctx.pendingCursor),
  notRetryable: (ctx, event) => !failureOf(ctx, event).failure.retryable,
  retriesExhausted: (ctx, event) => budgetSpent(ctx, retriesOfTarget(ctx, event)) !== undefined,
  completeRetryDue: (ctx) => ctx.completeRetryAt <= ctx.clock,
};

function send(ctx: SessionContext, part: PartRecord, out: SessionCommand[]): void {
  part.status = "inFlight";
  part.attempts += 1;
  ctx.inFlight += 1;
  out.push({ type: "sendPart", number: part.number, size: part.size, attempt: part.attempts });
}

function leaveFlight(ctx: SessionContext, part: PartRecord, status: PartStatus): void {
  part.status = status;
  ctx.inFlight -= 1;
}

type Action = (ctx: SessionContext, event: SessionEvent, out: SessionCommand[]) => void;

export const ACTIONS: Readonly<Record<ActionName, Action>> = {
  fillSlots(ctx, _event, out) {
    // Rule 3: due retries first, so a part that already cost a request finishes soonest.
    if (ctx.backoff.size > 0 && ctx.inFlight < ctx.concurrency) {
      const due = [...ctx.backoff].filter((p) => p.retryAt <= ctx.clock).sort((a, b) => a.number - b.number);
      for (const part of due) {
        if (ctx.inFlight >= ctx.concurrency) break;
        ctx.backoff.delete(part);
        send(ctx, part, out);
      }
    }
    while (ctx.inFlight < ctx.concurrency && ctx.pendingCursor < ctx.parts.length) {
      const part = ctx.parts[ctx.pendingCursor]!;
      ctx.pendingCursor += 1;
      if (part.status === "pending") send(ctx, part, out);
    }
  },
  appendPart(ctx, event) {
    if (event.type !== "addPart") {
      throw new SessionStateError("the event adds no part", { state: ctx.state, event: event.type });
    }
    // Only number and size are kept: a driver may pass its planned part (with an offset) as is.
    const part: PartRecord = {
      number: event.part.number,
      size: event.part.size,
      status: "pending",
      etag: undefined,
      attempts: 0,
      retries: 0,
      retryAt: 0,
    };
    ctx.parts.push(part);
    ctx.byNumber.set(part.number, part);
    ctx.bytesTotal += part.size;
    ctx.partRequested = false;
  },
  endPartList(ctx) {
    ctx.partsEnded = true;
    ctx.partRequested = false;
  },
  emitNeedPart(ctx, _event, out) {
    ctx.partRequested = true;
    out.push({ type: "needPart" });
  },
  recordSuccess(ctx, event) {
    const part = partOf(ctx, event);
    leaveFlight(ctx, part, "succeeded");
    part.etag = event.type === "partSucceeded" ? event.etag : undefined;
    ctx.partsDone += 1;
    ctx.bytesDone += part.size;
  },
  releasePart(ctx, event) {
    leaveFlight(ctx, partOf(ctx, event), "pending");
  },
  schedulePartRetry(ctx, event) {
    const part = partOf(ctx, event);
    const { failure } = failureOf(ctx, event);
    const delay = retryDelay(ctx.retry, part.retries, ctx.random(), failure.retryAfterMs);
    part.retries += 1;
    ctx.retriesUsed += 1;
    part.retryAt = ctx.clock + delay;
    leaveFlight(ctx, part, "backoff");
    ctx.backoff.add(part);
  },
  emitComplete(ctx, _event, out) {
    ctx.completeAttempts += 1;
    const parts: CompleteCommand["parts"] = ctx.parts.map((p) => ({ number: p.number, etag: p.etag ?? "" }));
    out.push({ type: "complete", parts, attempt: ctx.completeAttempts });
  },
  scheduleCompleteRetry(ctx, event) {
    const { failure } = failureOf(ctx, event);
    const delay = retryDelay(ctx.retry, ctx.completeRetries, ctx.random(), failure.retryAfterMs);
    ctx.completeRetries += 1;
    ctx.retriesUsed += 1;
    ctx.completeRetryAt = ctx.clock + delay;
  },
  failWithReportedError(ctx, event, out) {
    ctx.error = failureOf(ctx, event).error;
    out.push({ type: "fail", error: ctx.error }, { type: "abort", reason: ctx.error });
  },
  failRetriesExhausted(ctx, event, out) {
    const retries = retriesOfTarget(ctx, event);
    ctx.error = new RetriesExhaustedError({
      target: event.type === "completeFailed" ? "complete" : partOf(ctx, event).number,
      attempts: retries + 1,
      budget: budgetSpent(ctx, retries) ?? "total",
      cause: failureOf(ctx, event).error,
    });
    out.push({ type: "fail", error: ctx.error }, { type: "abort", reason: ctx.error });
  },
  emitAbort(_ctx, event, out) {
    out.push({ type: "abort", reason: event.type === "abort" ? event.reason : undefined });
  },
};

// ---------------------------------------------------------------------------------------------
// The interpreter
// ---------------------------------------------------------------------------------------------

function fire(
  ctx: SessionContext,
  rows: readonly Transition[],
  event: SessionEvent,
  out: SessionCommand[],
): boolean {
  const row = rows.find((r) => r.when === undefined || GUARDS[r.when](ctx, event));
  if (row === undefined) return false;
  ctx.state = row.to;
  for (const action of row.do) ACTIONS[action](ctx, event, out);
  return true;
}

/** Rule 11: the earliest future deadline of the current state, if any. */
function nextDeadline(ctx: SessionContext): number | undefined {
  if (ctx.state === "completeBackoff") return ctx.completeRetryAt;
  if (ctx.state !== "uploading") return undefined;
  let next: number | undefined;
  for (const part of ctx.backoff) {
    if (part.retryAt > ctx.clock && (next === undefined || part.retryAt < next)) next = part.retryAt;
  }
  return next;
}

function timeOf(event: SessionEvent): number | undefined {
  if (event.type === "start" || event.type === "tick") return event.now;
  if (event.type === "partFailed" || event.type === "completeFailed") return event.failure.now;
  return undefined;
}

/** More state-triggered rounds after one event than the tables can produce. */
const STATE_ROUNDS_MAX = 16;

/**
 * Applies one event and returns the commands it produced. Throws `SessionStateError` for rule 9
 * and leaves the session `failed` after any throw.
 */
export function dispatch(ctx: SessionContext, event: SessionEvent): SessionCommand[] {
  try {
    const entry = EVENT_TRANSITIONS[ctx.state][event.type];
    if (entry === undefined) {
      throw new SessionStateError("the session does not accept this event in this state", {
        state: ctx.state,
        event: event.type,
      });
    }
    if (entry === IGNORE) return [];
    const problem = PRECONDITIONS[event.type](ctx, event);
    if (problem !== undefined) throw new SessionStateError(problem, { state: ctx.state, event: event.type });

    const now = timeOf(event);
    if (now !== undefined && now > ctx.clock) ctx.clock = now;
    if (event.type === "tick") ctx.lastWait = undefined;

    const out: SessionCommand[] = [];
    if (!fire(ctx, entry, event, out)) {
      throw new SessionStateError("no row of the transition table matched", {
        state: ctx.state,
        event: event.type,
      });
    }
    // Each state-triggered row leaves its state or, like `hungry`, makes its own guard false, so
    // they settle within a few rounds; a table that does not is a bug, reported (rule 9), not a hang.
    let rounds = 0;
    for (let rows = STATE_TRANSITIONS[ctx.state]; rows !== undefined && fire(ctx, rows, event, out); ) {
      rounds += 1;
      if (rounds > STATE_ROUNDS_MAX) {
        throw new SessionStateError("the state-triggered transitions do not settle", {
          state: ctx.state,
          event: event.type,
        });
      }
      rows = STATE_TRANSITIONS[ctx.state];
    }

    const deadline = nextDeadline(ctx);
    if (deadline !== undefined && deadline !== ctx.lastWait) out.push({ type: "wait", until: deadline });
    ctx.lastWait = deadline;
    return out;
  } catch (error) {
    ctx.state = "failed";
    if (ctx.error === undefined) ctx.error = error;
    throw error;
  }
}
