/**
 * The CAVATICA server refuses a mutation it does not know, so a typo cannot test the faithful server.
 * Every mutant itself is run by the suite's self-test (test/mutants.test.ts).
 */
import { expect, test } from "vitest";
import { serve } from "./harness.ts";

test("an unknown mutation is refused, never a silently faithful server", async () => {
  await expect(serve({ mutations: ["CV-NOPE"] })).rejects.toThrow(RangeError);
});
