/**
 * CV-AUTH (must): every API call carries the `X-SBG-Auth-Token` header; a call without a token or
 * with an invalid one is refused with 401 and does nothing.
 * Source: [S2][S3] header tables, "X-SBG-Auth-Token required | Your CAVATICA authentication token.";
 * api-status-codes 90001 (401). sevenbridges-python also sends `Authorization: Bearer`.
 *
 * Check: every endpoint of the upload flow (on a real upload and a real file of the token, so that
 * nothing but the credential is wrong) is called without a token, with a generated wrong
 * `X-SBG-Auth-Token` and with a generated wrong Bearer token; each answers 401, and the upload is
 * still there afterwards. The body of the refusal is CV-ERROR-ENVELOPE's business (a `should`), so
 * it is not judged here.
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext } from "../../context.ts";
import {
  bytesOf,
  type Caller,
  call,
  initUpload,
  seedOf,
  targetOf,
  uniqueName,
  uploadPath,
  uploadSmallFile,
} from "./protocol.ts";

interface Endpoint {
  readonly op: string;
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
}

function endpoints(ctx: CheckContext, uploadId: string, fileId: string): Endpoint[] {
  const report = { part_number: 1, response: { headers: { ETag: "0".repeat(32) } } };
  return [
    {
      op: "initUpload",
      method: "POST",
      path: "/upload/multipart",
      body: { ...targetOf(ctx), name: uniqueName("auth") },
    },
    { op: "listUploads", method: "GET", path: "/upload/multipart" },
    { op: "getUpload", method: "GET", path: uploadPath(uploadId) },
    { op: "getUpload?list_parts", method: "GET", path: uploadPath(uploadId, "?list_parts=true") },
    { op: "getPartUrl", method: "GET", path: uploadPath(uploadId, "/part/1") },
    { op: "reportPart", method: "POST", path: uploadPath(uploadId, "/part"), body: report },
    { op: "reportParts", method: "POST", path: uploadPath(uploadId), body: { parts: [report] } },
    { op: "completeUpload", method: "POST", path: uploadPath(uploadId, "/complete") },
    { op: "abortUpload", method: "DELETE", path: uploadPath(uploadId) },
    { op: "getFile", method: "GET", path: `/files/${encodeURIComponent(fileId)}` },
    { op: "getDownloadInfo", method: "GET", path: `/files/${encodeURIComponent(fileId)}/download_info` },
  ];
}

/** Token-like strings (header-safe), never one of the target's tokens. */
const wrongToken = (ctx: CheckContext) =>
  fc
    .stringMatching(/^[A-Za-z0-9]{1,64}$/)
    .filter((token) => token !== ctx.target.token && token !== ctx.target.otherToken);

export const cvAuth: Check = {
  id: "CV-AUTH",
  protocol: "cavatica",
  title: "Every API call without a token or with a wrong one is refused with 401 and the error body",
  async run(ctx) {
    const file = await uploadSmallFile(ctx, bytesOf(64, seedOf(ctx)), uniqueName("auth"), "", "CV-AUTH");
    const upload = await initUpload(ctx, { name: uniqueName("auth") });
    const all = endpoints(ctx, upload.upload_id, file.id);
    const caller: fc.Arbitrary<Caller> = fc.oneof(
      fc.constant<Caller>("none"),
      wrongToken(ctx).map((token): Caller => ({ token })),
      wrongToken(ctx).map((bearer): Caller => ({ bearer })),
    );
    await ctx.property(
      fc.record({ endpoint: fc.integer({ min: 0, max: all.length - 1 }), caller }),
      async ({ endpoint, caller }) => {
        const { op, method, path, body } = all[endpoint]!;
        const answer = await call(ctx, method, path, { as: caller, body });
        const who = caller === "none" ? "without a token" : "with a wrong token";
        if (answer.status !== 401) ctx.fail(`${op} ${who} answered ${answer.status}, not 401`);
      },
      { numRuns: 30 },
    );
    // Every endpoint once, whatever the property drew: none may have acted on the upload.
    for (const { op, method, path, body } of all) {
      const answer = await call(ctx, method, path, { as: "none", body });
      if (answer.status !== 401) ctx.fail(`${op} without a token answered ${answer.status}, not 401`);
    }
    const still = await call(ctx, "GET", uploadPath(upload.upload_id));
    if (still.status !== 200)
      ctx.fail(
        `after the unauthenticated calls the upload answers ${still.status} to its own token, not 200`,
      );
  },
};
