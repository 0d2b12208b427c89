/**
 * Small checks and a scripted server for testing the runner and reporters without the protocol
 * checks: each fixture breaks, keeps or skips its "rule" in one known way.
 */
import fc from "fast-check";
import type { Check, Protocol } from "../src/check.ts";
import type { Target } from "../src/context.ts";
import type { RuleEntry } from "../src/generated/rules.ts";

export const TOKEN = "fixture-token-0123456789";
export const OTHER_TOKEN = "fixture-other-token-9876543210";

export function target(protocol: Protocol = "basespace"): Target {
  return {
    protocol,
    baseUrl: "https://api.example.test/v1pre3",
    token: TOKEN,
    otherToken: OTHER_TOKEN,
    appResultId: "42",
  };
}

export function rule(
  id: string,
  level: "must" | "should",
  protocol: RuleEntry["protocol"] = "basespace",
): RuleEntry {
  return { id, protocol, level, source: "test", statement: `statement of ${id}`, check: `check of ${id}` };
}

/** A scripted server that breaks the part-number rule: any positive part number is accepted. */
export const scriptedFetch: typeof fetch = async (input) => {
  const url = new URL(String(input));
  const n = Number(url.searchParams.get("partNumber"));
  const accepted = Number.isInteger(n) && n >= 1;
  return new Response(
    JSON.stringify(
      accepted ? { ok: true } : { ResponseStatus: { ErrorCode: "BadRequest", Message: "bad part" } },
    ),
    { status: accepted ? 200 : 400, headers: { "content-type": "application/json" } },
  );
};

export const checks = {
  passes: {
    id: "T-PASS",
    protocol: "basespace",
    title: "always kept",
    async run() {},
  },
  /** A property over part numbers that the scripted server breaks at 10001. */
  property: {
    id: "T-PROPERTY",
    protocol: "basespace",
    title: "part numbers outside 1..10000 are refused",
    async run(ctx) {
      await ctx.property(
        fc.integer({ min: 10_001, max: 20_000 }),
        async (partNumber) => {
          const answer = await ctx.http.request({
            method: "PUT",
            url: `${ctx.target.baseUrl}/files/1/parts?partNumber=${partNumber}&access_token=${ctx.target.token}`,
            headers: { "x-access-token": ctx.target.token },
            body: "x",
          });
          if (answer.status !== 400) ctx.fail(`part ${partNumber} answered ${answer.status}, expected 400`);
        },
        { numRuns: 50 },
      );
    },
  },
  fails: {
    id: "T-FAIL",
    protocol: "basespace",
    title: "always broken",
    async run(ctx) {
      const answer = await ctx.http.request({
        method: "GET",
        url: `${ctx.target.baseUrl}/files?partNumber=0`,
        headers: { authorization: `Bearer ${ctx.target.token}` },
      });
      ctx.fail(`answered ${answer.status} with token ${ctx.target.token}`);
    },
  },
  skips: {
    id: "T-SKIP",
    protocol: "basespace",
    title: "needs another identity",
    async run(ctx) {
      ctx.skip("needs --other-token");
    },
  },
  throws: {
    id: "T-THROW",
    protocol: "basespace",
    title: "a defect in the check",
    async run() {
      throw new TypeError("undefined is not a function");
    },
  },
  hangs: {
    id: "T-HANG",
    protocol: "basespace",
    title: "never finishes",
    async run(ctx) {
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
    },
  },
  should: {
    id: "T-SHOULD",
    protocol: "basespace",
    title: "a should rule that is broken",
    async run(ctx) {
      ctx.fail("broken");
    },
  },
  spends: {
    id: "T-SPEND",
    protocol: "basespace",
    title: "uploads 10 MiB",
    async run(ctx) {
      ctx.spend(10 * 1024 * 1024);
    },
  },
} satisfies Record<string, Check>;

export const rules: readonly RuleEntry[] = [
  rule("T-PASS", "must"),
  rule("T-PROPERTY", "must"),
  rule("T-FAIL", "must"),
  rule("T-SKIP", "must"),
  rule("T-THROW", "must"),
  rule("T-HANG", "must"),
  rule("T-SHOULD", "should"),
  rule("T-SPEND", "must"),
  rule("T-UNCHECKED-MUST", "must"),
  rule("T-UNCHECKED-SHOULD", "should"),
  rule("T-YF", "must", "youforce"),
  rule("T-MIME", "must", "mime"),
];
