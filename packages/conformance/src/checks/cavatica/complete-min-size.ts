/**
 * CV-COMPLETE-MIN-SIZE (should): every part except the last is at least 5 MiB when the upload is
 * completed; otherwise completion is refused.
 * Source: inference from sevenbridges-python `PartSize.MINIMUM` (5 MiB) and S3 multipart limits;
 * the documents state no minimum.
 *
 * Check: an upload of part 1 = 5 MiB - 1 bytes and part 2 = a generated small tail, both stored
 * and reported, cannot be completed (any 4xx; the platform answers 409) and stays open; part 1 is
 * then stored again with exactly 5 MiB and reported, and the upload completes with the size of
 * both parts. About 10 MiB.
 */
import type { Check } from "../../check.ts";
import {
  bytesOf,
  call,
  completeUpload,
  expectCompleted,
  initWithPartSize,
  isRefusal,
  MIN_PART_SIZE,
  seedOf,
  sendPart,
  uniqueName,
  uploadPath,
} from "./protocol.ts";

export const cvCompleteMinSize: Check = {
  id: "CV-COMPLETE-MIN-SIZE",
  protocol: "cavatica",
  title: "A non-final part of 5 MiB - 1 cannot be completed; at 5 MiB it completes",
  async run(ctx) {
    const seed = seedOf(ctx);
    const tail = bytesOf(1 + Math.floor(ctx.random() * 64 * 1024), seed);
    const upload = await initWithPartSize(ctx, {
      name: uniqueName("complete-min-size"),
      size: MIN_PART_SIZE + tail.length,
      part_size: MIN_PART_SIZE,
    });
    const id = upload.upload_id;
    await sendPart(ctx, id, 1, bytesOf(MIN_PART_SIZE - 1, seed + 1));
    await sendPart(ctx, id, 2, tail);
    const refused = await completeUpload(ctx, id);
    if (!isRefusal(refused.status))
      ctx.fail(
        `completing with a non-final part of 5 MiB - 1 bytes answered ${refused.status}, not 409 or 400`,
      );
    const still = await call(ctx, "GET", uploadPath(id));
    if (still.status !== 200)
      ctx.fail(`after the refused completion the upload answers ${still.status}, not 200`);

    await sendPart(ctx, id, 1, bytesOf(MIN_PART_SIZE, seed + 2));
    const file = await expectCompleted(ctx, id, "CV-COMPLETE-MIN-SIZE");
    if (file.size !== MIN_PART_SIZE + tail.length)
      ctx.fail(`the completed file has ${file.size} bytes, not ${MIN_PART_SIZE + tail.length}`);
  },
};
