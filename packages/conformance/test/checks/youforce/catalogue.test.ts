/** One YouForce check per YF-* and MIME-* rule of specs/rules.yaml, and nothing else. */
import { expect, test } from "vitest";
import { youforceChecks } from "../../../src/checks/youforce/index.ts";
import { RULES } from "../../../src/generated/rules.ts";

test("youforceChecks has exactly one check per YF-* and MIME-* rule", () => {
  const rules = RULES.filter((rule) => rule.protocol === "youforce" || rule.protocol === "mime").map(
    (r) => r.id,
  );
  const ids = youforceChecks.map((check) => check.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort()).toEqual([...rules].sort());
  for (const check of youforceChecks) {
    expect(check.protocol).toBe("youforce");
    expect(check.title.length).toBeGreaterThan(0);
  }
});
