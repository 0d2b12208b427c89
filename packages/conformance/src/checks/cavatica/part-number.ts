/**
 * CV-PART-NUMBER (must): part numbers are integers from 1 to 10,000; others are refused with 400
 * (code 8012).
 * Source: [S3] (part numbers start from 1); sevenbridges-python `PartSize.MAXIMUM_TOTAL_PARTS`.
 *
 * Check: the part URLs of 0 and 10001, and of generated numbers above 10,000, are refused with 400;
 * those of 1 and 10000, and of generated numbers in between, are answered with 200. (Negative and
 * non-numeric segments are left out: a router may answer them 404 as a path it does not know.)
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext } from "../../context.ts";
import { call, initUpload, MAX_PART_NUMBER, uniqueName, uploadPath } from "./protocol.ts";

async function expectPartUrl(ctx: CheckContext, uploadId: string, n: number): Promise<void> {
  const answer = await call(ctx, "GET", uploadPath(uploadId, `/part/${n}`));
  const valid = n >= 1 && n <= MAX_PART_NUMBER;
  if (valid && answer.status !== 200)
    ctx.fail(`the part URL of part ${n} answered ${answer.status}, not 200`);
  if (!valid && answer.status !== 400)
    ctx.fail(`the part URL of part ${n} answered ${answer.status}, not 400`);
}

export const cvPartNumber: Check = {
  id: "CV-PART-NUMBER",
  protocol: "cavatica",
  title: "Part URLs of part numbers outside 1..10000 are refused with 400",
  async run(ctx) {
    const upload = await initUpload(ctx, { name: uniqueName("part-number") });
    for (const n of [0, MAX_PART_NUMBER + 1, 1, MAX_PART_NUMBER])
      await expectPartUrl(ctx, upload.upload_id, n);
    await ctx.property(
      fc.oneof(
        fc.integer({ min: 1, max: MAX_PART_NUMBER }),
        fc.integer({ min: MAX_PART_NUMBER + 1, max: 2 ** 31 }),
      ),
      (n) => expectPartUrl(ctx, upload.upload_id, n),
      { numRuns: 25 },
    );
  },
};
