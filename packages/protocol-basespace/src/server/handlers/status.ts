/**
 * `POST files/{id}` (setFileUploadStatus): `uploadstatus=complete` [S1] or `aborted` (C# and
 * Java SDKs), from the query, a JSON body or a form, names and values in any case
 * (BS-PARAMS-ANYWHERE).
 *
 * complete (BS-COMPLETE-STATUS, BS-COMPLETE-ORDER): the stored parts, by ascending number (gaps
 * allowed; the highest-numbered is the final one), become the File, answered with 201 and the
 * final Size. Refused with 400, the upload left pending, when no part exists (BS-COMPLETE-EMPTY;
 * the lenient reading completes an empty File) or a non-final part is under the minimum
 * (BS-PART-MIN-SIZE). Completing a complete File answers 201 again, so a retry whose first answer
 * was lost succeeds (409 in the strict reading, BS-COMPLETE-FINAL).
 *
 * aborted (BS-ABORT): the parts are discarded, 200 with UploadStatus aborted (the strict reading
 * deletes the File: 404 afterwards); aborting again answers 200 again. A complete File cannot be
 * aborted, nor an aborted one completed (409).
 */

import { randomBytes } from "node:crypto";
import { isObjectStore } from "@partwise/node";
import { basespaceSchemas } from "../../schemas.ts";
import { bodyChunks } from "../body.ts";
import { ownFile, type RequestContext, type ServerContext } from "../context.ts";
import { envelope, refuse } from "../errors.ts";
import { multipartEtag } from "../etag.ts";
import { MAX_PARAMS_BODY, mediaTypes, param, parseParamsBody, readBounded } from "../params.ts";
import type { FileRecord, PartRecord } from "../state.ts";
import { toFile } from "../view.ts";

export async function setFileUploadStatus(ctx: ServerContext, rctx: RequestContext): Promise<Response> {
  const { mutations, policy } = ctx;
  // A missing or another token's File is refused before the body is read. (Only a mutant, testing
  // conformance suites, isolates one verb and not the other: it decides once the verb is known.)
  if (mutations.size === 0) ownFile(ctx, rctx, "complete");
  else if (ctx.state.file(rctx.params.fileId ?? "") === undefined) ownFile(ctx, rctx, "read");
  const chunks = bodyChunks(rctx.request.body, rctx.request.signal);
  const bytes = await readBounded(chunks, MAX_PARAMS_BODY, "BS-PARAMS-ANYWHERE");
  // The strict reading reads the documented query parameter only [S1]; the BS-PARAMS-ANYWHERE
  // mutant (testing conformance suites only) too.
  const fromBody = policy.paramsInBody && !mutations.has("BS-PARAMS-ANYWHERE");
  const body = fromBody
    ? parseParamsBody(bytes, mediaTypes(rctx.request.headers.get("content-type")), true)
    : undefined;
  const raw = param(ctx, rctx, "uploadstatus", body);
  if (raw === undefined || raw === null || raw === "")
    refuse(400, "The uploadstatus parameter is required (complete or aborted)", "BS-PARAMS-ANYWHERE");
  const value = typeof raw === "string" ? (policy.exactParams ? raw : raw.trim().toLowerCase()) : raw;
  const checked = basespaceSchemas.validate("FileUploadStatusUpdate", { uploadstatus: value });
  if (!checked.ok || (value !== "complete" && value !== "aborted"))
    refuse(
      400,
      `The uploadstatus parameter must be complete or aborted, got ${JSON.stringify(raw).slice(0, 40)}`,
      "BS-PARAMS-ANYWHERE",
    );
  const file = ownFile(ctx, rctx, value === "complete" ? "complete" : "abort");
  return ctx.state.lockFile(file.id, () =>
    value === "complete"
      ? complete(ctx, ctx.state.file(file.id) ?? file)
      : abort(ctx, ctx.state.file(file.id) ?? file),
  );
}

/** The final part of an upload: the highest-numbered (BS-PART-MIN-SIZE), or a mutant's choice. */
function finalPart(ctx: ServerContext, fileId: string, parts: readonly PartRecord[]): number | undefined {
  const { mutations } = ctx;
  if (parts.length === 0) return undefined;
  if (mutations.has("BS-PART-MIN-SIZE:too-strict")) return undefined;
  if (mutations.has("BS-PART-MIN-SIZE:last-uploaded"))
    return parts.reduce((a, b) =>
      mutations.storedRank(fileId, a.number) > mutations.storedRank(fileId, b.number) ? a : b,
    ).number;
  if (mutations.has("BS-PART-MIN-SIZE:lexicographic"))
    return parts.reduce((a, b) => (String(a.number) > String(b.number) ? a : b)).number;
  return parts.at(-1)?.number;
}

async function complete(ctx: ServerContext, file: FileRecord): Promise<Response> {
  const { mutations, policy } = ctx;
  // BS-COMPLETE-STATUS's mutant (testing conformance suites only) answers 200.
  const created = mutations.has("BS-COMPLETE-STATUS") ? 200 : 201;
  if (file.uploadStatus === "complete") {
    if (policy.completeAgain === 409)
      refuse(409, `File ${file.id} has UploadStatus complete already`, "BS-COMPLETE-FINAL");
    return envelope(toFile(file), created);
  }
  if (file.uploadStatus === "aborted" && !mutations.has("BS-ABORT:complete"))
    refuse(409, `File ${file.id} has UploadStatus aborted and cannot be completed`, "BS-ABORT");
  const parts = ctx.state.partList(file.id);
  const empty = policy.emptyCompletion === "empty-file" || mutations.has("BS-COMPLETE-EMPTY");
  if (parts.length === 0 && !empty && file.uploadStatus !== "aborted")
    refuse(400, "The upload has no parts to complete", "BS-COMPLETE-EMPTY");
  // The BS-PART-MIN-SIZE mutant reads 5 MiB as 4 MiB.
  const min = mutations.has("BS-PART-MIN-SIZE") ? (ctx.limits.minPartSize * 4) / 5 : ctx.limits.minPartSize;
  const last = finalPart(ctx, file.id, parts);
  for (const part of parts)
    if (part.number !== last && part.size < min)
      refuse(
        400,
        `Part ${part.number} has ${part.size} bytes; every part but the last must have at least ${min}`,
        "BS-PART-MIN-SIZE",
      );
  // BS-COMPLETE-ORDER's mutants join the parts in the order they were stored, or by number as text.
  if (mutations.has("BS-COMPLETE-ORDER"))
    parts.sort((a, b) => mutations.storedRank(file.id, a.number) - mutations.storedRank(file.id, b.number));
  if (mutations.has("BS-COMPLETE-ORDER:lexicographic"))
    parts.sort((a, b) => (String(a.number) < String(b.number) ? -1 : 1));
  let segments = parts.map((part) => ({ key: part.key, size: part.size }));
  // On S3 the parts become one object (copied inside S3), so `redirect=meta` can hand out one
  // presigned S3 GET of the whole file, as BaseSpace does.
  const objects = isObjectStore(ctx.store) && parts.length > 1 ? ctx.store : undefined;
  const joined = objects !== undefined;
  if (objects) {
    const key = `c-${file.id}-${randomBytes(6).toString("hex")}`;
    segments = [
      {
        key,
        size: await objects.join(
          segments.map((segment) => segment.key),
          key,
        ),
      },
    ];
  }
  const etag = await multipartEtag(parts.map((part) => part.etag));
  const completed: FileRecord = {
    ...file,
    uploadStatus: "complete",
    size: segments.reduce((sum, segment) => sum + segment.size, 0),
    segments,
    ...(etag === undefined ? {} : { etag }),
  };
  await ctx.state.saveFile(completed);
  await ctx.state.dropParts(file.id, { deleteBlobs: joined });
  return envelope(toFile(completed), created);
}

async function abort(ctx: ServerContext, file: FileRecord): Promise<Response> {
  if (file.uploadStatus === "aborted") return envelope(toFile(file), 200);
  // The BS-COMPLETE-FINAL:abort mutant (testing conformance suites only) aborts a complete File.
  if (file.uploadStatus === "complete" && !ctx.mutations.has("BS-COMPLETE-FINAL:abort"))
    refuse(409, `File ${file.id} has UploadStatus complete and cannot be aborted`, "BS-ABORT");
  const aborted: FileRecord = { ...file, uploadStatus: "aborted", size: 0, segments: [] };
  if (ctx.policy.abortDeletes) await ctx.state.deleteFile(file.id);
  else await ctx.state.saveFile(aborted);
  await ctx.state.dropParts(file.id, { deleteBlobs: true });
  if (file.uploadStatus === "complete")
    await ctx.store.delete(...file.segments.map((segment) => segment.key));
  return envelope(toFile(aborted), 200);
}
