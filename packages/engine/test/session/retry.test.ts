/**
 * The retry policy: capped exponential backoff with full jitter (AWS "Exponential Backoff And
 * Jitter"), never undercutting a server's Retry-After, with documented, validated defaults.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  backoffCap,
  DEFAULT_RETRY_POLICY,
  type RetryOptions,
  type RetryPolicy,
  retryDelay,
  SessionConfigError,
} from "../../src/session/index.ts";
import { resolveRetryPolicy } from "../../src/session/retry.ts";

const policyArb: fc.Arbitrary<RetryPolicy> = fc.record({
  maxRetriesPerPart: fc.nat(20),
  baseDelayMs: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 10_000, noNaN: true })),
  maxDelayMs: fc.double({ min: 0, max: 100_000, noNaN: true }),
  totalRetryBudget: fc.option(fc.nat(100), { nil: undefined }),
});
const draw = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
/** Retry counts, biased to the edge where 2^n overflows. */
const retries = fc.oneof(fc.nat(30), fc.integer({ min: 1020, max: 1030 }), fc.nat(5000));

describe("backoffCap", () => {
  it("is min(maxDelayMs, baseDelayMs × 2^n): doubling, then flat at the cap, even when 2^n overflows", () => {
    fc.assert(
      fc.property(policyArb, retries, (policy, n) => {
        const cap = backoffCap(policy, n);
        // 2^n is Infinity from n = 1024; a zero base must still give 0, not 0 × Infinity = NaN.
        const grown = policy.baseDelayMs === 0 ? 0 : policy.baseDelayMs * 2 ** n;
        expect(cap).toBe(Math.min(policy.maxDelayMs, grown));
        expect(cap).toBeLessThanOrEqual(policy.maxDelayMs);
        expect(Number.isFinite(cap)).toBe(true);
        expect(backoffCap(policy, n + 1)).toBeGreaterThanOrEqual(cap);
      }),
    );
  });

  it("with the defaults: 250, 500, 1000 … 16 000, then 20 000 ms", () => {
    const caps = Array.from({ length: 8 }, (_, n) => backoffCap(DEFAULT_RETRY_POLICY, n));
    expect(caps).toEqual([250, 500, 1000, 2000, 4000, 8000, 16_000, 20_000]);
  });
});

describe("retryDelay (full jitter)", () => {
  it("lies within [0, cap] and is exactly draw × cap without Retry-After", () => {
    fc.assert(
      fc.property(policyArb, retries, draw, (policy, n, r) => {
        const delay = retryDelay(policy, n, r);
        expect(delay).toBe(r * backoffCap(policy, n));
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(backoffCap(policy, n));
      }),
    );
  });

  it("never undercuts Retry-After, and adds nothing to it beyond the jitter draw", () => {
    fc.assert(
      fc.property(
        policyArb,
        retries,
        draw,
        fc.double({ min: 0, max: 1e7, noNaN: true }),
        (policy, n, r, after) => {
          const delay = retryDelay(policy, n, r, after);
          expect(delay).toBeGreaterThanOrEqual(after);
          expect(delay).toBeLessThanOrEqual(Math.max(after, backoffCap(policy, n)));
          expect(delay).toBe(Math.max(after, r * backoffCap(policy, n)));
        },
      ),
    );
  });

  it("refuses a random() outside [0, 1), which would break the window", () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.oneof(
          fc.constant(1),
          fc.constant(Number.NaN),
          fc.double({ max: -Number.MIN_VALUE }),
          fc.double({ min: 1 }),
        ),
        (policy, bad) => {
          expect(() => retryDelay(policy, 0, bad)).toThrow(SessionConfigError);
        },
      ),
    );
  });
});

describe("resolveRetryPolicy", () => {
  it("fills every missing field from the defaults and keeps the given ones", () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            maxRetriesPerPart: fc.nat(50),
            baseDelayMs: fc.nat(10_000),
            maxDelayMs: fc.nat(100_000),
            totalRetryBudget: fc.nat(50),
          },
          { requiredKeys: [] },
        ),
        (given) => {
          expect(resolveRetryPolicy(given)).toEqual({ ...DEFAULT_RETRY_POLICY, ...given });
        },
      ),
    );
  });

  it.each([
    ["retry.maxRetriesPerPart", { maxRetriesPerPart: 1.5 }],
    ["retry.baseDelayMs", { baseDelayMs: -1 }],
    ["retry.maxDelayMs", { maxDelayMs: Number.NaN }],
    ["retry.totalRetryBudget", { totalRetryBudget: -3 }],
    ["retry.maxRetriesPerPart", { maxRetriesPerPart: null }],
    ["retry.totalRetryBudget", { totalRetryBudget: null }],
  ])("names the bad field: %s", (path, given) => {
    expect(() => resolveRetryPolicy(given as RetryOptions)).toThrow(
      expect.objectContaining({ code: "PW_SESSION_CONFIG", path }),
    );
  });
});
