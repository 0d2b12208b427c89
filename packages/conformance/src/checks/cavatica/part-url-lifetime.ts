/**
 * CV-PART-URL-LIFETIME (should): a part URL's `expires` lies after the time it was issued.
 * Source: inference from [S3] "expires | ... by when the HTTP part upload request should be made":
 * a URL issued already expired could never be used.
 *
 * Check: for generated part numbers, the `expires` of the answer is later than the answer's `Date`
 * header (the server's own clock, so that no clock skew between the suite and the server counts),
 * or than the suite's clock less a minute when the server sends no Date. `expires` may be an ISO
 * time or an integer, as [S3] shows both.
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import { expiryOf, getPartUrlAnswer, initUpload, MAX_PART_NUMBER, uniqueName } from "./protocol.ts";

/** Without a Date header the suite's clock is used, allowing this much skew. */
const SKEW_MS = 60_000;

export const cvPartUrlLifetime: Check = {
  id: "CV-PART-URL-LIFETIME",
  protocol: "cavatica",
  title: "A part URL's expires lies after the time it is issued",
  async run(ctx) {
    const upload = await initUpload(ctx, { name: uniqueName("lifetime") });
    await ctx.property(
      fc.integer({ min: 1, max: MAX_PART_NUMBER }),
      async (n) => {
        const { partUrl, answer } = await getPartUrlAnswer(ctx, upload.upload_id, n);
        const expiresAt = expiryOf(partUrl.expires);
        if (expiresAt === undefined)
          return ctx.fail(`the part URL's expires ${JSON.stringify(partUrl.expires)} is not a time`);
        const date = Date.parse(answer.headers.get("date") ?? "");
        const issued = Number.isNaN(date) ? Date.now() - SKEW_MS : date;
        if (expiresAt <= issued)
          ctx.fail(
            `the part URL of part ${n} expires at ${new Date(expiresAt).toISOString()}, not after it was issued (${new Date(issued).toISOString()}${Number.isNaN(date) ? ", the suite's clock less a minute" : ", the answer's Date"})`,
          );
      },
      { numRuns: 5 },
    );
  },
};
