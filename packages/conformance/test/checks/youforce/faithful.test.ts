/**
 * The faithful YouForce reference server passes every YF-* and MIME-* check (YF-RATE-LIMIT is
 * skipped: the server has no rate limit unless configured; a second server with one passes it).
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

  test("YF-RATE-LIMIT passes against a server with a rate limit: 429, then success once the window ends", async () => {
    // The server's clock jumps a minute ahead once it has answered 429, so the check's first
    // retry finds the window over instead of waiting out a real minute.
    let shift = 0;
    const limited = await startYouforce({
      rateLimit: { requestsPerMinute: 25 },
      clock: () => Date.now() + shift,
    });
    const check = youforceChecks.find((c) => c.id === "YF-RATE-LIMIT")!;
    try {
      const outcome = await runCheck(check, limited.target, {
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          if (response.status === 429) shift = 61_000;
          return response;
        },
      });
      expect(outcome.status, describeOutcome(outcome)).toBe("passed");
    } finally {
      await limited.close();
    }
  });
});
