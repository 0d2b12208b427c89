/**
 * CV-SUCCESS-CODES (must): a successful storage request answers one of the `report.success_codes`
 * of its part URL.
 * Source: [S3].
 *
 * Check: parts of generated sizes and numbers, some sent twice, are stored through their part URLs
 * exactly as described; every storage answer's status is one of the URL's success codes
 * (`report.success_codes`, else the top-level `success_codes`, else 200).
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import {
  bytesOf,
  getPartUrl,
  initUpload,
  MAX_PART_NUMBER,
  storageRequest,
  successCodes,
  uniqueName,
} from "./protocol.ts";

export const cvSuccessCodes: Check = {
  id: "CV-SUCCESS-CODES",
  protocol: "cavatica",
  title: "Storage requests answer one of their part URL's success codes",
  async run(ctx) {
    const upload = await initUpload(ctx, { name: uniqueName("success-codes") });
    await ctx.property(
      fc.record({
        part: fc.integer({ min: 1, max: MAX_PART_NUMBER }),
        size: fc.integer({ min: 1, max: 64 * 1024 }),
        times: fc.integer({ min: 1, max: 2 }),
        seed: fc.nat(),
      }),
      async ({ part, size, times, seed }) => {
        for (let time = 1; time <= times; time++) {
          const partUrl = await getPartUrl(ctx, upload.upload_id, part);
          const answer = await storageRequest(ctx, partUrl, bytesOf(size, seed + time));
          const codes = successCodes(partUrl);
          if (!codes.includes(answer.status))
            ctx.fail(
              `storing ${size} bytes as part ${part}${time > 1 ? " again" : ""} answered ${answer.status}, not one of ${JSON.stringify(codes)}`,
            );
        }
      },
      { numRuns: 8 },
    );
  },
};
