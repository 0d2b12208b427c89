/**
 * CV-COMPLETE-TERMINAL (should): after completion the upload is gone: part URLs, reports,
 * completion and abort of it are refused, and a storage request with a part URL obtained before
 * the completion does not change the file.
 * Source: inference from api-status-codes 8003 "Requested upload does not exist": a completed upload
 * no longer exists.
 *
 * Check: a one-part file is uploaded, a second URL of its part 1 fetched, and the upload completed.
 * Then the details, a part URL, a report, a batch report, a second completion and an abort of the
 * upload are each refused (4xx); a storage request with the earlier URL, with other bytes, is
 * either refused or leaves the file alone; and the file is still there, holding its bytes.
 */
import type { Check } from "../../check.ts";
import { sameBytes } from "./init-overwrite.ts";
import {
  bytesOf,
  call,
  download,
  expectCompleted,
  getPartUrl,
  initUpload,
  isRefusal,
  reportOf,
  seedOf,
  sendPart,
  storageRequest,
  uniqueName,
  uploadPath,
} from "./protocol.ts";

export const cvCompleteTerminal: Check = {
  id: "CV-COMPLETE-TERMINAL",
  protocol: "cavatica",
  title: "After completion every call on the upload is refused and earlier part URLs change nothing",
  async run(ctx) {
    const seed = seedOf(ctx);
    const bytes = bytesOf(500, seed);
    const upload = await initUpload(ctx, { name: uniqueName("terminal"), size: bytes.length });
    const id = upload.upload_id;
    const headers = await sendPart(ctx, id, 1, bytes);
    const earlier = await getPartUrl(ctx, id, 1);
    const file = await expectCompleted(ctx, id, "CV-COMPLETE-TERMINAL");

    const calls: readonly (readonly [string, string, string, unknown])[] = [
      ["details", "GET", uploadPath(id), undefined],
      ["a part URL", "GET", uploadPath(id, "/part/2"), undefined],
      ["a report", "POST", uploadPath(id, "/part"), reportOf(1, headers)],
      ["a batch report", "POST", uploadPath(id), { parts: [reportOf(1, headers)] }],
      ["a second completion", "POST", uploadPath(id, "/complete"), undefined],
      ["an abort", "DELETE", uploadPath(id), undefined],
    ];
    for (const [what, method, path, body] of calls) {
      const answer = await call(ctx, method, path, { body });
      if (!isRefusal(answer.status))
        ctx.fail(
          `after the completion, ${what} of the upload answered ${answer.status}, not a refusal (404)`,
        );
    }
    await storageRequest(ctx, earlier, bytesOf(bytes.length, seed + 1));
    const fetched = await call(ctx, "GET", `/files/${encodeURIComponent(file.id)}`);
    if (fetched.status !== 200)
      return ctx.fail(`after calls on its completed upload, the file answers ${fetched.status}, not 200`);
    if (!sameBytes(await download(ctx, file.id), bytes))
      ctx.fail(
        "after a storage request with a part URL from before the completion, the file's bytes changed",
      );
  },
};
