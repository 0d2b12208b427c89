/**
 * Each BaseSpace mutant — the reference server started with `mutations: [ruleId]`, breaking that one
 * rule on purpose — must be caught by the check of that rule, for every mutation the server offers.
 */
import { BASESPACE_MUTATIONS, createBasespaceServer } from "@partwise/protocol-basespace/server";
import { afterAll, describe, expect, test } from "vitest";
import { basespaceChecks } from "../../../src/checks/basespace/index.ts";
import { describeOutcome, runCheck, SEED, startBasespace } from "./harness.ts";

const killed = new Map<string, boolean>();

afterAll(() => {
  const kills = [...killed.values()].filter(Boolean).length;
  console.log(`BaseSpace mutants killed (seed ${SEED}): ${kills}/${killed.size}`);
});

describe("BaseSpace mutant servers", () => {
  test("an unknown mutation is refused, so a typo cannot test the faithful server", async () => {
    await expect(createBasespaceServer({ mutations: ["BS-PART-NUMBR"] })).rejects.toThrow(RangeError);
  });

  test.each(Object.entries(BASESPACE_MUTATIONS))(
    "the %s mutant (%s) is killed by its check",
    async (rule) => {
      const check = basespaceChecks.find((candidate) => candidate.id === rule);
      expect(check, `no check for ${rule}`).toBeDefined();
      const server = await startBasespace([rule]);
      try {
        const outcome = await runCheck(check!, server.target);
        killed.set(rule, outcome.status === "failed");
        expect(outcome.status, describeOutcome(outcome)).toBe("failed");
      } finally {
        await server.close();
      }
    },
  );
});
