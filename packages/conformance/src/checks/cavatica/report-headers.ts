/**
 * CV-REPORT-HEADERS (must): a successful storage response carries every header named in
 * `report.headers`, to be reported back.
 * Source: [S3].
 *
 * Check: parts of generated sizes and numbers are stored through their part URLs; every successful
 * storage answer carries each header `report.headers` names (`ETag`), and reporting those headers
 * back is accepted.
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import {
  bytesOf,
  collectHeaders,
  getPartUrl,
  initUpload,
  isSuccess,
  MAX_PART_NUMBER,
  reportPart,
  storageRequest,
  successCodes,
  uniqueName,
} from "./protocol.ts";

export const cvReportHeaders: Check = {
  id: "CV-REPORT-HEADERS",
  protocol: "cavatica",
  title: "Storage answers carry every header report.headers names",
  async run(ctx) {
    const upload = await initUpload(ctx, { name: uniqueName("report-headers") });
    await ctx.property(
      fc.record({
        part: fc.integer({ min: 1, max: MAX_PART_NUMBER }),
        size: fc.integer({ min: 1, max: 64 * 1024 }),
        seed: fc.nat(),
      }),
      async ({ part, size, seed }) => {
        const partUrl = await getPartUrl(ctx, upload.upload_id, part);
        const answer = await storageRequest(ctx, partUrl, bytesOf(size, seed));
        if (!successCodes(partUrl).includes(answer.status))
          ctx.fail(
            `storing part ${part} answered ${answer.status}; the check needs a successful storage request`,
          );
        const { headers, missing } = collectHeaders(partUrl, answer);
        if (missing.length > 0)
          ctx.fail(
            `the storage answer of part ${part} lacks ${missing.join(", ")} (report.headers ${JSON.stringify(partUrl.report.headers)})`,
          );
        const reported = await reportPart(ctx, upload.upload_id, part, headers);
        if (!isSuccess(reported.status))
          ctx.fail(`reporting the headers report.headers names was refused with ${reported.status}`);
      },
      { numRuns: 8 },
    );
  },
};
