/**
 * "By default an outage of at least 60 s mid-upload is survived without a rerun", without 60 s of
 * test: the default retry policy is run on a virtual clock against a request that fails with a
 * network error until 60 s have passed, for any seed of the uniform jitter (a seeded generator,
 * so fast-check's bias towards extreme values does not stand for `Math.random`). The real-socket
 * counterpart, a server stopped for seconds under a scaled budget, is in protocol-youforce's
 * tests (test/upload/outage.test.ts).
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ClientError } from "../src/errors.ts";
import { DEFAULT_UPLOAD_RETRY, GaveUpError, retrying } from "../src/runner/retry.ts";

class Down extends ClientError {
  readonly code = "PW_DOWN";
}

/** A clock on which every timer fires at once, time jumping forward by its delay. */
function virtualClock() {
  let now = 0;
  return {
    now: () => now,
    setTimer(ms: number, fn: () => void) {
      const handle = setTimeout(() => {
        now += Math.max(0, ms);
        fn();
      }, 0);
      return () => clearTimeout(handle);
    },
  };
}

/** Uniform in [0, 1) from a seed (mulberry32). */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Runs one request that is refused (a network error) until `outageMs` of clock time passed. */
async function throughOutage(outageMs: number, seed: number, policy = DEFAULT_UPLOAD_RETRY) {
  const clock = virtualClock();
  let attempts = 0;
  const value = await retrying(
    "part 1",
    { policy, clock, random: uniform(seed), signal: new AbortController().signal },
    async () => {
      attempts += 1;
      if (clock.now() < outageMs)
        throw new Down("connect ECONNREFUSED", { kind: "network", operation: "x", retryable: true });
      return "stored";
    },
  );
  return { value, attempts, at: clock.now() };
}

describe("the default retry policy rides out a 60 s outage", () => {
  test("its time budget covers 60 s plus the longest backoff", () => {
    expect(DEFAULT_UPLOAD_RETRY.retryForMs).toBeGreaterThanOrEqual(60_000 + DEFAULT_UPLOAD_RETRY.maxDelayMs);
  });

  test("for any jitter seed, a request refused for 60 s succeeds without giving up", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), async (seed) => {
        const { value, attempts, at } = await throughOutage(60_000, seed);
        expect(value).toBe("stored");
        expect(attempts).toBeGreaterThan(1);
        expect(at).toBeGreaterThanOrEqual(60_000);
      }),
      { numRuns: 50 },
    );
  });

  test("the property can fail: a budget of 30 s gives up on the same outage, naming the last cause", async () => {
    await expect(throughOutage(60_000, 1, { ...DEFAULT_UPLOAD_RETRY, retryForMs: 30_000 })).rejects.toThrow(
      GaveUpError,
    );
    await expect(throughOutage(60_000, 1, { ...DEFAULT_UPLOAD_RETRY, retryForMs: 30_000 })).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });
});
