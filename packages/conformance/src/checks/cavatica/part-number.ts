/**
 * CV-PART-NUMBER (must): part numbers start from 1: a part URL for part 0 is refused (400, code
 * 8012) and part 1 and the numbers after it are given URLs.
 * Source: [S3] "part_number | The number of the file part you are uploading. Part numbers start
 * from 1."; api-status-codes 8012 (400).
 *
 * Check: the part URL of part 0 is refused (any 4xx: the platform answers 400, a router may answer
 * 404); those of 1, 10000 and of generated numbers in between are answered with 200. (Numbers
 * above 10,000 are CV-PART-NUMBER-MAX, an inference; negative and non-numeric segments are left
 * out: a router may answer them 404 as a path it does not know.)
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext } from "../../context.ts";
import { call, initUpload, isRefusal, MAX_PART_NUMBER, uniqueName, uploadPath } from "./protocol.ts";

async function expectPartUrl(ctx: CheckContext, uploadId: string, n: number): Promise<void> {
  const answer = await call(ctx, "GET", uploadPath(uploadId, `/part/${n}`));
  if (n >= 1 && answer.status !== 200)
    ctx.fail(`the part URL of part ${n} answered ${answer.status}, not 200`);
  if (n < 1 && !isRefusal(answer.status))
    ctx.fail(`the part URL of part ${n} answered ${answer.status}, not a refusal (400)`);
}

export const cvPartNumber: Check = {
  id: "CV-PART-NUMBER",
  protocol: "cavatica",
  title: "The part URL of part 0 is refused; parts 1 and up are given URLs",
  async run(ctx) {
    const upload = await initUpload(ctx, { name: uniqueName("part-number") });
    for (const n of [0, 1, MAX_PART_NUMBER]) await expectPartUrl(ctx, upload.upload_id, n);
    await ctx.property(
      fc.integer({ min: 1, max: MAX_PART_NUMBER }),
      (n) => expectPartUrl(ctx, upload.upload_id, n),
      { numRuns: 15 },
    );
  },
};
