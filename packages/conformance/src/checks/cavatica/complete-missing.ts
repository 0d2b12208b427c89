/**
 * CV-COMPLETE-MISSING (should): completion is refused (4xx) and the upload stays open while no part
 * is reported, or while a part that was stored is not reported. A completion whose reported parts
 * have gaps in their numbers may be refused or may join the reported parts.
 * Source: inference from error 8007 "Failed to complete upload" and the SDKs, which report every
 * part they store (a completion that drops a stored part truncates the file). The complete page
 * states no refusal, and says nothing of gaps, which S3 allows: both answers to a gap are accepted.
 *
 * Check: an upload without any part cannot be completed and stays open. An upload where only a
 * generated part k > 1 is stored and reported (a gap below it) may be refused — then it must stay
 * open — or completed, with the size of that one part. Then once with a real 5 MiB part, so that
 * the upload can be completed in the end: part 2 (a generated small tail) is stored and reported,
 * part 1 stored but not reported: completion is refused and the upload stays open; once part 1 is
 * reported it completes with both parts' bytes.
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext } from "../../context.ts";
import {
  bytesOf,
  call,
  completeUpload,
  expectCompleted,
  expectReported,
  initUpload,
  initWithPartSize,
  isRefusal,
  isSuccess,
  MAX_PART_NUMBER,
  MIN_PART_SIZE,
  seedOf,
  sendPart,
  storePart,
  uniqueName,
  uploadPath,
} from "./protocol.ts";

async function expectOpen(ctx: CheckContext, uploadId: string, what: string): Promise<void> {
  const still = await call(ctx, "GET", uploadPath(uploadId));
  if (still.status !== 200)
    ctx.fail(`after the refused completion (${what}) the upload answers ${still.status}, not 200`);
}

async function expectRefusedAndOpen(ctx: CheckContext, uploadId: string, what: string): Promise<void> {
  const answer = await completeUpload(ctx, uploadId);
  if (!isRefusal(answer.status))
    ctx.fail(
      `completing an upload ${what} answered ${answer.status}, not a refusal (409 or 400)`,
      answer.exchange,
    );
  await expectOpen(ctx, uploadId, what);
}

export const cvCompleteMissing: Check = {
  id: "CV-COMPLETE-MISSING",
  protocol: "cavatica",
  title: "Completion without parts, or with a stored part unreported, is refused and the upload stays open",
  async run(ctx) {
    const empty = await initUpload(ctx, { name: uniqueName("complete-missing") });
    await expectRefusedAndOpen(ctx, empty.upload_id, "without any part");

    await ctx.property(
      fc.record({
        k: fc.integer({ min: 2, max: MAX_PART_NUMBER }),
        size: fc.integer({ min: 1, max: 1024 }),
        seed: fc.nat(),
      }),
      async ({ k, size, seed }) => {
        const upload = await initUpload(ctx, { name: uniqueName("complete-missing") });
        await sendPart(ctx, upload.upload_id, k, bytesOf(size, seed));
        // A gap: the documents allow either answer, but each must be whole.
        const answer = await completeUpload(ctx, upload.upload_id);
        if (isSuccess(answer.status)) {
          const file = answer.json<{ size?: unknown }>();
          if (file?.size !== size)
            ctx.fail(
              `completing with only part ${k} (${size} bytes) made a file of ${JSON.stringify(file?.size)} bytes`,
            );
        } else if (isRefusal(answer.status))
          await expectOpen(ctx, upload.upload_id, `with only part ${k} reported`);
        else ctx.fail(`completing with only part ${k} reported answered ${answer.status}`);
      },
      { numRuns: 3 },
    );

    const seed = seedOf(ctx);
    const tail = bytesOf(1 + Math.floor(ctx.random() * 64 * 1024), seed);
    const first = bytesOf(MIN_PART_SIZE, seed + 1);
    const upload = await initWithPartSize(ctx, {
      name: uniqueName("complete-missing"),
      size: first.length + tail.length,
      part_size: MIN_PART_SIZE,
    });
    const id = upload.upload_id;
    await sendPart(ctx, id, 2, tail);
    const { headers } = await storePart(ctx, id, 1, first);
    await expectRefusedAndOpen(ctx, id, "whose part 1 is stored but not reported");
    await expectReported(ctx, id, 1, headers);
    const file = await expectCompleted(ctx, id, "CV-COMPLETE-MISSING");
    if (file.size !== first.length + tail.length)
      ctx.fail(
        `the completed file has ${file.size} bytes, not the ${first.length + tail.length} of parts 1 and 2`,
      );
  },
};
