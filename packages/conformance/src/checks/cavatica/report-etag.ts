/**
 * CV-REPORT-ETAG (should): a reported ETag that does not match the stored part (with or without
 * quotes) is refused with 400, as is a report for a part that was never stored.
 * Source: inference (the documents leave open whether ETags are checked; S3
 * CompleteMultipartUpload checks them).
 *
 * Check: part 1 of an upload is stored; reports of part 1 with a generated wrong ETag, and reports
 * of a generated part number never stored, are refused with 400, 409 or 422, quoted or not; the
 * right ETag is accepted with and without quotes and in either hex case.
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import {
  bytesOf,
  initUpload,
  isSuccess,
  MAX_PART_NUMBER,
  reportPart,
  seedOf,
  storePart,
  uniqueName,
} from "./protocol.ts";

const hex32 = fc
  .uint8Array({ minLength: 16, maxLength: 16 })
  .map((bytes) => Buffer.from(bytes).toString("hex"));
const quote = (etag: string, quoted: boolean) => (quoted ? `"${etag}"` : etag);

export const cvReportEtag: Check = {
  id: "CV-REPORT-ETAG",
  protocol: "cavatica",
  title: "Reports with a wrong ETag or of a part never stored are refused with 400",
  async run(ctx) {
    const upload = await initUpload(ctx, { name: uniqueName("report-etag") });
    const { answer } = await storePart(ctx, upload.upload_id, 1, bytesOf(56, seedOf(ctx)));
    const etag = (answer.headers.get("etag") ?? "").replaceAll('"', "").toLowerCase();
    const variant = fc.oneof(
      fc.record({
        kind: fc.constant("wrong" as const),
        etag: hex32.filter((e) => e !== etag),
        quoted: fc.boolean(),
      }),
      fc.record({
        kind: fc.constant("never" as const),
        part: fc.integer({ min: 2, max: MAX_PART_NUMBER }),
        quoted: fc.boolean(),
      }),
      fc.record({ kind: fc.constant("right" as const), quoted: fc.boolean(), upper: fc.boolean() }),
    );
    await ctx.property(
      variant,
      async (v) => {
        if (v.kind === "right") {
          const sent = quote(v.upper ? etag.toUpperCase() : etag, v.quoted);
          const answer = await reportPart(ctx, upload.upload_id, 1, { ETag: sent });
          if (!isSuccess(answer.status)) ctx.fail(`the right ETag ${sent} was refused with ${answer.status}`);
          return;
        }
        const part = v.kind === "wrong" ? 1 : v.part;
        const sent = quote(v.kind === "wrong" ? v.etag : etag, v.quoted);
        const answer = await reportPart(ctx, upload.upload_id, part, { ETag: sent });
        if (answer.status !== 400 && answer.status !== 409 && answer.status !== 422)
          ctx.fail(
            v.kind === "wrong"
              ? `a report of part 1 with the wrong ETag ${sent} answered ${answer.status}, not 400`
              : `a report of part ${part}, never stored, answered ${answer.status}, not 400`,
          );
      },
      { numRuns: 20 },
    );
  },
};
