/**
 * CV-AUTH-ISOLATION (must): an upload started with one token cannot be read, listed, given part
 * URLs, reported, completed or aborted with another token: every verb is refused with 403 or 404.
 * Source: https://docs.sevenbridges.com/reference/api-status-codes, 8001 "Insufficient privileges
 * to access the requested upload" (403) and 8003 "Requested upload does not exist" (404): both
 * codes are accepted. specs/cavatica.yaml extends it to the token's files (404 / 5002, or 403 / 5001).
 *
 * Check: the first token starts an upload with a stored and reported part, and completes a small
 * file; the second token calls every verb on that upload (details, list parts, part URL, report,
 * batch report, complete, abort) and reads the file, in a generated order. Each call is refused with
 * 403 or 404, the second token's upload list does not show the upload, and the first token still
 * sees it unchanged (same parts and ETags, still open). Skipped without `--other-token`.
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import {
  bytesOf,
  call,
  etagOf,
  initUpload,
  listParts,
  reportOf,
  seedOf,
  sendPart,
  uniqueName,
  uploadPath,
  uploadSmallFile,
} from "./protocol.ts";

export const cvAuthIsolation: Check = {
  id: "CV-AUTH-ISOLATION",
  protocol: "cavatica",
  title: "Another token cannot read, list, report, complete or abort an upload",
  async run(ctx) {
    if (ctx.target.otherToken === undefined) ctx.skip("needs --other-token");
    const seed = seedOf(ctx);
    const file = await uploadSmallFile(
      ctx,
      bytesOf(32, seed),
      uniqueName("isolation"),
      "",
      "CV-AUTH-ISOLATION",
    );
    const upload = await initUpload(ctx, { name: uniqueName("isolation") });
    const id = upload.upload_id;
    const headers = await sendPart(ctx, id, 1, bytesOf(48, seed + 1));
    const before = await listParts(ctx, id);
    if (before.details === undefined)
      return ctx.fail(`the upload's details answered ${before.answer.status}`);
    const report = reportOf(1, headers);

    const calls = [
      { op: "getUpload", method: "GET", path: uploadPath(id) },
      { op: "getUpload?list_parts", method: "GET", path: uploadPath(id, "?list_parts=true") },
      { op: "getPartUrl", method: "GET", path: uploadPath(id, "/part/2") },
      { op: "reportPart", method: "POST", path: uploadPath(id, "/part"), body: report },
      { op: "reportParts", method: "POST", path: uploadPath(id), body: { parts: [report] } },
      { op: "completeUpload", method: "POST", path: uploadPath(id, "/complete") },
      { op: "abortUpload", method: "DELETE", path: uploadPath(id) },
      { op: "getFile", method: "GET", path: `/files/${encodeURIComponent(file.id)}` },
      { op: "getDownloadInfo", method: "GET", path: `/files/${encodeURIComponent(file.id)}/download_info` },
    ] as const;

    await ctx.property(
      fc.shuffledSubarray(
        calls.map((c) => c.op),
        { minLength: calls.length, maxLength: calls.length },
      ),
      async (order) => {
        for (const name of order) {
          const { op, method, path, ...rest } = calls.find((c) => c.op === name)!;
          const answer = await call(ctx, method, path, {
            as: "other",
            body: "body" in rest ? rest.body : undefined,
          });
          if (answer.status !== 403 && answer.status !== 404)
            ctx.fail(
              `${op} with another token on the first token's upload answered ${answer.status}, not 403 or 404`,
            );
        }
        const listed = await call(ctx, "GET", "/upload/multipart", { as: "other" });
        if (listed.status === 200 && listed.text().includes(id))
          ctx.fail("the other token's upload list shows the first token's upload");

        const after = await listParts(ctx, id);
        if (after.details === undefined)
          return ctx.fail(
            `after the other token's calls the upload answers ${after.answer.status} to its own token`,
          );
        const etags = (details: typeof after.details) =>
          JSON.stringify(details?.parts?.map((part) => [part.part_number, etagOf(part.response.headers)]));
        if (
          after.details.uploaded_parts_count !== before.details?.uploaded_parts_count ||
          etags(after.details) !== etags(before.details)
        )
          ctx.fail("the other token's calls changed the upload's reported parts");
      },
      { numRuns: 3 },
    );
  },
};
