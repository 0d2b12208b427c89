/**
 * `POST files/{id}` (setFileUploadStatus): `uploadstatus=complete` [S1] or `aborted` (C# and
 * Java SDKs), from the query, a JSON body or a form, names and values in any case
 * (BS-PARAMS-ANYWHERE).
 *
 * complete (BS-COMPLETE-STATUS, BS-COMPLETE-ORDER): the stored parts, by ascending number (gaps
 * allowed; the highest-numbered is the final one), become the File, answered with 201 and the
 * final Size. Refused with 400, the upload left pending, when no part exists (BS-COMPLETE-EMPTY)
 * or a non-final part is under the minimum (BS-PART-MIN-SIZE). Completing a complete File answers
 * 201 again, so a retry whose first answer was lost succeeds.
 *
 * aborted (BS-ABORT): the parts are discarded, 200 with UploadStatus aborted; aborting again
 * answers 200 again. A complete File cannot be aborted, nor an aborted one completed (409).
 */

import { basespaceSchemas } from "../../index.ts";
import { bodyChunks } from "../body.ts";
import { ownFile, type RequestContext, type ServerContext } from "../context.ts";
import { envelope, refuse } from "../errors.ts";
import { lookup, MAX_PARAMS_BODY, mediaTypes, parseParamsBody, readBounded } from "../params.ts";
import type { FileRecord } from "../state.ts";
import { toFile } from "../view.ts";

export async function setFileUploadStatus(ctx: ServerContext, rctx: RequestContext): Promise<Response> {
  const file = ownFile(ctx, rctx);
  const chunks = bodyChunks(rctx.request.body, rctx.request.signal);
  const bytes = await readBounded(chunks, MAX_PARAMS_BODY, "BS-PARAMS-ANYWHERE");
  const body = parseParamsBody(bytes, mediaTypes(rctx.request.headers.get("content-type")), true);
  // The BS-PARAMS-ANYWHERE mutant (testing conformance suites only) reads the query alone.
  const raw = ctx.mutations.has("BS-PARAMS-ANYWHERE")
    ? lookup("uploadstatus", rctx.query)
    : lookup("uploadstatus", rctx.query, body);
  if (raw === undefined || raw === null || raw === "")
    refuse(400, "The uploadstatus parameter is required (complete or aborted)", "BS-PARAMS-ANYWHERE");
  const value = typeof raw === "string" ? raw.trim().toLowerCase() : raw;
  const checked = basespaceSchemas.validate("FileUploadStatusUpdate", { uploadstatus: value });
  if (!checked.ok || (value !== "complete" && value !== "aborted"))
    refuse(
      400,
      `The uploadstatus parameter must be complete or aborted, got ${JSON.stringify(raw).slice(0, 40)}`,
      "BS-PARAMS-ANYWHERE",
    );
  return ctx.state.lockFile(file.id, () =>
    value === "complete"
      ? complete(ctx, ctx.state.file(file.id) ?? file)
      : abort(ctx, ctx.state.file(file.id) ?? file),
  );
}

async function complete(ctx: ServerContext, file: FileRecord): Promise<Response> {
  const { mutations } = ctx;
  // BS-COMPLETE-STATUS's mutant (testing conformance suites only) answers 200.
  const created = mutations.has("BS-COMPLETE-STATUS") ? 200 : 201;
  if (file.uploadStatus === "complete") return envelope(toFile(file), created);
  if (file.uploadStatus === "aborted")
    refuse(409, `File ${file.id} has UploadStatus aborted and cannot be completed`, "BS-ABORT");
  const parts = ctx.state.partList(file.id);
  if (parts.length === 0 && !mutations.has("BS-COMPLETE-EMPTY"))
    refuse(400, "The upload has no parts to complete", "BS-COMPLETE-EMPTY");
  // The BS-PART-MIN-SIZE mutant reads 5 MiB as 4 MiB.
  const min = mutations.has("BS-PART-MIN-SIZE") ? (ctx.limits.minPartSize * 4) / 5 : ctx.limits.minPartSize;
  for (const part of parts.slice(0, -1))
    if (part.size < min)
      refuse(
        400,
        `Part ${part.number} has ${part.size} bytes; every part but the last must have at least ${min}`,
        "BS-PART-MIN-SIZE",
      );
  // BS-COMPLETE-ORDER's mutant joins the parts in the order they were stored.
  if (mutations.has("BS-COMPLETE-ORDER"))
    parts.sort((a, b) => mutations.storedRank(file.id, a.number) - mutations.storedRank(file.id, b.number));
  const completed: FileRecord = {
    ...file,
    uploadStatus: "complete",
    size: parts.reduce((sum, part) => sum + part.size, 0),
    segments: parts.map((part) => ({ key: part.key, size: part.size })),
  };
  await ctx.state.saveFile(completed);
  await ctx.state.dropParts(file.id, { deleteBlobs: false });
  return envelope(toFile(completed), created);
}

async function abort(ctx: ServerContext, file: FileRecord): Promise<Response> {
  if (file.uploadStatus === "aborted") return envelope(toFile(file), 200);
  if (file.uploadStatus === "complete")
    refuse(409, `File ${file.id} has UploadStatus complete and cannot be aborted`, "BS-ABORT");
  const aborted: FileRecord = { ...file, uploadStatus: "aborted", size: 0, segments: [] };
  await ctx.state.saveFile(aborted);
  await ctx.state.dropParts(file.id, { deleteBlobs: true });
  return envelope(toFile(aborted), 200);
}
