/**
 * Completion, `POST files/{id}?uploadstatus=complete` [S1]:
 *
 * - BS-COMPLETE-STATUS (must): completion answers 201 Created with the File, UploadStatus
 *   `complete` and the final Size. Source: [S1].
 *   Generated one-part uploads (size, part number) and one two-part upload (a 5 MiB part and a
 *   small final one: the fewest 5 MiB parts that make a sum) must answer 201 with a complete File
 *   whose Size is the sum of the part sizes, which GET files/{id} then reports too.
 * - BS-COMPLETE-EMPTY (should): completing an upload that has no stored part is refused with 400
 *   and leaves the upload pending. Source: inference (PROTOCOLS.md 1.7, undocumented).
 */
import type { File } from "@partwise/protocol-basespace";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext } from "../../context.ts";
import {
  byteSeed,
  bytesOf,
  envelopeOf,
  expectErrorBody,
  expectStatus,
  fileName,
  getFile,
  initiate,
  MAX_PART_NUMBER,
  MIN_PART_SIZE,
  minimumPart,
  setStatus,
  storePart,
  type Upload,
} from "./support.ts";

/** Completes and expects 201 with a complete File of `size` bytes, also from GET files/{id}. */
async function expectCreated(ctx: CheckContext, upload: Upload, size: number, what: string): Promise<void> {
  const answer = await setStatus(ctx, upload.id, "complete");
  if (answer.status >= 200 && answer.status < 300) upload.ended = true;
  expectStatus(ctx, answer, 201, `completing ${what}`);
  const file = envelopeOf<File>(ctx, answer, "FileResponse", `completing ${what}`);
  if (file.UploadStatus !== "complete" || file.Size !== size)
    ctx.fail(
      `completing ${what} answered UploadStatus ${file.UploadStatus} and Size ${file.Size}, expected complete and ${size}`,
      answer.exchange,
    );
  const after = await getFile(ctx, upload.id);
  if (after.UploadStatus !== "complete" || after.Size !== size)
    ctx.fail(
      `after completing ${what}, GET files/${upload.id} reports UploadStatus ${after.UploadStatus} and Size ${after.Size}`,
    );
}

export const bsCompleteStatus: Check = {
  id: "BS-COMPLETE-STATUS",
  protocol: "basespace",
  title: "completion answers 201 with UploadStatus complete and the summed Size",
  async run(ctx) {
    await ctx.property(
      fc.record({
        size: fc.integer({ min: 1, max: 4096 }),
        number: fc.integer({ min: 1, max: MAX_PART_NUMBER }),
        seed: byteSeed,
      }),
      async ({ size, number, seed }) => {
        const upload = await initiate(ctx, { name: "complete.bin" });
        await storePart(ctx, upload.id, number, bytesOf(size, seed));
        await expectCreated(ctx, upload, size, `one part of ${size} bytes`);
      },
      { numRuns: 4 },
    );
    const low = 1 + Math.floor(ctx.random() * 100);
    const high = low + 1 + Math.floor(ctx.random() * 100);
    const finalSize = 1 + Math.floor(ctx.random() * 4096);
    const upload = await initiate(ctx, { name: "complete-sum.bin" });
    await storePart(ctx, upload.id, low, minimumPart(low));
    await storePart(ctx, upload.id, high, bytesOf(finalSize, high));
    await expectCreated(
      ctx,
      upload,
      MIN_PART_SIZE + finalSize,
      `parts ${low} (${MIN_PART_SIZE} bytes) and ${high} (${finalSize} bytes)`,
    );
  },
};

export const bsCompleteEmpty: Check = {
  id: "BS-COMPLETE-EMPTY",
  protocol: "basespace",
  title: "completing an upload without parts is refused with 400 and leaves it pending",
  async run(ctx) {
    await ctx.property(
      fileName,
      async (name) => {
        const upload = await initiate(ctx, { name });
        const answer = await setStatus(ctx, upload.id, "complete");
        expectStatus(ctx, answer, 400, "completing an upload without parts");
        expectErrorBody(ctx, answer, "completing an upload without parts");
        const file = await getFile(ctx, upload.id);
        if (file.UploadStatus !== "pending")
          ctx.fail(`after the refused completion the upload is ${file.UploadStatus}, not pending`);
      },
      { numRuns: 3 },
    );
  },
};
