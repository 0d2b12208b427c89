/**
 * The transition table, checked as data and against its interpreter: every (state, event) pair
 * does what the table says — the listed rows' target, `ignore`, or a `SessionStateError` that
 * leaves the session failed — and the table's shape keeps the rules in transitions.ts's header.
 * Each check runs on a closed session and on an open-ended one (parts added while it runs).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type PartSpec, SessionStateError, UploadSession } from "../../src/session/index.ts";
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

type Kind = "closed" | "openEnded";
const KINDS: readonly Kind[] = ["closed", "openEnded"];

/**
 * A session brought to `state` by ordinary events; part 1 is in flight in `uploading`. An
 * open-ended one knows parts 1 and 2 (or 1) and, in `idle` and `uploading`, still accepts more.
 */
function sessionIn(state: SessionState, kind: Kind = "closed"): UploadSession {
  const session = new UploadSession({
    parts:
      state === "idle" || state === "uploading"
        ? [
            { number: 1, size: 1 },
            { number: 2, size: 1 },
          ]
        : [{ number: 1, size: 1 }],
    openEnded: kind === "openEnded",
    concurrency: 1,
    random: () => 0,
  });
  if (state === "idle") return session;
  session.start(0);
  if (kind === "openEnded" && state !== "uploading" && state !== "failed" && state !== "aborted") {
    session.endParts();
  }
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
  addPart: (s) => s.addPart({ number: s.progress.partsTotal + 1, size: 1 }),
  endParts: (s) => s.endParts(),
};

/** Only an open-ended session takes parts as it runs: a closed one rejects these by precondition. */
const OPEN_ENDED_ONLY: readonly SessionEventName[] = ["addPart", "endParts"];

/** Where one event can leave the session: a row's target, or where a state-triggered row moves on. */
function targetsOf(rows: readonly { readonly to: SessionState }[]): SessionState[] {
  return rows.flatMap((r) => [r.to, ...(STATE_TRANSITIONS[r.to] ?? []).map((t) => t.to)]);
}

describe("the interpreter follows the table", () => {
  for (const kind of KINDS) {
    for (const state of STATES) {
      for (const event of SESSION_EVENTS) {
        const entry = EVENT_TRANSITIONS[state][event];
        const rejected =
          entry === undefined || (entry !== IGNORE && kind === "closed" && OPEN_ENDED_ONLY.includes(event));
        const expected = rejected
          ? "throws SessionStateError"
          : entry === IGNORE
            ? "is ignored"
            : `goes to ${entry!.map((r) => r.to).join(" | ")}`;
        it(`${event} in ${state} (${kind}) ${expected}`, () => {
          const session = sessionIn(state, kind);
          if (rejected) {
            expect(() => validEvent[event](session)).toThrow(SessionStateError);
            expect(session.state).toBe("failed");
            expect(session.error).toBeInstanceOf(SessionStateError);
            expect(session.error).toMatchObject({ code: "PW_SESSION_STATE", state, event });
          } else if (entry === IGNORE) {
            expect(validEvent[event](session)).toEqual([]);
            expect(session.state).toBe(state);
          } else {
            validEvent[event](session);
            expect(targetsOf(entry!)).toContain(session.state);
          }
        });
      }
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
    for (const kind of KINDS) {
      const session = sessionIn("uploading", kind);
      expect(() => misuse(session)).toThrow(SessionStateError);
      expect(session.state).toBe("failed");
    }
  });

  // The open-ended session of sessionIn knows parts 1 and 2, so only part 3 may come next.
  const badParts: Array<[string, unknown]> = [
    ["part number 0", { number: 0, size: 1 }],
    ["a part number already known", { number: 2, size: 1 }],
    ["a part number that leaves a gap", { number: 4, size: 1 }],
    ["a fractional part number", { number: 2.5, size: 1 }],
    ["a part number as text", { number: "3", size: 1 }],
    ["no part number", { size: 1 }],
    ["a negative size", { number: 3, size: -1 }],
    ["a fractional size", { number: 3, size: 0.5 }],
    ["a NaN size", { number: 3, size: Number.NaN }],
    ["an unsafe size", { number: 3, size: 2 ** 53 }],
    ["no size", { number: 3 }],
    ["null for a part", null],
    ["a number for a part", 3],
  ];
  for (const state of ["idle", "uploading"] as const) {
    it.each(badParts)(`addPart with %s in ${state} throws and fails the session`, (_, part) => {
      const session = sessionIn(state, "openEnded");
      expect(() => session.addPart(part as PartSpec)).toThrow(SessionStateError);
      expect(session.state).toBe("failed");
      expect(session.error).toMatchObject({ code: "PW_SESSION_STATE", event: "addPart", state });
    });
  }

  const badSequences: Array<[string, Kind, (s: UploadSession) => void, RegExp]> = [
    ["addPart on a closed session", "closed", (s) => s.addPart({ number: 3, size: 1 }), /not open-ended/],
    ["endParts on a closed session", "closed", (s) => s.endParts(), /not open-ended/],
    [
      "addPart after endParts",
      "openEnded",
      (s) => {
        s.endParts();
        s.addPart({ number: 3, size: 1 });
      },
      /endParts was called/,
    ],
    [
      "endParts twice",
      "openEnded",
      (s) => {
        s.endParts();
        s.endParts();
      },
      /already called/,
    ],
  ];
  for (const state of ["idle", "uploading"] as const) {
    it.each(badSequences)(`%s in ${state} throws and fails the session`, (_, kind, misuse, message) => {
      const session = sessionIn(state, kind);
      expect(() => misuse(session)).toThrow(message);
      expect(session.state).toBe("failed");
      expect(session.error).toBeInstanceOf(SessionStateError);
    });
  }

  it("endParts with no part known throws: an empty stream is one empty part", () => {
    const idle = new UploadSession({ parts: [], openEnded: true, random: () => 0 });
    expect(() => idle.endParts()).toThrow(/an empty stream is one empty part/);
    expect(idle.state).toBe("failed");

    const uploading = new UploadSession({ parts: [], openEnded: true, random: () => 0 });
    expect(uploading.start(0)).toEqual([{ type: "needPart" }]);
    expect(() => uploading.endParts()).toThrow(SessionStateError);
    expect(uploading.state).toBe("failed");

    const empty = new UploadSession({ parts: [], openEnded: true, random: () => 0 });
    empty.start(0);
    expect(empty.addPart({ number: 1, size: 0 })).toEqual([
      { type: "sendPart", number: 1, size: 0, attempt: 1 },
      { type: "needPart" },
    ]);
    expect(empty.endParts()).toEqual([]);
    expect(empty.partSucceeded(1, "e")).toEqual([
      { type: "complete", parts: [{ number: 1, etag: "e" }], attempt: 1 },
    ]);
  });

  it("any malformed argument, however hostile, throws SessionStateError and nothing else", () => {
    // The open-ended session of sessionIn knows parts 1 and 2.
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
      (s, v) => s.addPart({ number: v as number, size: 1 }),
      (s, v) => s.addPart({ number: 3, size: v as number }),
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...KINDS),
        fc.nat(events.length - 1),
        // Leave out what some of these events accept: strings, booleans, finite numbers, undefined.
        hostile.filter(
          (v) => typeof v !== "string" && typeof v !== "boolean" && !Number.isFinite(v) && v !== undefined,
        ),
        (kind, which, value) => {
          const session = sessionIn("uploading", kind);
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
        fc.constantFrom(...KINDS),
        fc.array(fc.tuple(fc.constantFrom(...SESSION_EVENTS), anyValue, anyValue), { maxLength: 10 }),
        (state, kind, events) => {
          const session = sessionIn(state, kind);
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

  it("parts are added and ended only before completion, in idle and uploading", () => {
    for (const state of STATES) {
      for (const event of OPEN_ENDED_ONLY) {
        const entry = EVENT_TRANSITIONS[state][event];
        if (state === "idle" || state === "uploading") {
          expect(entry).not.toBe(IGNORE);
          expect(entry).toHaveLength(1);
          expect(entry !== IGNORE && entry?.[0]?.to).toBe(state);
        } else if (TERMINAL_STATES.includes(state) && state !== "done") {
          expect(entry).toBe(IGNORE);
        } else {
          expect(entry).toBeUndefined();
        }
      }
    }
  });

  it("needPart is emitted only by the hungry row, which stays in uploading, after completion is checked", () => {
    const rows = STATES.flatMap((from) => [
      ...Object.values(EVENT_TRANSITIONS[from]).flatMap((e) => (e === IGNORE || e === undefined ? [] : e)),
      ...(STATE_TRANSITIONS[from] ?? []),
    ]);
    expect(rows.filter((r) => r.do.includes("emitNeedPart"))).toEqual([
      { when: "hungry", to: "uploading", do: ["emitNeedPart"] },
    ]);
    expect(STATE_TRANSITIONS.uploading?.map((r) => r.when)).toEqual(["allPartsSucceeded", "hungry"]);
  });

  it("each guarded list ends with an unguarded row, so some row always matches", () => {
    for (const state of STATES) {
      for (const entry of Object.values(EVENT_TRANSITIONS[state])) {
        if (entry !== IGNORE && entry !== undefined) expect(entry.at(-1)?.when).toBeUndefined();
      }
    }
  });
});
