/**
 * CV-PART-URL-METHOD (should): a part URL used with another method than its `method` (GET, POST,
 * DELETE for a PUT URL) is refused and changes nothing.
 * Source: inference from [S3] ("method | The HTTP method to use when making the HTTP part upload
 * request") and S3 pre-signed URLs, whose signature covers the method.
 *
 * Check: part 1 of a one-part upload is stored with its URL's method and reported; then GET, POST
 * (with other bytes) and DELETE to the same URL are each refused (4xx, not a success code), and
 * the upload completes with the bytes stored first, read back byte for byte.
 */
import type { Check } from "../../check.ts";
import { sameBytes } from "./init-overwrite.ts";
import {
  bytesOf,
  download,
  expectCompleted,
  expectReported,
  initUpload,
  seedOf,
  storePart,
  successCodes,
  uniqueName,
} from "./protocol.ts";

export const cvPartUrlMethod: Check = {
  id: "CV-PART-URL-METHOD",
  protocol: "cavatica",
  title: "A part URL used with another method than its own is refused and changes nothing",
  async run(ctx) {
    const seed = seedOf(ctx);
    const bytes = bytesOf(300, seed);
    const upload = await initUpload(ctx, { name: uniqueName("method"), size: bytes.length });
    const { partUrl, headers } = await storePart(ctx, upload.upload_id, 1, bytes);
    await expectReported(ctx, upload.upload_id, 1, headers);
    const others = ["GET", "POST", "DELETE", "PUT"].filter(
      (method) => method !== partUrl.method.toUpperCase(),
    );
    for (const method of others) {
      const body = method === "POST" || method === "PUT" ? bytesOf(200, seed + 1) : undefined;
      if (body !== undefined) ctx.spend(body.length);
      const answer = await ctx.http.request({
        method,
        url: partUrl.url,
        headers: { ...partUrl.headers },
        ...(body === undefined ? {} : { body }),
      });
      if (successCodes(partUrl).includes(answer.status) || answer.status < 400 || answer.status >= 500)
        ctx.fail(
          `${method} to a ${partUrl.method} part URL answered ${answer.status}, not a refusal (403 or 405)`,
        );
    }
    const file = await expectCompleted(ctx, upload.upload_id, "CV-PART-URL-METHOD");
    if (!sameBytes(await download(ctx, file.id), bytes))
      ctx.fail(
        "after requests with other methods to the part URL, the file no longer holds the bytes PUT first",
      );
  },
};
