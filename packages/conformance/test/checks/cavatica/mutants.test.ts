/**
 * The CAVATICA mutants: the reference server with exactly one rule broken (`mutations`), each of
 * which the check of that rule must catch — with a failure that names what went wrong and the
 * exchange that showed it.
 */
import { CAVATICA_MUTATIONS, type CavaticaMutation } from "@partwise/protocol-cavatica/server";
import { afterAll, expect, test } from "vitest";
import { cavaticaChecks } from "../../../src/checks/cavatica/index.ts";
import { explain, runCheck, serve } from "./harness.ts";

const killed: string[] = [];
const rules = Object.keys(CAVATICA_MUTATIONS) as CavaticaMutation[];

afterAll(() => {
  console.log(`CAVATICA mutants killed: ${killed.length}/${rules.length}`);
});

test("there are at least the eleven mutants of the brief", () => {
  expect(rules.length).toBeGreaterThanOrEqual(11);
});

test.each(rules.map((rule) => [rule, CAVATICA_MUTATIONS[rule]] as const))(
  "the %s mutant (%s) fails the check of its rule",
  async (rule) => {
    const check = cavaticaChecks.find((c) => c.id === rule);
    expect(check, `no check for ${rule}`).toBeDefined();
    const served = await serve({ mutations: [rule] });
    try {
      const outcome = await runCheck(check!, served.target);
      expect(outcome.status, explain(outcome)).toBe("failed");
      if (outcome.status === "failed") expect(outcome.error.exchange).toBeDefined();
      killed.push(rule);
    } finally {
      await served.close();
    }
  },
);

test("an unknown mutation is refused, never a silently faithful server", async () => {
  await expect(serve({ mutations: ["CV-NOPE"] })).rejects.toThrow(RangeError);
});
