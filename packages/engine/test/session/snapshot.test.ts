/**
 * Snapshots for resume: plain JSON, validated on the way back in, and a restored session sends
 * only the parts that had not succeeded — an open-ended one then goes on taking parts from where
 * its source continues.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type SessionSnapshot,
  SessionSnapshotError,
  SNAPSHOT_FORMAT,
  UploadSession,
} from "../../src/session/index.ts";
import { parseSnapshot } from "../../src/session/snapshot.ts";
import { randomSource, seededRandom } from "./support/random.ts";
import { alwaysOk, type Environment, type Outcome, sendCounts, sends, simulate } from "./support/simulate.ts";

const partsArb = fc.uniqueArray(
  fc.record({ number: fc.integer({ min: 1, max: 10_000 }), size: fc.nat(5_000_000) }),
  {
    selector: (p) => p.number,
    minLength: 1,
    maxLength: 10,
  },
);

function flaky(seed: number): Environment {
  const rng = seededRandom(seed);
  const outcome = (): Outcome => (rng() < 0.7 ? { kind: "ok" } : { kind: "retryable" });
  return {
    part: () => ({ latency: Math.floor(rng() * 100), outcome: outcome() }),
    complete: () => ({ latency: Math.floor(rng() * 100), outcome: outcome() }),
  };
}

const jsonRoundTrip = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));

describe("resume", () => {
  it("a session restored from JSON sends exactly the parts that had not succeeded, each once, then completes with every ETag", () => {
    fc.assert(
      fc.property(
        partsArb,
        fc.integer({ min: 1, max: 4 }),
        fc.nat(40),
        fc.integer(),
        randomSource,
        (parts, concurrency, stopAfter, seed, random) => {
          const first = new UploadSession({
            parts,
            concurrency,
            random: random.make(),
            retry: { baseDelayMs: 10 },
          });
          const before = simulate(first, flaky(seed), { stopAfterSteps: stopAfter });
          const snapshot = first.snapshot();
          const succeeded = new Map(
            snapshot.parts.flatMap((p) => (p.state === "succeeded" ? [[p.number, p.etag] as const] : [])),
          );
          expect(succeeded.size).toBe(first.progress.partsDone);

          const resumed = UploadSession.restore(jsonRoundTrip(snapshot), { random: random.make() });
          expect(resumed.state).toBe("idle");
          expect(resumed.progress).toEqual({ ...first.progress, inFlight: 0 });
          const after = simulate(resumed, alwaysOk());

          const missing = parts.map((p) => p.number).filter((n) => !succeeded.has(n));
          expect([...sendCounts(after).keys()].sort((a, b) => a - b)).toEqual(missing.sort((a, b) => a - b));
          for (const count of sendCounts(after).values()) expect(count).toBe(1);
          // Attempt numbers carry on from the first run.
          const sentBefore = sendCounts(before);
          for (const s of sends(after)) expect(s.attempt).toBe((sentBefore.get(s.number) ?? 0) + 1);

          expect(resumed.state).toBe("done");
          const complete = after.commands.find(({ command }) => command.type === "complete")?.command;
          expect(complete?.type === "complete" && complete.parts.map((p) => p.number)).toEqual(
            parts.map((p) => p.number).sort((a, b) => a - b),
          );
          for (const p of complete?.type === "complete" ? complete.parts : []) {
            if (succeeded.has(p.number)) expect(p.etag).toBe(succeeded.get(p.number));
          }
        },
      ),
    );
  });

  it("an open-ended session restored from JSON mid-stream sends only the missing known parts, then takes the rest of its source", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(5_000_000), { minLength: 1, maxLength: 10 }),
        fc.nat(10),
        fc.integer({ min: 1, max: 4 }),
        fc.nat(40),
        fc.integer(),
        randomSource,
        (sizes, knownDraw, concurrency, stopAfter, seed, random) => {
          const parts = sizes.map((size, i) => ({ number: i + 1, size }));
          const known = Math.min(knownDraw, parts.length);
          const first = new UploadSession({
            parts: parts.slice(0, known),
            openEnded: true,
            concurrency,
            random: random.make(),
            retry: { baseDelayMs: 10 },
          });
          const before = simulate(first, flaky(seed), {
            stopAfterSteps: stopAfter,
            source: { parts: parts.slice(known), readLatency: 15 },
          });
          const snapshot = first.snapshot();
          expect(snapshot).toMatchObject({ openEnded: true, partsEnded: first.partsEnded });
          const succeeded = new Map(
            snapshot.parts.flatMap((p) => (p.state === "succeeded" ? [[p.number, p.etag] as const] : [])),
          );

          const resumed = UploadSession.restore(jsonRoundTrip(snapshot), { random: random.make() });
          expect(resumed.state).toBe("idle");
          expect(resumed.openEnded).toBe(true);
          expect(resumed.partsEnded).toBe(first.partsEnded);
          expect(resumed.progress).toEqual({ ...first.progress, inFlight: 0 });
          // The driver's source continues after the last part the snapshot knows.
          const knownAtStop = resumed.progress.partsTotal;
          const after = simulate(resumed, alwaysOk(), {
            source: { parts: parts.slice(knownAtStop), readLatency: 15 },
          });

          // Known parts that had not succeeded, and every part read afterwards: each sent once.
          const missing = parts.map((p) => p.number).filter((n) => !succeeded.has(n));
          expect([...sendCounts(after).keys()].sort((a, b) => a - b)).toEqual(missing);
          for (const count of sendCounts(after).values()) expect(count).toBe(1);
          const sentBefore = sendCounts(before);
          for (const s of sends(after)) expect(s.attempt).toBe((sentBefore.get(s.number) ?? 0) + 1);
          // Parts the snapshot knew need no read: only those after it were asked for.
          const reads = after.steps.filter((s) => s.event.startsWith("read part"));
          expect(reads.map((s) => s.event)).toEqual(
            parts.slice(knownAtStop).map((p) => `read part ${p.number}`),
          );

          expect(resumed.state).toBe("done");
          const complete = after.commands.find(({ command }) => command.type === "complete")?.command;
          expect(complete?.type === "complete" && complete.parts.map((p) => p.number)).toEqual(
            parts.map((p) => p.number),
          );
          for (const p of complete?.type === "complete" ? complete.parts : []) {
            if (succeeded.has(p.number)) expect(p.etag).toBe(succeeded.get(p.number));
          }
        },
      ),
    );
  });

  it("records an open-ended session's part list as it stood, and nothing of that for a closed one", () => {
    const session = new UploadSession({ parts: [], openEnded: true, concurrency: 2, random: () => 0 });
    session.start(0);
    session.addPart({ number: 1, size: 4 });
    session.partSucceeded(1, '"a"');
    session.addPart({ number: 2, size: 3 });
    expect(session.snapshot()).toEqual({
      format: SNAPSHOT_FORMAT,
      version: 1,
      config: { concurrency: 2, retry: { maxRetriesPerPart: 5, baseDelayMs: 250, maxDelayMs: 20_000 } },
      parts: [
        { number: 1, size: 4, state: "succeeded", etag: '"a"', attempts: 1 },
        { number: 2, size: 3, state: "pending", attempts: 1 },
      ],
      openEnded: true,
      partsEnded: false,
    });
    const restored = UploadSession.restore(jsonRoundTrip(session.snapshot()), { random: () => 0 });
    expect(restored.start(0)).toEqual([
      { type: "sendPart", number: 2, size: 3, attempt: 2 },
      { type: "needPart" },
    ]);
    expect(() => restored.addPart({ number: 2, size: 3 })).toThrow(/the next part is number 3/);

    session.endParts();
    expect(session.snapshot()).toMatchObject({ openEnded: true, partsEnded: true });
    const ended = UploadSession.restore(jsonRoundTrip(session.snapshot()), { random: () => 0 });
    expect(ended.start(0)).toEqual([{ type: "sendPart", number: 2, size: 3, attempt: 2 }]);
    expect(ended.partSucceeded(2, '"b"')).toMatchObject([{ type: "complete" }]);

    const closed = new UploadSession({ parts: [{ number: 1, size: 1 }], random: () => 0 }).snapshot();
    expect(Object.keys(closed)).toEqual(["format", "version", "config", "parts"]);
  });

  it("counts parts in flight or waiting for a retry as pending", () => {
    const session = new UploadSession({
      parts: [1, 2, 3].map((number) => ({ number, size: 10 })),
      concurrency: 3,
      random: () => 0.5,
    });
    session.start(0);
    session.partSucceeded(1, '"a"');
    session.partFailed(2, new Error("503"), { retryable: true, retryAfterMs: 1000 });
    expect(session.snapshot()).toEqual({
      format: SNAPSHOT_FORMAT,
      version: 1,
      config: { concurrency: 3, retry: { maxRetriesPerPart: 5, baseDelayMs: 250, maxDelayMs: 20_000 } },
      parts: [
        { number: 1, size: 10, state: "succeeded", etag: '"a"', attempts: 1 },
        { number: 2, size: 10, state: "pending", attempts: 1 },
        { number: 3, size: 10, state: "pending", attempts: 1 },
      ],
    });
  });

  it("keeps the snapshot's configuration unless restore overrides it, and budgets start afresh", () => {
    const session = new UploadSession({
      parts: [{ number: 1, size: 1 }],
      concurrency: 2,
      retry: { maxRetriesPerPart: 1, totalRetryBudget: 3 },
      random: () => 0,
    });
    session.start(0);
    session.partFailed(1, new Error("503"), { retryable: true });
    const restored = UploadSession.restore(jsonRoundTrip(session.snapshot()), {
      random: () => 0,
      retry: { baseDelayMs: 5 },
    });
    expect(restored.concurrency).toBe(2);
    expect(restored.retryPolicy).toEqual({
      maxRetriesPerPart: 1,
      baseDelayMs: 5,
      maxDelayMs: 20_000,
      totalRetryBudget: 3,
    });
    expect(restored.start(0)).toEqual([{ type: "sendPart", number: 1, size: 1, attempt: 3 }]);
    // One retry is allowed again in the new run.
    expect(restored.partFailed(1, new Error("503"), { retryable: true })).toEqual([
      { type: "sendPart", number: 1, size: 1, attempt: 4 },
    ]);
    expect(
      UploadSession.restore(jsonRoundTrip(session.snapshot()), { random: () => 0, concurrency: 7 })
        .concurrency,
    ).toBe(7);
  });
});

const valid: SessionSnapshot = {
  format: SNAPSHOT_FORMAT,
  version: 1,
  config: {
    concurrency: 2,
    retry: { maxRetriesPerPart: 3, baseDelayMs: 100, maxDelayMs: 1000, totalRetryBudget: 4 },
  },
  parts: [
    { number: 1, size: 5, state: "succeeded", etag: '"x"', attempts: 2 },
    { number: 2, size: 5, state: "pending", attempts: 0 },
  ],
};

// biome-ignore lint/suspicious/noExplicitAny: corruptions reach into arbitrary places of the JSON
type Json = Record<string, any>;

const corruptions: Array<[string, string, (s: Json) => unknown]> = [
  ["not an object", "$", () => "snapshot"],
  ["an array", "$", () => [valid]],
  ["a foreign format", "format", (s) => ({ ...s, format: "tus.upload" })],
  ["no format", "format", ({ format: _, ...s }) => s],
  ["a newer version", "version", (s) => ({ ...s, version: 2 })],
  ["a version as text", "version", (s) => ({ ...s, version: "1" })],
  ["no config", "config", ({ config: _, ...s }) => s],
  ["concurrency 0", "config.concurrency", (s) => ({ ...s, config: { ...s.config, concurrency: 0 } })],
  ["no retry", "config.retry", (s) => ({ ...s, config: { concurrency: 1 } })],
  [
    "a missing retry field",
    "config.retry.baseDelayMs",
    (s) => ({ ...s, config: { ...s.config, retry: { maxRetriesPerPart: 1, maxDelayMs: 1 } } }),
  ],
  [
    "a negative delay",
    "config.retry.maxDelayMs",
    (s) => ({ ...s, config: { ...s.config, retry: { ...s.config.retry, maxDelayMs: -1 } } }),
  ],
  ["parts as an object", "parts", (s) => ({ ...s, parts: {} })],
  ["a part that is null", "parts[1]", (s) => ({ ...s, parts: [s.parts[0], null] })],
  [
    "a duplicate part",
    "parts[1].number",
    (s) => ({ ...s, parts: [s.parts[0], { ...s.parts[1], number: 1 }] }),
  ],
  ["part number 0", "parts[1].number", (s) => ({ ...s, parts: [s.parts[0], { ...s.parts[1], number: 0 }] })],
  [
    "a fractional size",
    "parts[0].size",
    (s) => ({ ...s, parts: [{ ...s.parts[0], size: 1.5 }, s.parts[1]] }),
  ],
  [
    "an unknown part state",
    "parts[1].state",
    (s) => ({ ...s, parts: [s.parts[0], { ...s.parts[1], state: "inFlight" }] }),
  ],
  [
    "a succeeded part without ETag",
    "parts[0].etag",
    (s) => ({ ...s, parts: [{ ...s.parts[0], etag: undefined }, s.parts[1]] }),
  ],
  [
    "a pending part with an ETag",
    "parts[1].etag",
    (s) => ({ ...s, parts: [s.parts[0], { ...s.parts[1], etag: '"y"' }] }),
  ],
  [
    "a succeeded part never sent",
    "parts[0].attempts",
    (s) => ({ ...s, parts: [{ ...s.parts[0], attempts: 0 }, s.parts[1]] }),
  ],
  [
    "missing attempts",
    "parts[1].attempts",
    (s) => ({ ...s, parts: [s.parts[0], { ...s.parts[1], attempts: undefined }] }),
  ],
];

const validOpenEnded: SessionSnapshot = {
  ...valid,
  parts: [...valid.parts, { number: 3, size: 2, state: "pending", attempts: 1 }],
  openEnded: true,
  partsEnded: false,
};

const openEndedCorruptions: Array<[string, string, (s: Json) => unknown]> = [
  ["openEnded as text", "openEnded", (s) => ({ ...s, openEnded: "true" })],
  ["openEnded null", "openEnded", (s) => ({ ...s, openEnded: null })],
  ["no partsEnded", "partsEnded", ({ partsEnded: _, ...s }) => s],
  ["partsEnded as a number", "partsEnded", (s) => ({ ...s, partsEnded: 1 })],
  ["partsEnded on a closed session", "partsEnded", ({ openEnded: _, ...s }) => s],
  ["partsEnded with openEnded false", "partsEnded", (s) => ({ ...s, openEnded: false })],
  ["a gap in the part numbers", "parts[1].number", (s) => ({ ...s, parts: [s.parts[0], s.parts[2]] })],
  [
    "parts not starting at 1 (the first part beyond the count is blamed)",
    "parts[2].number",
    (s) => ({ ...s, parts: s.parts.map((p: Json) => ({ ...p, number: p.number + 1 })) }),
  ],
  ["an ended list with no part", "parts", (s) => ({ ...s, parts: [], partsEnded: true })],
];

describe("snapshot validation", () => {
  it("accepts its own snapshots unchanged after a JSON round trip", () => {
    expect(parseSnapshot(jsonRoundTrip(valid))).toEqual(valid);
    expect(parseSnapshot(jsonRoundTrip(validOpenEnded))).toEqual(validOpenEnded);
    expect(parseSnapshot({ ...validOpenEnded, parts: [] })).toEqual({ ...validOpenEnded, parts: [] });
  });

  it("reads a snapshot without openEnded, or with openEnded false, as a closed session", () => {
    expect(parseSnapshot({ ...valid, openEnded: false })).toEqual(valid);
    const restored = UploadSession.restore(jsonRoundTrip(valid), { random: () => 0 });
    expect(restored.openEnded).toBe(false);
    expect(restored.partsEnded).toBe(true);
  });

  it.each(openEndedCorruptions)("rejects %s at %s with SessionSnapshotError", (_, path, corrupt) => {
    const damaged = jsonRoundTrip(corrupt(jsonRoundTrip(validOpenEnded) as Json));
    expect(() => UploadSession.restore(damaged, { random: () => 0 })).toThrow(SessionSnapshotError);
    expect(() => parseSnapshot(damaged)).toThrow(
      expect.objectContaining({ code: "PW_SESSION_SNAPSHOT", path }),
    );
  });

  it("rejects openEnded or partsEnded replaced by any JSON that is not a boolean", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("openEnded", "partsEnded"),
        fc.jsonValue().filter((v) => typeof v !== "boolean"),
        (path, value) => {
          const damaged = { ...(jsonRoundTrip(validOpenEnded) as Json), [path]: value };
          expect(() => parseSnapshot(jsonRoundTrip(damaged))).toThrow(expect.objectContaining({ path }));
        },
      ),
    );
  });

  it.each(corruptions)("rejects %s at %s with SessionSnapshotError", (_, path, corrupt) => {
    const damaged = jsonRoundTrip(corrupt(jsonRoundTrip(valid) as Json));
    expect(() => UploadSession.restore(damaged, { random: () => 0 })).toThrow(SessionSnapshotError);
    expect(() => parseSnapshot(damaged)).toThrow(
      expect.objectContaining({ code: "PW_SESSION_SNAPSHOT", path }),
    );
  });

  it("rejects arbitrary JSON with SessionSnapshotError and nothing else", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(() => parseSnapshot(value)).toThrow(SessionSnapshotError);
      }),
    );
  });

  it("rejects any single field replaced by arbitrary JSON of the wrong kind", () => {
    const paths: Array<[string, (s: Json, v: unknown) => void]> = [
      [
        "config.concurrency",
        (s, v) => {
          s.config.concurrency = v;
        },
      ],
      [
        "config.retry.maxRetriesPerPart",
        (s, v) => {
          s.config.retry.maxRetriesPerPart = v;
        },
      ],
      [
        "parts[0].number",
        (s, v) => {
          s.parts[0].number = v;
        },
      ],
      [
        "parts[0].size",
        (s, v) => {
          s.parts[0].size = v;
        },
      ],
      [
        "parts[0].etag",
        (s, v) => {
          s.parts[0].etag = v;
        },
      ],
      [
        "parts[1].attempts",
        (s, v) => {
          s.parts[1].attempts = v;
        },
      ],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...paths),
        fc.jsonValue().filter((v) => typeof v !== "number" && typeof v !== "string"),
        ([path, set], value) => {
          const damaged = jsonRoundTrip(valid) as Json;
          set(damaged, value);
          expect(() => parseSnapshot(jsonRoundTrip(damaged))).toThrow(expect.objectContaining({ path }));
        },
      ),
    );
  });
});
