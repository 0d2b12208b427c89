/**
 * Completion, `POST files/{id}?uploadstatus=complete` [S1]:
 *
 * - BS-COMPLETE-STATUS (must): completion answers 201 Created with the File, UploadStatus
 *   `complete` and the final Size. Source: [S1].
 *   Generated one-part uploads (size, part number) and one two-part upload (a 5 MiB part and a
 *   small final one: the fewest 5 MiB parts that make a sum) must answer 201 with a complete File
 *   whose Size is the sum of the part sizes, which GET files/{id} then reports too.
 * - BS-COMPLETE-EMPTY (should): completing an upload that has no stored part is refused (any 4xx)
 *   and leaves the upload pending. Source: inference (PROTOCOLS.md 1.7, undocumented).
 * - BS-COMPLETE-FINAL (should): a completed upload is final. Inference from [S1] "Upon getting
 *   this response, the file upload is complete." and S3. After completing, a new part, a
 *   replacement of the stored part and an abort, in generated order, are each refused or ignored;
 *   the File must stay complete with exactly its completed Size and bytes.
 */
import type { File } from "@partwise/protocol-basespace";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext } from "../../context.ts";
import {
  byteSeed,
  bytesOf,
  complete,
  envelopeOf,
  expectContent,
  expectErrorBody,
  expectRefused,
  expectStatus,
  fileName,
  getFile,
  initiate,
  MAX_PART_NUMBER,
  MIN_PART_SIZE,
  minimumPart,
  putPart,
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
  title: "completing an upload without parts is refused and leaves it pending",
  async run(ctx) {
    await ctx.property(
      fileName,
      async (name) => {
        const upload = await initiate(ctx, { name });
        const answer = await setStatus(ctx, upload.id, "complete");
        expectRefused(ctx, answer, "completing an upload without parts");
        expectErrorBody(ctx, answer, "completing an upload without parts");
        const file = await getFile(ctx, upload.id);
        if (file.UploadStatus !== "pending")
          ctx.fail(`after the refused completion the upload is ${file.UploadStatus}, not pending`);
      },
      { numRuns: 3 },
    );
  },
};

type Late = "new-part" | "replacement" | "abort";
const LATE: readonly Late[] = ["new-part", "replacement", "abort"];

export const bsCompleteFinal: Check = {
  id: "BS-COMPLETE-FINAL",
  protocol: "basespace",
  title: "after completion, parts, replacements and an abort leave the File complete and unchanged",
  async run(ctx) {
    await ctx.property(
      fc.record({
        order: fc.shuffledSubarray([...LATE], { minLength: LATE.length }),
        size: fc.integer({ min: 1, max: 512 }),
        seed: byteSeed,
      }),
      async ({ order, size, seed }) => {
        const upload = await initiate(ctx, { name: "final.bin" });
        const bytes = bytesOf(size, seed);
        await storePart(ctx, upload.id, 1, bytes);
        await complete(ctx, upload);
        for (const late of order) {
          const answer =
            late === "abort"
              ? await setStatus(ctx, upload.id, "aborted")
              : await putPart(ctx, upload.id, late === "new-part" ? 2 : 1, bytesOf(size + 7, ~seed));
          if (answer.status >= 500)
            ctx.fail(`${late} after completion answered ${answer.status}`, answer.exchange);
        }
        const after = await getFile(ctx, upload.id);
        if (after.UploadStatus !== "complete" || after.Size !== size)
          ctx.fail(
            `after ${order.join(", ")} sent to the completed upload, it reports UploadStatus ${after.UploadStatus} and Size ${after.Size}, expected complete and ${size}`,
          );
        await expectContent(ctx, upload.id, bytes, `the completed file after ${order.join(", ")}`);
      },
      { numRuns: 3 },
    );
  },
};
