/**
 * The faithful reference servers keep the rules: a small, fast subset of the checks (auth, names,
 * part numbers, boundaries, envelopes) must all pass against `--embedded`. The whole suite runs
 * against them in `npm run conformance`.
 */
import { expect, test } from "vitest";
import { exitCodeOf } from "../src/report.ts";
import { runConformance } from "../src/runner.ts";

const FAST = [
  "BS-AUTH",
  "BS-INIT-NAME",
  "BS-PART-NUMBER",
  "BS-ENVELOPE",
  "CV-AUTH",
  "CV-INIT-TARGET",
  "CV-INIT-NAME",
  "CV-PART-NUMBER",
  "CV-ERROR-ENVELOPE",
  "YF-AUTH",
  "YF-CONTENT-TYPE",
  "YF-NAME-CHARSET",
  "YF-ERROR-ENVELOPE",
  "MIME-BOUNDARY-LENGTH",
  "MIME-BOUNDARY-CHARS",
];

test("the faithful embedded servers pass every check of a fast subset", async () => {
  const seed = process.env.FC_SEED === undefined ? 7 : Number(process.env.FC_SEED);
  const report = await runConformance({ protocol: "all", embedded: true, checks: FAST, seed, numRuns: 10 });
  const notPassed = report.checks
    .filter((c) => c.status !== "passed")
    .map(
      (c) =>
        `${c.id}: ${c.status}${c.unchecked ? " (no check yet)" : ""}${c.message ? ` — ${c.message}` : ""}`,
    );
  expect(notPassed, notPassed.join("\n")).toEqual([]);
  expect(report.checks.map((c) => c.id).sort()).toEqual([...FAST].sort());
  expect(exitCodeOf(report)).toBe(0);
}, 120_000);
