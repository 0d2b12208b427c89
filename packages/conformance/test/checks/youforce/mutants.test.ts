/**
 * Each YouForce mutant — the reference server started with `mutations: [ruleId]`, breaking that one
 * rule on purpose — must be caught by the check of that rule, for every mutation the server offers.
 * Prints the kill ratio. FC_SEED=N reruns with another seed (every kill must hold for any seed).
 */
import { createYouforceServer, YOUFORCE_MUTATIONS } from "@partwise/protocol-youforce/server";
import { afterAll, describe, expect, test } from "vitest";
import { youforceChecks } from "../../../src/checks/youforce/index.ts";
import { describeOutcome, runCheck, SEED, startYouforce } from "./harness.ts";

const killed = new Map<string, boolean>();

afterAll(() => {
  const kills = [...killed.values()].filter(Boolean).length;
  console.log(`YouForce mutants killed (seed ${SEED}): ${kills}/${killed.size}`);
});

describe("YouForce mutant servers", () => {
  test("an unknown mutation is refused, so a typo cannot test the faithful server", async () => {
    await expect(createYouforceServer({ mutations: ["YF-NAME-CHARSTE"] })).rejects.toThrow(RangeError);
  });

  test.each(Object.entries(YOUFORCE_MUTATIONS))("the %s mutant (%s) is killed by its check", async (rule) => {
    const check = youforceChecks.find((candidate) => candidate.id === rule);
    expect(check, `no check for ${rule}`).toBeDefined();
    const server = await startYouforce({ mutations: [rule] });
    try {
      const outcome = await runCheck(check!, server.target);
      killed.set(rule, outcome.status === "failed");
      console.log(`${rule}: ${describeOutcome(outcome)}`);
      expect(outcome.status, describeOutcome(outcome)).toBe("failed");
    } finally {
      await server.close();
    }
  });
});
