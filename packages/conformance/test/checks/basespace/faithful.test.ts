/**
 * Every BaseSpace check passes against the faithful reference server — one per BS-* rule of
 * specs/rules.yaml (their durations are printed); without a second token or an AppResult the
 * checks that need one are skipped, not failed.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { basespaceChecks } from "../../../src/checks/basespace/index.ts";
import { RULES } from "../../../src/generated/rules.ts";
import { type Basespace, describeOutcome, runCheck, SEED, startBasespace } from "./harness.ts";

let server: Basespace;
const durations = new Map<string, number>();

beforeAll(async () => {
  server = await startBasespace();
});
afterAll(async () => {
  await server.close();
  const total = [...durations.values()].reduce((sum, ms) => sum + ms, 0);
  const rows = [...durations].map(([id, ms]) => `  ${id.padEnd(20)} ${String(ms).padStart(6)} ms`);
  console.log(
    `BaseSpace checks against the faithful server (seed ${SEED}):\n${rows.join("\n")}\n  total ${total} ms`,
  );
});

describe("the BaseSpace checks", () => {
  test("one check per BS-* rule, in the catalogue's order, each opening with its rule", () => {
    const rules = RULES.filter((rule) => rule.id.startsWith("BS-")).map((rule) => rule.id);
    expect(basespaceChecks.map((check) => check.id)).toEqual(rules);
    expect(rules).toHaveLength(25);
    for (const check of basespaceChecks) expect(check.protocol).toBe("basespace");
  });

  test.each(basespaceChecks.map((check) => [check.id, check] as const))(
    "%s passes against the faithful server",
    async (id, check) => {
      const outcome = await runCheck(check, server.target);
      durations.set(id, outcome.ms);
      expect(outcome.status, describeOutcome(outcome)).toBe("passed");
    },
  );

  test("without --other-token the isolation check is skipped; without --app-result every check is", async () => {
    const { otherToken: _, ...noOther } = server.target;
    const isolation = basespaceChecks.find((check) => check.id === "BS-AUTH-ISOLATION")!;
    expect((await runCheck(isolation, noOther)).status).toBe("skipped");
    const { appResultId: __, ...noAppResult } = server.target;
    for (const check of basespaceChecks) {
      const outcome = await runCheck(check, noAppResult);
      expect(outcome.status, `${check.id}: ${describeOutcome(outcome)}`).toBe("skipped");
    }
  });
});
