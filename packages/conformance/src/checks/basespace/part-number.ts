/**
 * BS-PART-NUMBER (must): part numbers are integers from 1 to 10000; 1 and 10000 are accepted and
 * any other part number is refused.
 * Source: [S1] "These must be numbered 1 to 10000 …". The documents give no status: any 4xx passes
 * (the reference server answers 400, its strict reading 404).
 *
 * PUTs of part 0 and 10001, then of generated bad numbers (negative, above 10000, decimal,
 * non-numeric), must be refused; parts 1 and 10000 are accepted.
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext } from "../../context.ts";
import { bytesOf, expectRefused, initiate, MAX_PART_NUMBER, putPart, storePart } from "./support.ts";

const badNumber: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: MAX_PART_NUMBER + 1, max: 9_999_999 }).map(String),
  fc.integer({ min: -99_999, max: 0 }).map(String),
  fc
    .tuple(fc.integer({ min: 1, max: MAX_PART_NUMBER - 1 }), fc.integer({ min: 1, max: 9 }))
    .map(([whole, tenth]) => `${whole}.${tenth}`),
  fc.stringMatching(/^[a-zA-Z]{1,8}$/),
);

async function expectBadNumber(ctx: CheckContext, fileId: string, number: string): Promise<void> {
  const answer = await putPart(ctx, fileId, number, bytesOf(1, 7));
  expectRefused(ctx, answer, `PUT part ${JSON.stringify(number)}`);
}

export const bsPartNumber: Check = {
  id: "BS-PART-NUMBER",
  protocol: "basespace",
  title: "part numbers outside 1..10000 are refused; 1 and 10000 are accepted",
  async run(ctx) {
    const upload = await initiate(ctx, { name: "part-number.bin" });
    // The two edges first, whatever the generator picks.
    await expectBadNumber(ctx, upload.id, "0");
    await expectBadNumber(ctx, upload.id, String(MAX_PART_NUMBER + 1));
    await ctx.property(badNumber, (number) => expectBadNumber(ctx, upload.id, number), { numRuns: 20 });
    // Each in an upload of its own: part 1 under 10000 would not be the final part.
    await storePart(ctx, upload.id, 1, bytesOf(1, 1));
    const highest = await initiate(ctx, { name: "part-number-10000.bin" });
    await storePart(ctx, highest.id, MAX_PART_NUMBER, bytesOf(1, 2));
  },
};
