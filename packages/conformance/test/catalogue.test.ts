/**
 * The suite against the rule catalogue (DESIGN.md: "A test fails when a `must` rule has no
 * conformance check"): one check per rule id, every check names a rule of specs/rules.yaml, and
 * each runs against the server of its rule's protocol (MIME rules: YouForce).
 */
import { describe, expect, test } from "vitest";
import { ALL_CHECKS } from "../src/checks/index.ts";
import { RULES } from "../src/generated/rules.ts";
import { protocolOfRule } from "../src/runner.ts";

const checked = new Set(ALL_CHECKS.map((check) => check.id));

describe("the checks and the rule catalogue", () => {
  test("every must rule of specs/rules.yaml has a check", () => {
    const missing = RULES.filter((rule) => rule.level === "must" && !checked.has(rule.id)).map(
      (rule) => `${rule.id} (${rule.protocol})`,
    );
    expect(missing, `must rules without a check: ${missing.join(", ")}`).toEqual([]);
  });

  test("every check tests a rule of the catalogue", () => {
    const known = new Set(RULES.map((rule) => rule.id));
    expect(ALL_CHECKS.map((check) => check.id).filter((id) => !known.has(id))).toEqual([]);
  });

  test("no rule has two checks", () => {
    const seen = new Set<string>();
    const duplicates = ALL_CHECKS.map((check) => check.id).filter((id) => seen.has(id) || !seen.add(id));
    expect(duplicates).toEqual([]);
  });

  test("each check runs against its rule's protocol and has a title", () => {
    const rules = new Map(RULES.map((rule) => [rule.id, rule]));
    const wrong = ALL_CHECKS.flatMap((check) => {
      const rule = rules.get(check.id);
      if (rule && protocolOfRule(rule) !== check.protocol)
        return [`${check.id}: protocol ${check.protocol}, expected ${protocolOfRule(rule)}`];
      if (check.title.trim() === "") return [`${check.id}: no title`];
      return [];
    });
    expect(wrong).toEqual([]);
  });
});

test("every rule named in the needs table has a check", async () => {
  const { ALL_CHECKS, NEEDS } = await import("../src/checks/index.ts");
  const ids = new Set(ALL_CHECKS.map((c) => c.id));
  expect(Object.keys(NEEDS).filter((id) => !ids.has(id))).toEqual([]);
  expect(ALL_CHECKS.find((c) => c.id === "CV-AUTH-ISOLATION")?.needs).toEqual(["second-token"]);
});
