/**
 * CV-PART-NUMBER-MAX (should): part numbers above 10,000 are refused with 400 (code 8012); 10,000
 * is accepted.
 * Source: inference from sevenbridges-python `PartSize.MAXIMUM_TOTAL_PARTS` (10,000) and S3's
 * limit; no document states a maximum (split from CV-PART-NUMBER).
 *
 * Check: the part URLs of 10001 and of generated numbers up to 2^31 are refused with 400; that of
 * 10000 is answered with 200.
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext } from "../../context.ts";
import { call, initUpload, MAX_PART_NUMBER, uniqueName, uploadPath } from "./protocol.ts";

async function expectPartUrl(ctx: CheckContext, uploadId: string, n: number): Promise<void> {
  const answer = await call(ctx, "GET", uploadPath(uploadId, `/part/${n}`));
  const valid = n <= MAX_PART_NUMBER;
  if (valid && answer.status !== 200)
    ctx.fail(`the part URL of part ${n} answered ${answer.status}, not 200`);
  if (!valid && answer.status !== 400)
    ctx.fail(`the part URL of part ${n} answered ${answer.status}, not 400`);
}

export const cvPartNumberMax: Check = {
  id: "CV-PART-NUMBER-MAX",
  protocol: "cavatica",
  title: "Part URLs of part numbers above 10000 are refused with 400",
  async run(ctx) {
    const upload = await initUpload(ctx, { name: uniqueName("part-number-max") });
    for (const n of [MAX_PART_NUMBER + 1, MAX_PART_NUMBER]) await expectPartUrl(ctx, upload.upload_id, n);
    await ctx.property(
      fc.integer({ min: MAX_PART_NUMBER + 1, max: 2 ** 31 }),
      (n) => expectPartUrl(ctx, upload.upload_id, n),
      { numRuns: 10 },
    );
  },
};
