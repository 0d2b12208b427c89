/**
 * Stored files: ranged downloads (YF-DOWNLOAD-RANGE, guides_download_complete_file.html) and a
 * subscriber's delete (YF-DELETE, guides_delete_file.html).
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import {
  bearer,
  businessTypeOf,
  bytesOf,
  difference,
  download,
  expectCreated,
  expectReadBack,
  filesUrl,
  listedIds,
  uniqueName,
  upload,
  youforceCheck,
} from "./api.ts";

const FILE_SIZE = 3000;

const yfDownloadRange: Check = youforceCheck(
  "YF-DOWNLOAD-RANGE",
  "Range: bytes=a-b answers 206 with the same slice of the uploaded file",
  async (ctx) => {
    businessTypeOf(ctx);
    const content = bytesOf(FILE_SIZE, Math.floor(ctx.random() * 2 ** 32));
    const name = uniqueName("range", ".bin");
    const file = expectCreated(
      ctx,
      await upload(ctx, { name, media: content }),
      { name, size: FILE_SIZE },
      "upload",
    );
    await ctx.property(
      fc
        .tuple(fc.nat({ max: FILE_SIZE - 1 }), fc.nat({ max: FILE_SIZE - 1 }))
        .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const),
      async ([first, last]) => {
        const range = `bytes=${first}-${last}`;
        const answer = await download(ctx, file.id, { range });
        if (answer.status !== 206)
          ctx.fail(`Range: ${range} answered ${answer.status}, not 206`, answer.exchange);
        const contentRange = answer.headers.get("content-range");
        if (contentRange !== null && contentRange !== `bytes ${first}-${last}/${FILE_SIZE}`)
          ctx.fail(
            `Range: ${range} answered Content-Range: ${contentRange}, not bytes ${first}-${last}/${FILE_SIZE}`,
            answer.exchange,
          );
        const diff = difference(answer.bytes, content.subarray(first, last + 1));
        if (diff !== undefined)
          ctx.fail(`Range: ${range} answered other bytes than the slice: ${diff}`, answer.exchange);
      },
      { numRuns: 10 },
    );
  },
);

const yfDelete: Check = youforceCheck(
  "YF-DELETE",
  "DELETE /files/{fileId}?role=subscriber answers 204 and the file leaves the subscriber's list for good",
  async (ctx) => {
    businessTypeOf(ctx);
    const name = uniqueName("delete");
    const file = expectCreated(
      ctx,
      await upload(ctx, { name, media: "to delete" }),
      { name, size: 9 },
      "upload",
    );
    const before = await listedIds(ctx, name, { role: "subscriber" });
    if (!before.ids.includes(file.id))
      ctx.skip(
        `the token does not see its upload as a subscriber (${before.answer.status}); YF-DELETE needs a token that subscribes to the business type it publishes`,
      );
    const answer = await ctx.http.request({
      method: "DELETE",
      url: filesUrl(ctx, { role: "subscriber" }, file.id),
      headers: bearer(ctx.target.token),
    });
    if (answer.status !== 204) ctx.fail(`DELETE answered ${answer.status}, not 204`, answer.exchange);
    const after = await listedIds(ctx, name, { role: "subscriber" });
    if (after.answer.status !== 200)
      ctx.fail(`listing after the delete answered ${after.answer.status}, not 200`, after.answer.exchange);
    if (after.ids.includes(file.id))
      ctx.fail("the deleted file is still in the subscriber's list", after.answer.exchange);
    // Deleting again may answer 204 (idempotent) or 404 (already deleted); the file stays deleted.
    const again = await ctx.http.request({
      method: "DELETE",
      url: filesUrl(ctx, { role: "subscriber" }, file.id),
      headers: bearer(ctx.target.token),
    });
    if (again.status !== 204 && again.status !== 404)
      ctx.fail(`deleting the file again answered ${again.status}, not 204 or 404`, again.exchange);
    const last = await listedIds(ctx, name, { role: "subscriber" });
    if (last.ids.includes(file.id))
      ctx.fail("the file is back in the subscriber's list after a second delete", last.answer.exchange);
    // "For this subscriber only": the publisher still has its upload.
    const published = await listedIds(ctx, name, { role: "publisher" });
    if (!published.ids.includes(file.id))
      ctx.fail(
        "the subscriber's delete removed the file from its publisher's list too",
        published.answer.exchange,
      );
    await expectReadBack(ctx, file.id, "to delete", "the publisher's download after a subscriber's delete");
  },
);

export const fileChecks: readonly Check[] = [yfDownloadRange, yfDelete];
