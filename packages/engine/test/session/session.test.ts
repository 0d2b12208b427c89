/**
 * UploadSession driven end to end by a simulated driver in virtual time (support/simulate.ts):
 * a few readable runs first, then the rules of transitions.ts as properties over random part
 * plans, policies, server behaviour and randomness, for closed sessions and for open-ended ones
 * fed from a source on `needPart`. The command-by-command model-based test is
 * session.model.test.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  backoffCap,
  isPartwiseError,
  RetriesExhaustedError,
  type SessionCommand,
  SessionConfigError,
  UploadSession,
  type UploadSessionOptions,
} from "../../src/index.ts";
import { randomSource, seededRandom } from "./support/random.ts";
import {
  alwaysOk,
  type Environment,
  etagOf,
  type Outcome,
  type SimulationResult,
  sendCounts,
  sends,
  simulate,
} from "./support/simulate.ts";

const ok: Outcome = { kind: "ok" };
const partsArb = fc.uniqueArray(
  fc.record({ number: fc.integer({ min: 1, max: 10_000 }), size: fc.nat(5_000_000) }),
  {
    selector: (p) => p.number,
    minLength: 1,
    maxLength: 8,
  },
);

function typesOf(result: SimulationResult): string[] {
  return result.commands.map(({ command }) => command.type);
}

function commandsAfterFirst(result: SimulationResult, type: SessionCommand["type"]): SessionCommand[] {
  const all = result.commands.map(({ command }) => command);
  const at = all.findIndex((c) => c.type === type);
  return at === -1 ? [] : all.slice(at + 1);
}

describe("a full run, step by step", () => {
  it("uploads three parts two at a time and completes with the ETags in ascending order", () => {
    const session = new UploadSession({
      parts: [
        { number: 3, size: 100 },
        { number: 1, size: 500 },
        { number: 2, size: 500 },
      ],
      concurrency: 2,
      random: () => 0,
    });
    const latency: Record<number, number> = { 1: 30, 2: 10, 3: 10 };
    const result = simulate(session, {
      part: (n) => ({ latency: latency[n]!, outcome: ok }),
      complete: () => ({ latency: 5, outcome: ok }),
    });

    expect(result.steps.map((s) => [s.at, s.event, s.commands])).toEqual([
      [
        0,
        "start",
        [
          { type: "sendPart", number: 1, size: 500, attempt: 1 },
          { type: "sendPart", number: 2, size: 500, attempt: 1 },
        ],
      ],
      [10, "part 2#1 ok", [{ type: "sendPart", number: 3, size: 100, attempt: 1 }]],
      [20, "part 3#1 ok", []],
      [
        30,
        "part 1#1 ok",
        [
          {
            type: "complete",
            attempt: 1,
            parts: [
              { number: 1, etag: etagOf(1, 1) },
              { number: 2, etag: etagOf(2, 1) },
              { number: 3, etag: etagOf(3, 1) },
            ],
          },
        ],
      ],
      [35, "complete#1 ok", []],
    ]);
    expect(session.state).toBe("done");
    expect(session.progress).toEqual({
      partsTotal: 3,
      partsDone: 3,
      bytesTotal: 1100,
      bytesDone: 1100,
      inFlight: 0,
    });
  });

  it("retries a part after a 503 with Retry-After, never earlier, then completes", () => {
    const session = new UploadSession({
      parts: [
        { number: 1, size: 10 },
        { number: 2, size: 10 },
      ],
      random: () => 0.5,
    });
    const result = simulate(session, {
      part: (n, attempt) => ({
        latency: 100,
        outcome: n === 2 && attempt === 1 ? { kind: "retryable", retryAfterMs: 1000 } : ok,
      }),
      complete: () => ({ latency: 100, outcome: ok }),
    });

    // The jitter draw (0.5 × 250 ms) is shorter than Retry-After, so Retry-After wins.
    expect(result.steps.map((s) => [s.at, s.event, s.commands.map((c) => c.type)])).toEqual([
      [0, "start", ["sendPart", "sendPart"]],
      [100, "part 1#1 ok", []],
      [100, "part 2#1 retryable", ["wait"]],
      [1100, "timer 1100", ["sendPart"]],
      [1200, "part 2#2 ok", ["complete"]],
      [1300, "complete#1 ok", []],
    ]);
    expect(result.commands[2]?.command).toEqual({ type: "wait", until: 1100 });
    expect(result.commands[3]?.command).toEqual({ type: "sendPart", number: 2, size: 10, attempt: 2 });
    expect(session.state).toBe("done");
  });

  it("gives up on a part after maxRetriesPerPart retries: fail, then abort, then nothing", () => {
    const session = new UploadSession({
      parts: [{ number: 7, size: 1 }],
      retry: { maxRetriesPerPart: 2, baseDelayMs: 100 },
      random: () => 0.99,
    });
    const result = simulate(session, {
      part: () => ({ latency: 10, outcome: { kind: "retryable" } }),
      complete: () => ({ latency: 10, outcome: ok }),
    });

    expect(typesOf(result)).toEqual(["sendPart", "wait", "sendPart", "wait", "sendPart", "fail", "abort"]);
    const fail = result.commands.at(-2)!.command;
    const abort = result.commands.at(-1)!.command;
    expect(fail.type === "fail" && fail.error).toBeInstanceOf(RetriesExhaustedError);
    expect(fail).toMatchObject({
      error: { code: "PW_RETRIES_EXHAUSTED", target: 7, attempts: 3, budget: "perPart" },
    });
    expect(fail.type === "fail" && (fail.error as Error).cause).toEqual(
      new Error("part 7 attempt 3: retryable"),
    );
    expect(abort).toEqual({ type: "abort", reason: fail.type === "fail" ? fail.error : undefined });
    expect(session.state).toBe("failed");
    expect(session.error).toBe(fail.type === "fail" ? fail.error : undefined);
  });

  it("fails at once on a non-retryable failure, with the driver's own error", () => {
    const session = new UploadSession({ parts: [{ number: 1, size: 1 }], random: () => 0 });
    const commands = session.start(0);
    expect(commands).toEqual([{ type: "sendPart", number: 1, size: 1, attempt: 1 }]);
    const forbidden = new Error("403 Forbidden");
    expect(session.partFailed(1, forbidden, { retryable: false })).toEqual([
      { type: "fail", error: forbidden },
      { type: "abort", reason: forbidden },
    ]);
    expect(session.state).toBe("failed");
  });

  it("retries the completion request and emits complete again with the same parts", () => {
    const session = new UploadSession({ parts: [{ number: 1, size: 1 }], random: () => 0 });
    const result = simulate(session, {
      part: () => ({ latency: 10, outcome: ok }),
      complete: (attempt) => ({
        latency: 10,
        outcome: attempt === 1 ? { kind: "retryable", retryAfterMs: 50 } : ok,
      }),
    });
    const completes = result.commands.filter(({ command }) => command.type === "complete");
    expect(completes.map(({ at, command }) => [at, command])).toEqual([
      [10, { type: "complete", attempt: 1, parts: [{ number: 1, etag: etagOf(1, 1) }] }],
      [70, { type: "complete", attempt: 2, parts: [{ number: 1, etag: etagOf(1, 1) }] }],
    ]);
    expect(session.state).toBe("done");
  });

  it("stops on a user abort: one abort command, then late results are ignored", () => {
    const session = new UploadSession({
      parts: Array.from({ length: 6 }, (_, i) => ({ number: i + 1, size: 1 })),
      concurrency: 2,
      random: () => 0,
    });
    const result = simulate(session, alwaysOk(100), { abortAt: 150, deliverLateResults: true });
    expect(typesOf(result)).toEqual(["sendPart", "sendPart", "sendPart", "sendPart", "abort"]);
    expect(result.commands.at(-1)).toEqual({ at: 150, command: { type: "abort", reason: "user abort" } });
    expect(result.steps.filter((s) => s.at > 150).map((s) => [s.event, s.commands])).toEqual([
      ["part 3#1 ok", []],
      ["part 4#1 ok", []],
    ]);
    expect(session.state).toBe("aborted");
  });

  it("reports progress as parts succeed", () => {
    const session = new UploadSession({
      parts: [
        { number: 1, size: 5 },
        { number: 2, size: 7 },
      ],
      concurrency: 1,
      random: () => 0,
    });
    expect(session.progress).toEqual({
      partsTotal: 2,
      partsDone: 0,
      bytesTotal: 12,
      bytesDone: 0,
      inFlight: 0,
    });
    session.start(0);
    expect(session.progress).toMatchObject({ partsDone: 0, bytesDone: 0, inFlight: 1 });
    session.partSucceeded(1, "a");
    expect(session.progress).toMatchObject({ partsDone: 1, bytesDone: 5, inFlight: 1 });
    session.partSucceeded(2, "b");
    expect(session.progress).toEqual({
      partsTotal: 2,
      partsDone: 2,
      bytesTotal: 12,
      bytesDone: 12,
      inFlight: 0,
    });
  });

  it("never lets time run backwards: a failure stamped before the latest tick counts from the tick", () => {
    const session = new UploadSession({
      parts: [
        { number: 1, size: 1 },
        { number: 2, size: 1 },
      ],
      random: () => 0,
    });
    session.start(0);
    session.partSucceeded(2, "b");
    expect(session.tick(1000)).toEqual([]);
    expect(session.partFailed(1, new Error("503"), { retryable: true, retryAfterMs: 100, now: 10 })).toEqual([
      { type: "wait", until: 1100 },
    ]);
    expect(session.tick(1099)).toEqual([{ type: "wait", until: 1100 }]);
  });

  it("fails the session when the injected random() leaves [0, 1)", () => {
    const session = new UploadSession({ parts: [{ number: 1, size: 1 }], random: () => 1 });
    session.start(0);
    expect(() => session.partFailed(1, new Error("503"), { retryable: true })).toThrow(SessionConfigError);
    expect(session.state).toBe("failed");
  });

  it("completes at once when there are no parts", () => {
    const session = new UploadSession({ parts: [], random: () => 0 });
    expect(session.start(0)).toEqual([{ type: "complete", parts: [], attempt: 1 }]);
  });
});

/** Parts 1 … n of the given sizes: what a stream is cut into. */
const numbered = (sizes: readonly number[]) => sizes.map((size, i) => ({ number: i + 1, size }));

describe("an open-ended upload (a stream), step by step", () => {
  it("reads a part whenever a slot is free, one read at a time, and completes only after endParts", () => {
    const session = new UploadSession({ parts: [], openEnded: true, concurrency: 2, random: () => 0 });
    const result = simulate(session, alwaysOk(10), {
      source: { parts: numbered([100, 100, 50]), readLatency: 5 },
    });

    expect(result.steps.map((s) => [s.at, s.event, s.commands])).toEqual([
      [0, "start", [{ type: "needPart" }]],
      [5, "read part 1", [{ type: "sendPart", number: 1, size: 100, attempt: 1 }, { type: "needPart" }]],
      // Both slots are busy now: no needPart until one frees up.
      [10, "read part 2", [{ type: "sendPart", number: 2, size: 100, attempt: 1 }]],
      [15, "part 1#1 ok", [{ type: "needPart" }]],
      // A slot frees up while the read is outstanding: the session does not ask twice.
      [20, "part 2#1 ok", []],
      [20, "read part 3", [{ type: "sendPart", number: 3, size: 50, attempt: 1 }, { type: "needPart" }]],
      [25, "read end", []],
      [
        30,
        "part 3#1 ok",
        [
          {
            type: "complete",
            attempt: 1,
            parts: [1, 2, 3].map((n) => ({ number: n, etag: etagOf(n, 1) })),
          },
        ],
      ],
      [40, "complete#1 ok", []],
    ]);
    expect(session.state).toBe("done");
    expect(session.partsEnded).toBe(true);
    expect(session.progress).toEqual({
      partsTotal: 3,
      partsDone: 3,
      bytesTotal: 250,
      bytesDone: 250,
      inFlight: 0,
    });
  });

  it("keeps reading while a part waits out its retry backoff", () => {
    const session = new UploadSession({ parts: [], openEnded: true, concurrency: 1, random: () => 0 });
    const result = simulate(
      session,
      {
        part: (n, attempt) => ({
          latency: 10,
          outcome: n === 1 && attempt === 1 ? { kind: "retryable", retryAfterMs: 100 } : ok,
        }),
        complete: () => ({ latency: 10, outcome: ok }),
      },
      { source: { parts: numbered([10, 20]), readLatency: 5 } },
    );

    expect(result.steps.map((s) => [s.at, s.event, s.commands.map((c) => c.type)])).toEqual([
      [0, "start", ["needPart"]],
      [5, "read part 1", ["sendPart"]],
      // Part 1 waits until 115; its slot is free meanwhile, so the session asks for part 2.
      [15, "part 1#1 retryable", ["needPart", "wait"]],
      [20, "read part 2", ["sendPart"]],
      [30, "part 2#1 ok", ["needPart"]],
      [35, "read end", []],
      [115, "timer 115", ["sendPart"]],
      [125, "part 1#2 ok", ["complete"]],
      [135, "complete#1 ok", []],
    ]);
    expect(session.state).toBe("done");
  });

  it("lets the driver add parts it already has before starting, and grows the totals as parts come", () => {
    const session = new UploadSession({ parts: [], openEnded: true, concurrency: 2, random: () => 0 });
    expect(session.openEnded).toBe(true);
    expect(session.partsEnded).toBe(false);
    expect(session.addPart({ number: 1, size: 8 })).toEqual([]);
    expect(session.progress).toMatchObject({ partsTotal: 1, bytesTotal: 8 });
    expect(session.start(0)).toEqual([
      { type: "sendPart", number: 1, size: 8, attempt: 1 },
      { type: "needPart" },
    ]);
    expect(session.addPart({ number: 2, size: 3 })).toEqual([
      { type: "sendPart", number: 2, size: 3, attempt: 1 },
    ]);
    expect(session.progress).toMatchObject({ partsTotal: 2, bytesTotal: 11, inFlight: 2 });
    expect(session.partSucceeded(1, "a")).toEqual([{ type: "needPart" }]);
    expect(session.partSucceeded(2, "b")).toEqual([]);
    expect(session.endParts()).toEqual([
      {
        type: "complete",
        attempt: 1,
        parts: [
          { number: 1, etag: "a" },
          { number: 2, etag: "b" },
        ],
      },
    ]);
    expect(session.partsEnded).toBe(true);
  });

  it("uploads an empty stream as one empty part", () => {
    const session = new UploadSession({ parts: [], openEnded: true, random: () => 0 });
    const result = simulate(session, alwaysOk(), { source: { parts: [{ number: 1, size: 0 }] } });
    expect(session.state).toBe("done");
    expect(result.commands.find(({ command }) => command.type === "complete")?.command).toEqual({
      type: "complete",
      attempt: 1,
      parts: [{ number: 1, etag: etagOf(1, 1) }],
    });
  });
});

describe("options", () => {
  const base: UploadSessionOptions = { parts: [{ number: 1, size: 1 }], random: () => 0 };
  it.each<[string, Partial<Record<keyof UploadSessionOptions, unknown>>]>([
    ["concurrency", { concurrency: 0 }],
    ["concurrency", { concurrency: 1.5 }],
    ["random", { random: 0.5 }],
    ["parts", { parts: "1-3" }],
    [
      "parts[1].number",
      {
        parts: [
          { number: 1, size: 1 },
          { number: 1, size: 2 },
        ],
      },
    ],
    ["parts[0].number", { parts: [{ number: 0, size: 1 }] }],
    ["parts[0].size", { parts: [{ number: 1, size: -1 }] }],
    ["retry.maxRetriesPerPart", { retry: { maxRetriesPerPart: -1 } }],
    ["retry.baseDelayMs", { retry: { baseDelayMs: Number.NaN } }],
    ["retry.maxDelayMs", { retry: { maxDelayMs: Number.POSITIVE_INFINITY } }],
    ["retry.totalRetryBudget", { retry: { totalRetryBudget: 2.5 } }],
    ["openEnded", { openEnded: "yes" }],
    ["openEnded", { openEnded: 1 }],
    ["parts[0].number", { openEnded: true, parts: [{ number: 2, size: 1 }] }],
    [
      "parts[1].number",
      {
        openEnded: true,
        parts: [
          { number: 1, size: 1 },
          { number: 3, size: 1 },
        ],
      },
    ],
  ])("rejects a bad %s with SessionConfigError", (path, override) => {
    const attempt = () => new UploadSession({ ...base, ...override } as UploadSessionOptions);
    expect(attempt).toThrow(SessionConfigError);
    try {
      attempt();
    } catch (error) {
      expect(isPartwiseError(error)).toBe(true);
      expect(error).toMatchObject({ code: "PW_SESSION_CONFIG", path });
    }
  });

  it("takes an open-ended session's known parts in any order, as long as they are 1 … n", () => {
    const session = new UploadSession({
      parts: [
        { number: 2, size: 7 },
        { number: 1, size: 5 },
      ],
      openEnded: true,
      concurrency: 1,
      random: () => 0,
    });
    expect(session.start(0)).toEqual([{ type: "sendPart", number: 1, size: 5, attempt: 1 }]);
    expect(session.addPart({ number: 3, size: 1 })).toEqual([]);
  });

  it("documents its defaults: closed, concurrency 4, 5 retries, 250 ms doubling up to 20 s", () => {
    const session = new UploadSession(base);
    expect(session.openEnded).toBe(false);
    expect(session.partsEnded).toBe(true);
    expect(session.concurrency).toBe(4);
    expect(session.retryPolicy).toEqual({
      maxRetriesPerPart: 5,
      baseDelayMs: 250,
      maxDelayMs: 20_000,
      totalRetryBudget: undefined,
    });
  });
});

/** Per part, how many retryable failures before it succeeds; completion likewise. */
function flakyEnvironment(
  failures: ReadonlyMap<number, number>,
  completeFailures: number,
  seed: number,
  log: Map<string, { latency: number; retryAfterMs: number | undefined }>,
): Environment {
  const rng = seededRandom(seed);
  const respond = (key: string, fail: boolean) => {
    const latency = Math.floor(rng() * 300);
    const retryAfterMs = fail && rng() < 0.4 ? Math.floor(rng() * 2000) : undefined;
    log.set(key, { latency, retryAfterMs });
    const outcome: Outcome = !fail
      ? ok
      : retryAfterMs === undefined
        ? { kind: "retryable" }
        : { kind: "retryable", retryAfterMs };
    return { latency, outcome };
  };
  return {
    part: (n, attempt) => respond(`${n}#${attempt}`, attempt <= (failures.get(n) ?? 0)),
    complete: (attempt) => respond(`complete#${attempt}`, attempt <= completeFailures),
  };
}

describe("properties of whole runs", () => {
  it("completes exactly once, with every ETag ascending, when each request eventually succeeds within budget", () => {
    fc.assert(
      fc.property(
        partsArb,
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.nat(4), { minLength: 8, maxLength: 8 }),
        fc.nat(4),
        fc.integer(),
        randomSource,
        (parts, concurrency, maxRetries, failureDraws, completeDraw, seed, random) => {
          const failures = new Map(parts.map((p, i) => [p.number, Math.min(failureDraws[i]!, maxRetries)]));
          const completeFailures = Math.min(completeDraw, maxRetries);
          const log = new Map<string, { latency: number; retryAfterMs: number | undefined }>();
          const retry = { maxRetriesPerPart: maxRetries, baseDelayMs: 100, maxDelayMs: 2000 };
          const session = new UploadSession({ parts, concurrency, retry, random: random.make() });
          const result = simulate(session, flakyEnvironment(failures, completeFailures, seed, log));

          expect(session.state).toBe("done");
          expect(result.maxInFlight).toBeLessThanOrEqual(concurrency);

          // Each part is sent once per failure plus the one that succeeded, attempts in order,
          // and never again after its success.
          const all = sends(result);
          for (const part of parts) {
            const attempts = all.filter((s) => s.number === part.number).map((s) => s.attempt);
            expect(attempts).toEqual(Array.from({ length: failures.get(part.number)! + 1 }, (_, i) => i + 1));
          }

          // complete comes after the last send, once per completion attempt, with the ETag of
          // each part's successful attempt, in ascending part number.
          const types = typesOf(result);
          const firstComplete = types.indexOf("complete");
          expect(types.lastIndexOf("sendPart")).toBeLessThan(firstComplete);
          const completes = result.commands.flatMap(({ command }) =>
            command.type === "complete" ? [command] : [],
          );
          expect(completes).toHaveLength(completeFailures + 1);
          const expected = [...parts]
            .sort((a, b) => a.number - b.number)
            .map((p) => ({ number: p.number, etag: etagOf(p.number, failures.get(p.number)! + 1) }));
          for (const complete of completes) expect(complete.parts).toEqual(expected);

          // A retry is never sent before the failure plus Retry-After, and — when a slot is
          // always free — no later than the failure plus max(Retry-After, backoff cap).
          for (const send of all.filter((s) => s.attempt > 1)) {
            const previous = all.find((s) => s.number === send.number && s.attempt === send.attempt - 1)!;
            const { latency, retryAfterMs } = log.get(`${send.number}#${previous.attempt}`)!;
            const failedAt = previous.at + latency;
            expect(send.at).toBeGreaterThanOrEqual(failedAt + (retryAfterMs ?? 0));
            if (concurrency >= parts.length) {
              const cap = backoffCap(session.retryPolicy, send.attempt - 2);
              expect(send.at).toBeLessThanOrEqual(failedAt + Math.max(retryAfterMs ?? 0, cap));
            }
          }
        },
      ),
    );
  });

  it("never sends a part more than maxRetriesPerPart + 1 times nor retries beyond the total budget; fails when spent", () => {
    fc.assert(
      fc.property(
        partsArb,
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.option(fc.nat(6), { nil: undefined }),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        fc.nat(),
        randomSource,
        (parts, concurrency, maxRetries, totalRetryBudget, failingDraws, failingPick, random) => {
          // At least one part always fails, retryably.
          const failing = new Set(parts.filter((_, i) => failingDraws[i]).map((p) => p.number));
          failing.add(parts[failingPick % parts.length]!.number);
          const session = new UploadSession({
            parts,
            concurrency,
            retry: { maxRetriesPerPart: maxRetries, baseDelayMs: 50, maxDelayMs: 400, totalRetryBudget },
            random: random.make(),
          });
          const result = simulate(
            session,
            {
              part: (n) => ({ latency: 20, outcome: failing.has(n) ? { kind: "retryable" } : ok }),
              complete: () => ({ latency: 20, outcome: ok }),
            },
            { deliverLateResults: true },
          );

          expect(session.state).toBe("failed");
          const counts = sendCounts(result);
          for (const count of counts.values()) expect(count).toBeLessThanOrEqual(maxRetries + 1);
          const retries = [...counts.values()].reduce((sum, c) => sum + c - 1, 0);
          if (totalRetryBudget !== undefined) expect(retries).toBeLessThanOrEqual(totalRetryBudget);

          // fail, then abort, then nothing — and the error says which budget ran out.
          const types = typesOf(result);
          expect(types.filter((t) => t === "fail")).toHaveLength(1);
          expect(types.slice(types.indexOf("fail"))).toEqual(["fail", "abort"]);
          expect(types).not.toContain("complete");
          const error = session.error as RetriesExhaustedError;
          expect(error).toBeInstanceOf(RetriesExhaustedError);
          expect(failing.has(error.target as number)).toBe(true);
          if (error.budget === "perPart") {
            expect(error.attempts).toBe(maxRetries + 1);
            expect(counts.get(error.target as number)).toBe(maxRetries + 1);
          } else {
            // The session-wide budget ran out first. Retries count when scheduled (some may never
            // have been sent): every retryable failure before the fatal one scheduled one.
            const failAt = result.steps.findIndex((s) => s.commands.some((c) => c.type === "fail"));
            const scheduled = result.steps.slice(0, failAt).filter((s) => s.event.endsWith("retryable"));
            expect(scheduled).toHaveLength(totalRetryBudget!);
            expect(error.attempts).toBeLessThanOrEqual(maxRetries);
          }
        },
      ),
    );
  });

  it("waits exactly max(Retry-After, random() × min(maxDelayMs, baseDelayMs × 2^n)) before retry n + 1", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.array(fc.option(fc.integer({ min: 0, max: 30_000 }), { nil: undefined }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.integer(),
        (baseDelayMs, maxDelayMs, retryAfters, seed) => {
          const draws: number[] = [];
          const rng = seededRandom(seed);
          const random = () => {
            const draw = rng();
            draws.push(draw);
            return draw;
          };
          const session = new UploadSession({
            parts: [{ number: 1, size: 1 }],
            retry: { maxRetriesPerPart: retryAfters.length, baseDelayMs, maxDelayMs },
            random,
          });
          let now = 1_000_000;
          session.start(now);
          retryAfters.forEach((retryAfterMs, n) => {
            now += 7;
            const failure =
              retryAfterMs === undefined ? { retryable: true, now } : { retryable: true, retryAfterMs, now };
            const out = session.partFailed(1, new Error("503"), failure);
            const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** n);
            const jitter = draws[n]! * cap;
            expect(jitter).toBeGreaterThanOrEqual(0);
            expect(jitter).toBeLessThanOrEqual(cap);
            const until = now + Math.max(retryAfterMs ?? 0, jitter);
            const resend = { type: "sendPart", number: 1, size: 1, attempt: n + 2 };
            if (until <= now) {
              expect(out).toEqual([resend]);
            } else {
              expect(out).toEqual([{ type: "wait", until }]);
              // An early tick sends nothing and restates the deadline.
              expect(session.tick(now)).toEqual([{ type: "wait", until }]);
              now = until;
              expect(session.tick(now)).toEqual([resend]);
            }
          });
        },
      ),
    );
  });

  it("an open-ended upload fed on needPart completes once with every part of its source, each sent only after it was added", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(5_000_000), { minLength: 1, maxLength: 8 }),
        fc.nat(8),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.nat(3), { minLength: 8, maxLength: 8 }),
        fc.nat(300),
        fc.integer(),
        randomSource,
        (sizes, knownDraw, concurrency, maxRetries, failureDraws, readLatency, seed, random) => {
          const parts = numbered(sizes);
          const known = Math.min(knownDraw, parts.length);
          const failures = new Map(parts.map((p, i) => [p.number, Math.min(failureDraws[i]!, maxRetries)]));
          const log = new Map<string, { latency: number; retryAfterMs: number | undefined }>();
          const session = new UploadSession({
            parts: parts.slice(0, known),
            openEnded: true,
            concurrency,
            retry: { maxRetriesPerPart: maxRetries, baseDelayMs: 100, maxDelayMs: 2000 },
            random: random.make(),
          });
          // simulate throws if a needPart comes while the previous read is outstanding.
          const result = simulate(session, flakyEnvironment(failures, 0, seed, log), {
            source: { parts: parts.slice(known), readLatency },
          });

          expect(session.state).toBe("done");
          expect(result.maxInFlight).toBeLessThanOrEqual(concurrency);

          // Every needPart was answered by exactly one read: one per streamed part, then the end.
          const types = typesOf(result);
          expect(types.filter((t) => t === "needPart")).toHaveLength(parts.length - known + 1);
          const events = result.steps.map((s) => s.event);
          const endAt = events.indexOf("read end");
          expect(endAt).not.toBe(-1);

          // A streamed part is first sent in the step that added it or later.
          for (const part of parts.slice(known)) {
            const addedAt = events.indexOf(`read part ${part.number}`);
            const firstSend = result.steps.findIndex((s) =>
              s.commands.some((c) => c.type === "sendPart" && c.number === part.number),
            );
            expect(addedAt).not.toBe(-1);
            expect(firstSend).toBeGreaterThanOrEqual(addedAt);
          }

          // complete comes once, after endParts, with every part's successful ETag ascending.
          const completes = result.steps.flatMap((s, i) =>
            s.commands.flatMap((c) => (c.type === "complete" ? [{ step: i, command: c }] : [])),
          );
          expect(completes).toHaveLength(1);
          expect(completes[0]!.step).toBeGreaterThanOrEqual(endAt);
          expect(completes[0]!.command.parts).toEqual(
            parts.map((p) => ({ number: p.number, etag: etagOf(p.number, failures.get(p.number)! + 1) })),
          );
          expect(session.progress).toMatchObject({
            partsTotal: parts.length,
            bytesTotal: sizes.reduce((a, b) => a + b, 0),
          });
        },
      ),
    );
  });

  it("emits nothing at all after an abort, whoever aborted, while late results keep arriving", () => {
    fc.assert(
      fc.property(
        partsArb,
        fc.boolean(),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer(),
        randomSource,
        (planned, openEnded, concurrency, abortAt, seed, random) => {
          // An open-ended session gets the same sizes from its source, numbered 1 … n.
          const parts = openEnded ? numbered(planned.map((p) => p.size)) : planned;
          const rng = seededRandom(seed);
          const outcome = (): Outcome => {
            const r = rng();
            return r < 0.6
              ? ok
              : r < 0.95
                ? { kind: "retryable", retryAfterMs: Math.floor(r * 100) }
                : { kind: "fatal" };
          };
          const session = new UploadSession({
            parts: openEnded ? [] : parts,
            openEnded,
            concurrency,
            retry: { maxRetriesPerPart: 3, baseDelayMs: 50 },
            random: random.make(),
          });
          const result = simulate(
            session,
            {
              part: () => ({ latency: Math.floor(rng() * 200), outcome: outcome() }),
              complete: () => ({ latency: Math.floor(rng() * 200), outcome: outcome() }),
            },
            { abortAt, deliverLateResults: true, source: { parts, readLatency: 20 } },
          );
          expect(result.maxInFlight).toBeLessThanOrEqual(concurrency);
          const types = typesOf(result);
          expect(types.filter((t) => t === "abort").length).toBeLessThanOrEqual(1);
          expect(commandsAfterFirst(result, "abort")).toEqual([]);
          if (session.state === "aborted") {
            expect(result.commands.at(-1)).toEqual({
              at: abortAt,
              command: { type: "abort", reason: "user abort" },
            });
          } else {
            expect(["done", "failed"]).toContain(session.state);
          }
        },
      ),
    );
  });
});
