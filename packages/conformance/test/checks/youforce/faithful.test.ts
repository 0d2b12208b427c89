/**
 * The faithful YouForce reference server passes every YF-* and MIME-* check (YF-RATE-LIMIT is
 * skipped: the server has no rate limit unless configured; a second server with one passes it, and
 * a target that declares a limit it does not apply fails it).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { youforceChecks } from "../../../src/checks/youforce/index.ts";
import { describeOutcome, runCheck, startYouforce, type Youforce } from "./harness.ts";

let server: Youforce;
beforeAll(async () => {
  server = await startYouforce();
});
afterAll(() => server.close());

const timings: string[] = [];
afterAll(() => console.log(`YouForce checks against the faithful server:\n${timings.join("\n")}`));

describe("the faithful YouForce reference server", () => {
  test.each(youforceChecks.map((check) => [check.id, check] as const))("passes %s", async (id, check) => {
    const outcome = await runCheck(check, server.target);
    timings.push(`  ${id.padEnd(30)} ${outcome.status.padEnd(8)} ${outcome.ms} ms`);
    expect(outcome.status, describeOutcome(outcome)).toBe(id === "YF-RATE-LIMIT" ? "skipped" : "passed");
  });

  test("YF-RATE-LIMIT passes against a server with a rate limit: 429 with Retry-After, then success", async () => {
    // One-second windows, so the check waits at most a second; the target declares the limit, so
    // the check knows how large a burst must be refused.
    const limited = await startYouforce({ rateLimit: { requestsPerSecond: 10 } });
    const check = youforceChecks.find((c) => c.id === "YF-RATE-LIMIT")!;
    try {
      const outcome = await runCheck(check, {
        ...limited.target,
        rateLimit: { requests: 10, windowMs: 1000 },
      });
      expect(outcome.status, describeOutcome(outcome)).toBe("passed");
      // Without a declared limit the check finds it by probing.
      const probed = await runCheck(check, limited.target);
      expect(probed.status, describeOutcome(probed)).toBe("passed");
    } finally {
      await limited.close();
    }
  });

  test("YF-RATE-LIMIT fails a server that declares a limit it does not apply", async () => {
    const check = youforceChecks.find((c) => c.id === "YF-RATE-LIMIT")!;
    const outcome = await runCheck(check, {
      ...server.target,
      rateLimit: { requests: 10, windowMs: 60_000 },
    });
    expect(outcome.status, describeOutcome(outcome)).toBe("failed");
  });
});
