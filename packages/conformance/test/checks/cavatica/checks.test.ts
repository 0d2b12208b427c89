/**
 * The CAVATICA checks against the reference server: one check per CV-* rule of specs/rules.yaml,
 * each file opening with its rule and source; the faithful server passes every check (within the
 * suite's time budget), and the isolation and expiry checks skip, with their reason, when the
 * target cannot be tested for them.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cavaticaChecks } from "../../../src/checks/cavatica/index.ts";
import { RULES } from "../../../src/generated/rules.ts";
import { explain, type Outcome, runCheck, type Served, serve } from "./harness.ts";

const CV_RULES = RULES.filter((rule) => rule.protocol === "cavatica");

describe("the catalogue", () => {
  test("one check per CV-* rule, in the catalogue's order, each protocol cavatica", () => {
    expect(cavaticaChecks.map((check) => check.id)).toEqual(CV_RULES.map((rule) => rule.id));
    expect(cavaticaChecks.length).toBe(36);
    for (const check of cavaticaChecks) expect(check.protocol).toBe("cavatica");
  });

  test("every must rule quotes a document sentence; every should rule says what it is inferred from", () => {
    const unquoted = CV_RULES.filter((rule) => rule.level === "must" && !/"[^"]{12,}"/.test(rule.source));
    expect(unquoted.map((rule) => rule.id)).toEqual([]);
    const unexplained = CV_RULES.filter((rule) => rule.level === "should" && !/inference/i.test(rule.source));
    expect(unexplained.map((rule) => rule.id)).toEqual([]);
  });

  test.each(cavaticaChecks.map((check) => [check.id]))(
    "%s: its file opens with the rule and its source",
    async (id) => {
      const file = new URL(`../../../src/checks/cavatica/${id.slice(3).toLowerCase()}.ts`, import.meta.url);
      const head = (await readFile(file, "utf8")).slice(0, 1200);
      const rule = CV_RULES.find((r) => r.id === id)!;
      expect(head.startsWith(`/**\n * ${id} (${rule.level})`)).toBe(true);
      expect(head).toContain("Source:");
    },
  );
});

describe("the faithful reference server", () => {
  let served: Served;
  const outcomes = new Map<string, Outcome>();
  beforeAll(async () => {
    served = await serve();
  });
  afterAll(async () => {
    await served.close();
    const total = [...outcomes.values()].reduce((sum, outcome) => sum + outcome.ms, 0);
    const slowest = [...outcomes.entries()].sort(([, a], [, b]) => b.ms - a.ms).slice(0, 5);
    console.log(
      `CAVATICA checks: ${outcomes.size} in ${(total / 1000).toFixed(1)} s; slowest ${slowest.map(([id, o]) => `${id} ${o.ms} ms`).join(", ")}`,
    );
  });

  test.each(cavaticaChecks.map((check) => [check.id, check] as const))("%s passes", async (_id, check) => {
    const outcome = await runCheck(check, served.target);
    outcomes.set(check.id, outcome);
    expect(outcome.status, explain(outcome)).toBe("passed");
  });

  test("the checks leave no upload open (each aborts what it started)", async () => {
    for (const token of [served.target.token, served.target.otherToken!]) {
      const response = await fetch(`${served.target.baseUrl}/upload/multipart`, {
        headers: { "x-sbg-auth-token": token },
      });
      expect(await response.json()).toEqual({ items: [] });
    }
  });
});

describe("targets a check cannot test", () => {
  test("CV-AUTH-ISOLATION skips without a second token", async () => {
    const served = await serve({}, { otherToken: undefined });
    try {
      const check = cavaticaChecks.find((c) => c.id === "CV-AUTH-ISOLATION")!;
      const outcome = await runCheck(check, served.target);
      expect(outcome).toMatchObject({ status: "skipped", reason: "needs --other-token" });
    } finally {
      await served.close();
    }
  });

  test("CV-PART-URL-EXPIRY skips, saying why, when part URLs live longer than it may wait", async () => {
    const served = await serve({ partUrlTtlMs: 15 * 60 * 1000 });
    try {
      const check = cavaticaChecks.find((c) => c.id === "CV-PART-URL-EXPIRY")!;
      const outcome = await runCheck(check, served.target);
      expect(outcome.status, explain(outcome)).toBe("skipped");
      expect(outcome.status === "skipped" && outcome.reason).toMatch(
        /expires in \d+ s, longer than this check waits \(15 s\)/,
      );
    } finally {
      await served.close();
    }
  });

  test("CV-PART-URL-EXPIRY honours the target's maxWaitMs (--wait): 5 s URLs are not waited for with 1 s", async () => {
    const served = await serve({}, { maxWaitMs: 1_000 });
    try {
      const check = cavaticaChecks.find((c) => c.id === "CV-PART-URL-EXPIRY")!;
      const outcome = await runCheck(check, served.target);
      expect(outcome.status, explain(outcome)).toBe("skipped");
      expect(outcome.status === "skipped" && outcome.reason).toMatch(
        /expires in \d+ s, longer than this check waits \(1 s\); raise --wait/,
      );
    } finally {
      await served.close();
    }
  });

  test("the 5 MiB-part checks skip, saying why, when the server answers another part_size", async () => {
    const served = await serve({ limits: { minPartSize: 6 * 1024 * 1024 } });
    try {
      for (const id of ["CV-COMPLETE-ORDER", "CV-COMPLETE-MIN-SIZE", "CV-COMPLETE-MISSING"]) {
        const check = cavaticaChecks.find((c) => c.id === id)!;
        const outcome = await runCheck(check, served.target);
        expect(outcome.status, `${id}: ${explain(outcome)}`).toBe("skipped");
        expect(outcome.status === "skipped" && outcome.reason, id).toMatch(
          /answered part_size 6291456 for the requested 5242880/,
        );
      }
    } finally {
      await served.close();
    }
  });

  test("every check that uploads skips without a project or parent; the rate-limit check needs none", async () => {
    const served = await serve({}, { project: undefined });
    try {
      const uploadless = new Set(["CV-RATE-LIMIT-HEADERS"]);
      for (const id of uploadless) {
        const check = cavaticaChecks.find((c) => c.id === id);
        expect(check && (await runCheck(check, served.target)).status, id).toBe("passed");
      }
      for (const check of cavaticaChecks.filter((c) => !uploadless.has(c.id))) {
        const outcome = await runCheck(check, served.target);
        expect(outcome, `${check.id}: ${explain(outcome)}`).toMatchObject({
          status: "skipped",
          reason: "needs --project or --parent",
        });
      }
    } finally {
      await served.close();
    }
  });
});
