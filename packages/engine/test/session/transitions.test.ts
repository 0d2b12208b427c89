/**
 * The transition table, checked as data and against its interpreter: every (state, event) pair
 * does what the table says — the listed rows' target, `ignore`, or a `SessionStateError` that
 * leaves the session failed — and the table's shape keeps the rules in transitions.ts's header.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SessionStateError, UploadSession } from "../../src/session/index.ts";
import {
  EVENT_TRANSITIONS,
  IGNORE,
  INITIAL_STATE,
  SESSION_EVENTS,
  type SessionEventName,
  type SessionState,
  STATE_DESCRIPTIONS,
  STATE_TRANSITIONS,
  TERMINAL_STATES,
} from "../../src/session/transitions.ts";

const STATES = Object.keys(STATE_DESCRIPTIONS) as SessionState[];

/** A session brought to `state` by ordinary events; part 1 is in flight in `uploading`. */
function sessionIn(state: SessionState): UploadSession {
  const session = new UploadSession({
    parts:
      state === "idle" || state === "uploading"
        ? [
            { number: 1, size: 1 },
            { number: 2, size: 1 },
          ]
        : [{ number: 1, size: 1 }],
    concurrency: 1,
    random: () => 0,
  });
  if (state === "idle") return session;
  session.start(0);
  if (state === "uploading") return session;
  if (state === "failed") {
    session.partFailed(1, new Error("403"), { retryable: false });
    return session;
  }
  if (state === "aborted") {
    session.abort("stop");
    return session;
  }
  session.partSucceeded(1, "e1");
  if (state === "completeBackoff")
    session.completeFailed(new Error("503"), { retryable: true, retryAfterMs: 1000 });
  if (state === "done") session.completeSucceeded();
  expect(session.state).toBe(state);
  return session;
}

/** Each event with arguments that are valid in the states that accept it. */
const validEvent: Record<SessionEventName, (s: UploadSession) => readonly unknown[]> = {
  start: (s) => s.start(0),
  partSucceeded: (s) => s.partSucceeded(1, "e1"),
  partFailed: (s) => s.partFailed(1, new Error("503"), { retryable: true }),
  tick: (s) => s.tick(10),
  abort: (s) => s.abort("stop"),
  completeSucceeded: (s) => s.completeSucceeded(),
  completeFailed: (s) => s.completeFailed(new Error("503"), { retryable: true }),
};

/** Where one event can leave the session: a row's target, or where a state-triggered row moves on. */
function targetsOf(rows: readonly { readonly to: SessionState }[]): SessionState[] {
  return rows.flatMap((r) => [r.to, ...(STATE_TRANSITIONS[r.to] ?? []).map((t) => t.to)]);
}

describe("the interpreter follows the table", () => {
  for (const state of STATES) {
    for (const event of SESSION_EVENTS) {
      const entry = EVENT_TRANSITIONS[state][event];
      const expected =
        entry === undefined
          ? "throws SessionStateError"
          : entry === IGNORE
            ? "is ignored"
            : `goes to ${entry.map((r) => r.to).join(" | ")}`;
      it(`${event} in ${state} ${expected}`, () => {
        const session = sessionIn(state);
        if (entry === undefined) {
          expect(() => validEvent[event](session)).toThrow(SessionStateError);
          expect(session.state).toBe("failed");
          expect(session.error).toBeInstanceOf(SessionStateError);
          expect(session.error).toMatchObject({ code: "PW_SESSION_STATE", state, event });
        } else if (entry === IGNORE) {
          expect(validEvent[event](session)).toEqual([]);
          expect(session.state).toBe(state);
        } else {
          validEvent[event](session);
          expect(targetsOf(entry)).toContain(session.state);
        }
      });
    }
  }
});

describe("preconditions: a malformed event is a protocol error", () => {
  const bad: Array<[string, (s: UploadSession) => unknown]> = [
    ["a result for an unknown part", (s) => s.partSucceeded(99, "e")],
    ["a result for a part not yet sent", (s) => s.partSucceeded(2, "e")],
    ["a failure for a part not yet sent", (s) => s.partFailed(2, new Error(), { retryable: true })],
    ["a non-string ETag", (s) => s.partSucceeded(1, 42 as unknown as string)],
    [
      "a non-boolean retryable",
      (s) => s.partFailed(1, new Error(), { retryable: "yes" as unknown as boolean }),
    ],
    ["a negative Retry-After", (s) => s.partFailed(1, new Error(), { retryable: true, retryAfterMs: -1 })],
    ["a NaN failure time", (s) => s.partFailed(1, new Error(), { retryable: true, now: Number.NaN })],
    ["a tick without a finite time", (s) => s.tick(Number.POSITIVE_INFINITY)],
  ];
  it.each(bad)("%s in uploading throws and fails the session", (_, misuse) => {
    const session = sessionIn("uploading");
    expect(() => misuse(session)).toThrow(SessionStateError);
    expect(session.state).toBe("failed");
  });

  it("any malformed argument, however hostile, throws SessionStateError and nothing else", () => {
    const hostile = fc.oneof(
      fc.anything(),
      fc.constant({ toString: false }),
      fc.constant(Symbol("x")),
      fc.bigInt(),
    );
    const events: Array<(s: UploadSession, v: unknown) => unknown> = [
      (s, v) => s.tick(v as number),
      (s, v) => s.partSucceeded(v as number, "e"),
      (s, v) => s.partSucceeded(1, v as string),
      (s, v) => s.partFailed(v as number, new Error(), { retryable: true }),
      (s, v) => s.partFailed(1, new Error(), v as { retryable: boolean }),
      (s, v) => s.partFailed(1, new Error(), { retryable: true, retryAfterMs: v as number }),
      (s, v) => s.partFailed(1, new Error(), { retryable: v as boolean }),
    ];
    fc.assert(
      fc.property(
        fc.nat(events.length - 1),
        // Leave out what some of these events accept: strings, booleans, finite numbers, undefined.
        hostile.filter(
          (v) => typeof v !== "string" && typeof v !== "boolean" && !Number.isFinite(v) && v !== undefined,
        ),
        (which, value) => {
          const session = sessionIn("uploading");
          expect(() => events[which]!(session, value)).toThrow(SessionStateError);
          expect(session.state).toBe("failed");
        },
      ),
    );
  });

  it("a duplicate success for a part is rejected, not ignored (it could carry the wrong ETag)", () => {
    const session = sessionIn("uploading");
    session.partSucceeded(1, "e1");
    expect(() => session.partSucceeded(1, "e1-again")).toThrow(/part 1 is not in flight \(it is succeeded\)/);
    expect(session.state).toBe("failed");
  });
});

describe("failed and aborted are sticky", () => {
  it("every event afterwards, with any arguments, returns no command and changes nothing", () => {
    const anyValue = fc.oneof(fc.anything(), fc.double(), fc.integer());
    fc.assert(
      fc.property(
        fc.constantFrom<SessionState>("failed", "aborted"),
        fc.array(fc.tuple(fc.constantFrom(...SESSION_EVENTS), anyValue, anyValue), { maxLength: 10 }),
        (state, events) => {
          const session = sessionIn(state);
          for (const [event, a, b] of events) {
            const s = session as unknown as Record<SessionEventName, (...args: unknown[]) => unknown>;
            expect(s[event].call(session, a, b, { retryable: a })).toEqual([]);
            expect(session.state).toBe(state);
          }
        },
      ),
    );
  });
});

describe("the table's shape", () => {
  it("every state can be reached from the initial state", () => {
    const seen = new Set<SessionState>([INITIAL_STATE]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const state of [...seen]) {
        const rows = [
          ...Object.values(EVENT_TRANSITIONS[state]).flatMap((e) =>
            e === IGNORE || e === undefined ? [] : e,
          ),
          ...(STATE_TRANSITIONS[state] ?? []),
        ];
        for (const row of rows) {
          if (!seen.has(row.to)) {
            seen.add(row.to);
            grew = true;
          }
        }
      }
    }
    expect([...seen].sort()).toEqual([...STATES].sort());
  });

  it("terminal states only ignore events, and no state-triggered row leaves them", () => {
    for (const state of TERMINAL_STATES) {
      for (const entry of Object.values(EVENT_TRANSITIONS[state])) expect(entry).toBe(IGNORE);
      expect(STATE_TRANSITIONS[state]).toBeUndefined();
    }
  });

  it("every live state accepts a user abort and goes to aborted, emitting abort", () => {
    for (const state of STATES.filter((s) => !TERMINAL_STATES.includes(s))) {
      expect(EVENT_TRANSITIONS[state].abort).toEqual([{ to: "aborted", do: ["emitAbort"] }]);
    }
  });

  it("every row into failed emits fail then abort; only completing rows emit complete", () => {
    const rows = STATES.flatMap((from) => [
      ...Object.values(EVENT_TRANSITIONS[from]).flatMap((e) => (e === IGNORE || e === undefined ? [] : e)),
      ...(STATE_TRANSITIONS[from] ?? []),
    ]);
    for (const row of rows) {
      if (row.to === "failed") expect(row.do.at(-1)).toMatch(/^fail(WithReportedError|RetriesExhausted)$/);
      if (row.do.includes("emitComplete")) expect(row.to).toBe("completing");
      if (row.do.includes("fillSlots")) expect(row.to).toBe("uploading");
    }
  });

  it("each guarded list ends with an unguarded row, so some row always matches", () => {
    for (const state of STATES) {
      for (const entry of Object.values(EVENT_TRANSITIONS[state])) {
        if (entry !== IGNORE && entry !== undefined) expect(entry.at(-1)?.when).toBeUndefined();
      }
    }
  });
});
