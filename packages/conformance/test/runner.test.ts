import { describe, expect, test } from "vitest";
import type { Check } from "../src/check.ts";
import { exitCodeOf } from "../src/report.ts";
import {
  ConformanceConfigError,
  type ProgressEvent,
  type RunOptions,
  runConformance,
} from "../src/runner.ts";
import { checks, OTHER_TOKEN, rules, scriptedFetch, TOKEN, target } from "./fixtures.ts";

const run = (options: Partial<RunOptions> & { suite: readonly Check[] }) =>
  runConformance({
    protocol: "basespace",
    targets: { basespace: target() },
    rules,
    seed: 1234,
    fetch: scriptedFetch,
    ...options,
  });

const byId = (report: Awaited<ReturnType<typeof runConformance>>, id: string) => {
  const result = report.checks.find((c) => c.id === id);
  if (!result) throw new Error(`no result for ${id}`);
  return result;
};

describe("runConformance", () => {
  test("reports one result per rule of the protocol, in catalogue order, with the seed", async () => {
    const report = await run({ suite: [checks.skips, checks.passes, checks.fails] });
    expect(report.protocol).toBe("basespace");
    expect(report.target).toBe("https://api.example.test/v1pre3");
    expect(report.seed).toBe(1234);
    expect(report.checks.map((c) => c.id)).toEqual(
      rules.filter((r) => r.protocol === "basespace").map((r) => r.id),
    );
    expect(byId(report, "T-PASS")).toMatchObject({ status: "passed", level: "must" });
    expect(byId(report, "T-SKIP")).toMatchObject({ status: "skipped", message: "needs --other-token" });
    expect(byId(report, "T-FAIL")).toMatchObject({ status: "failed", seed: 1234 });
    for (const result of report.checks) expect(Number.isInteger(result.durationMs)).toBe(true);
  });

  test("a random seed is chosen and reported when none is given", async () => {
    const report = await runConformance({
      protocol: "basespace",
      targets: { basespace: target() },
      rules,
      suite: [checks.passes],
      checks: "T-PASS",
    });
    expect(Number.isInteger(report.seed)).toBe(true);
  });

  test("a property failure carries the shrunk counterexample, seed, path, exchange and replay", async () => {
    const report = await run({ suite: [checks.property], checks: "T-PROPERTY" });
    const result = byId(report, "T-PROPERTY");
    expect(result.status).toBe("failed");
    expect(result.counterexample).toBe("10001");
    expect(result.seed).toBe(1234);
    expect(result.path).toMatch(/^\d+(:\d+)*$/);
    expect(result.exchange).toMatchObject({ method: "PUT", status: 200 });
    expect(result.exchange?.url).toContain("partNumber=10001");
    expect(result.exchange?.url).not.toContain(TOKEN);
    expect(result.replay).toBe(
      `partwise conformance --protocol basespace --base-url https://api.example.test/v1pre3 --app-result 42 --checks T-PROPERTY --seed 1234 --path ${result.path}`,
    );

    // The replay command's seed and path go straight to the counterexample.
    const replayed = await run({ suite: [checks.property], checks: "T-PROPERTY", path: result.path });
    expect(byId(replayed, "T-PROPERTY")).toMatchObject({
      status: "failed",
      counterexample: "10001",
      path: result.path,
    });
  });

  test("tokens never reach the report", async () => {
    const report = await run({ suite: [checks.fails, checks.property] });
    const text = JSON.stringify(report);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(OTHER_TOKEN);
    expect(byId(report, "T-FAIL").message).toContain("[redacted]");
  });

  test("a check that throws, or outlives its time, ends as an error, not a broken rule; clean-up always runs", async () => {
    const cleaned: string[] = [];
    const withCleanup = (check: Check): Check => ({
      ...check,
      async run(ctx) {
        ctx.onCleanup(async () => {
          cleaned.push(check.id);
        });
        await check.run(ctx);
      },
    });
    const report = await run({
      suite: [checks.passes, checks.fails, checks.throws, checks.hangs, checks.skips].map(withCleanup),
      checkTimeoutMs: 200,
    });
    expect(byId(report, "T-THROW")).toMatchObject({
      status: "error",
      message: expect.stringContaining("TypeError: undefined is not a function"),
    });
    expect(byId(report, "T-HANG")).toMatchObject({
      status: "error",
      message: expect.stringMatching(/0.2 s/),
    });
    expect(report.summary.errors).toBe(2);
    expect(cleaned.sort()).toEqual(["T-FAIL", "T-HANG", "T-PASS", "T-SKIP", "T-THROW"]);
  });

  test("a must rule without a check fails; a should rule without one is skipped", async () => {
    const report = await run({ suite: [], checks: "T-UNCHECKED-*" });
    expect(byId(report, "T-UNCHECKED-MUST")).toMatchObject({
      status: "failed",
      unchecked: true,
      level: "must",
    });
    expect(byId(report, "T-UNCHECKED-SHOULD")).toMatchObject({ status: "skipped", unchecked: true });
    expect(exitCodeOf(report)).toBe(1);
  });

  test("must failures decide the exit code; should failures only under strict", async () => {
    const should = await run({ suite: [checks.should, checks.passes], checks: "T-SHOULD,T-PASS" });
    expect(should.summary).toMatchObject({ passed: 1, failed: 1, skipped: 0, broken: 0 });
    expect(exitCodeOf(should)).toBe(0);
    const strict = await run({ suite: [checks.should], checks: "T-SHOULD", strict: true });
    expect(strict.summary.broken).toBe(1);
    expect(exitCodeOf(strict)).toBe(1);
    const must = await run({ suite: [checks.fails], checks: "T-FAIL" });
    expect(exitCodeOf(must)).toBe(1);
  });

  test("failures in the baseline are reported as known and do not decide the exit code", async () => {
    const report = await run({
      suite: [checks.fails, checks.passes],
      checks: "T-FAIL,T-PASS",
      baseline: ["T-FAIL", "T-PASS"],
    });
    expect(byId(report, "T-FAIL")).toMatchObject({ status: "failed", baseline: true });
    expect(report.summary).toMatchObject({ failed: 1, baselined: 1, broken: 0 });
    expect(exitCodeOf(report)).toBe(0);
    expect(report.baselinePassing).toEqual(["T-PASS"]);
  });

  test("the data budget skips a check that would exceed it", async () => {
    const report = await run({ suite: [checks.spends], checks: "T-SPEND", maxBytes: 1024 * 1024 });
    expect(byId(report, "T-SPEND")).toMatchObject({ status: "skipped" });
    expect(byId(report, "T-SPEND").message).toMatch(/budget/);
    const enough = await run({ suite: [checks.spends], checks: "T-SPEND", maxBytes: 20 * 1024 * 1024 });
    expect(byId(enough, "T-SPEND").status).toBe("passed");
    // 1 GiB by default against real servers.
    const real = await run({ suite: [checks.spends], checks: "T-SPEND" });
    expect(byId(real, "T-SPEND").status).toBe("passed");
  });

  test("--checks globs select rules; MIME rules belong to youforce", async () => {
    const report = await run({ suite: [checks.passes, checks.property], checks: ["t-p*"] });
    expect(report.checks.map((c) => c.id)).toEqual(["T-PASS", "T-PROPERTY"]);
    const youforce = await runConformance({
      protocol: "youforce",
      targets: { youforce: target("youforce") },
      rules,
      suite: [],
    });
    expect(youforce.checks.map((c) => [c.id, c.protocol])).toEqual([
      ["T-YF", "youforce"],
      ["T-MIME", "youforce"],
    ]);
  });

  test("progress reports every check as it starts and finishes", async () => {
    const events: ProgressEvent[] = [];
    await run({
      suite: [checks.passes, checks.fails],
      checks: "T-PASS,T-FAIL",
      onProgress: (e) => events.push(e),
    });
    expect(
      events.map((e) => (e.kind === "started" ? `start ${e.id}` : `end ${e.result.id} ${e.done}/${e.total}`)),
    ).toEqual(["start T-PASS", "end T-PASS 1/2", "start T-FAIL", "end T-FAIL 2/2"]);
  });

  test("an interrupted run skips what it did not run and cannot pass", async () => {
    const controller = new AbortController();
    const report = await run({
      suite: [checks.hangs, checks.should],
      checks: "T-HANG,T-SHOULD",
      signal: controller.signal,
      onProgress: (e) => {
        if (e.kind === "started") setTimeout(() => controller.abort(), 20);
      },
    });
    expect(report.interrupted).toBe(true);
    expect(byId(report, "T-HANG").status).toBe("skipped");
    expect(byId(report, "T-SHOULD")).toMatchObject({
      status: "skipped",
      message: "interrupted before it started",
    });
    expect(exitCodeOf(report)).toBe(1);
  });

  test.each([
    [{ checks: "NOPE-*" }, /selects no rule/],
    [{ checks: "T-P*", path: "1:2" }, /exactly one/],
    [{ targets: {} }, /no target for basespace/],
    [{ numRuns: 0 }, /numRuns/],
    [{ suite: [checks.passes, checks.passes] }, /two checks claim rule T-PASS/],
  ] as const)("configuration errors: %j", async (options, message) => {
    await expect(run({ suite: [checks.passes, checks.property], ...options })).rejects.toThrow(
      expect.objectContaining({ name: "ConformanceConfigError", message: expect.stringMatching(message) }),
    );
    expect(ConformanceConfigError).toBeDefined();
  });
});
