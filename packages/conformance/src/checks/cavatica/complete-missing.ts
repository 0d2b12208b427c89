/**
 * CV-COMPLETE-MISSING (must): completing an upload with a missing or unreported part (a gap in
 * 1..N) is refused (409 or 400) and the upload stays open.
 * Source: https://docs.cavatica.org/docs/complete-a-multipart-upload; error code 8007.
 *
 * Check, first with small parts: an upload where only a generated part k > 1 is stored and
 * reported cannot be completed (parts 1..k-1 are missing) and stays open. Then once with a real
 * 5 MiB part, so that the upload can be completed in the end: part 2 (a generated small tail) is
 * stored and reported; completion is refused while part 1 was never stored, and again while it is
 * stored but not reported, the upload staying open each time; once part 1 is reported it completes
 * with both parts' bytes. (Gaps sit below the highest reported part: whether an unreported last
 * part counts is left open by the sources.)
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
  MAX_PART_NUMBER,
  MIN_PART_SIZE,
  seedOf,
  sendPart,
  storePart,
  uniqueName,
  uploadPath,
} from "./protocol.ts";

async function expectRefusedAndOpen(ctx: CheckContext, uploadId: string, what: string): Promise<void> {
  const answer = await completeUpload(ctx, uploadId);
  if (answer.status !== 409 && answer.status !== 400)
    ctx.fail(`completing an upload ${what} answered ${answer.status}, not 409 or 400`, answer.exchange);
  const still = await call(ctx, "GET", uploadPath(uploadId));
  if (still.status !== 200)
    ctx.fail(`after the refused completion (${what}) the upload answers ${still.status}, not 200`);
}

export const cvCompleteMissing: Check = {
  id: "CV-COMPLETE-MISSING",
  protocol: "cavatica",
  title: "Completion with a missing or unreported part is refused and the upload stays open",
  async run(ctx) {
    await ctx.property(
      fc.record({
        k: fc.integer({ min: 2, max: MAX_PART_NUMBER }),
        size: fc.integer({ min: 1, max: 1024 }),
        seed: fc.nat(),
      }),
      async ({ k, size, seed }) => {
        const upload = await initUpload(ctx, { name: uniqueName("complete-missing") });
        await sendPart(ctx, upload.upload_id, k, bytesOf(size, seed));
        await expectRefusedAndOpen(ctx, upload.upload_id, `with only part ${k} reported`);
      },
      { numRuns: 5 },
    );

    const seed = seedOf(ctx);
    const tail = bytesOf(1 + Math.floor(ctx.random() * 64 * 1024), seed);
    const first = bytesOf(MIN_PART_SIZE, seed + 1);
    const upload = await initUpload(ctx, {
      name: uniqueName("complete-missing"),
      size: first.length + tail.length,
      part_size: MIN_PART_SIZE,
    });
    const id = upload.upload_id;
    await sendPart(ctx, id, 2, tail);
    await expectRefusedAndOpen(ctx, id, "whose part 1 was never stored");
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
