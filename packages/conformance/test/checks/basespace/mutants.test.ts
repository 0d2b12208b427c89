/**
 * The BaseSpace server refuses a mutation it does not know, so a typo cannot test the faithful
 * server. Every mutant itself is run by the suite's self-test (test/mutants.test.ts).
 */
import { createBasespaceServer } from "@partwise/protocol-basespace/server";
import { expect, test } from "vitest";

test("an unknown mutation is refused, so a typo cannot test the faithful server", async () => {
  await expect(createBasespaceServer({ mutations: ["BS-PART-NUMBR"] })).rejects.toThrow(RangeError);
});
