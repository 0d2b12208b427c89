/**
 * POST /upload/multipart/{upload_id}/complete (specs/cavatica.yaml `completeUpload`).
 *
 * The optional body `{parts: [...]}` reports the parts not yet reported (sevenbridges2 sends all of
 * them; sevenbridges-python sends `null`). Then, in the spec's order:
 * 1. at least one part, and every part 1..N stored and reported, N the highest part number the
 *    upload holds (CV-COMPLETE-MISSING; a stored but unreported last part counts as missing, so a
 *    forgotten report can never truncate the file). The lenient reading joins the reported parts
 *    alone: it completes with gaps (the documents say nothing of them; S3 allows them) and leaves
 *    stored parts never reported out;
 * 2. every part but part N at least 5 MiB, every part at most 5 GiB (CV-COMPLETE-MIN-SIZE,
 *    CV-PART-SIZE), the total at most 5 TiB (CV-MAX-FILE-SIZE), checked by the engine's `reassemble`;
 * 3. every reported ETag still the MD5 of the stored bytes (CV-REPORT-ETAG: a part sent again after
 *    its report); not in the lenient reading, which compares no ETags, nor sizes under 5 MiB.
 * A failure is 409 / 8007 and leaves the upload open. A name taken meanwhile without `overwrite` is
 * 409 / 8005 (CV-INIT-OVERWRITE). Success joins the parts in ascending order (CV-COMPLETE-ORDER)
 * into the file, returned as the File with `size` its byte count (CV-COMPLETE-FILE); the upload is
 * then gone. Joining copies nothing: the file document names the part blobs in order (see
 * state.ts), so completing costs the same for a byte as for a terabyte. The answer is 200, or 201
 * (the CGC example) in the strict reading.
 */
import { createHash, randomBytes } from "node:crypto";
import { isPartwiseError, reassemble } from "@partwise/engine";
import { readJson } from "../body.ts";
import {
  breaks,
  findUpload,
  isoSeconds,
  type OperationHandler,
  reportPolicy,
  type ServerContext,
} from "../context.ts";
import { badRequest, Code, conflict } from "../errors.ts";
import { parseReportList } from "../requests.ts";
import { completeOnS3, syncS3Parts } from "../s3.ts";
import type { FileBlob, FileDoc, PartDoc, UploadEntry } from "../state.ts";
import { fileView } from "../views.ts";
import { applyReports } from "./parts.ts";

const failed = (message: string, rule: string | undefined) =>
  conflict(Code.completeFailed, `Failed to complete upload: ${message}`, rule);

/** The parts of the file in ascending order, or a 409 / 8007 naming the rule they break. */
async function checkParts(context: ServerContext, entry: UploadEntry): Promise<PartDoc[]> {
  const lenient = context.reading === "lenient";
  // The lenient reading, and the CV-COMPLETE-MISSING mutant, join the reported parts alone.
  const skipMissing = lenient || breaks(context, "CV-COMPLETE-MISSING");
  const candidates = [...entry.parts.values()].filter((part) => !skipMissing || part.report !== undefined);
  // Mutants: CV-COMPLETE-ORDER keeps the order in which parts were first stored (the Map's
  // insertion order), CV-COMPLETE-ORDER:lexicographic sorts the numbers as text.
  const stored = breaks(context, "CV-COMPLETE-ORDER")
    ? candidates
    : breaks(context, "CV-COMPLETE-ORDER:lexicographic")
      ? candidates.sort((a, b) => String(a.partNumber).localeCompare(String(b.partNumber)))
      : candidates.sort((a, b) => a.partNumber - b.partNumber);
  const last = stored.at(-1);
  if (last === undefined) throw failed("no part has been uploaded and reported", "CV-COMPLETE-MISSING");
  const missing: number[] = [];
  for (let n = 1; n <= last.partNumber; n++) if (entry.parts.get(n)?.report === undefined) missing.push(n);
  if (missing.length > 0 && !skipMissing) {
    const listed =
      missing.slice(0, 20).join(", ") + (missing.length > 20 ? ` and ${missing.length - 20} more` : "");
    throw failed(
      `part${missing.length > 1 ? "s" : ""} ${listed} ${missing.length > 1 ? "are" : "is"} missing or not reported`,
      "CV-COMPLETE-MISSING",
    );
  }
  try {
    await reassemble(
      stored.map((part) => ({ number: part.partNumber, size: part.size })),
      {
        contiguous: !skipMissing,
        limits:
          lenient || breaks(context, "CV-COMPLETE-MIN-SIZE")
            ? { ...context.limits, minPartSize: 1 }
            : context.limits,
        rules: { complete: "CV-COMPLETE-MISSING" },
        side: "remote",
      },
    );
  } catch (error) {
    if (!isPartwiseError(error)) throw error;
    // PartLimitError names CV-COMPLETE-MIN-SIZE, CV-PART-SIZE or CV-MAX-FILE-SIZE (cavaticaLimits.rules).
    throw failed(error.message.replace(/ \[[A-Z0-9-]+\]$/, ""), error.rule ?? "CV-COMPLETE-MISSING");
  }
  for (const part of stored)
    if (part.report?.etag !== part.md5 && !lenient && !breaks(context, "CV-REPORT-ETAG"))
      throw failed(
        `the reported ETag of part ${part.partNumber} does not match the stored part`,
        "CV-REPORT-ETAG",
      );
  return stored;
}

/** The file's ETag: a one-part file's MD5, else S3's multipart form `md5(binary part MD5s)-N`. */
function fileMd5(parts: readonly PartDoc[]): string {
  if (parts.length === 1) return parts[0]!.md5;
  const hash = createHash("md5");
  for (const part of parts) hash.update(Buffer.from(part.md5, "hex"));
  return `${hash.digest("hex")}-${parts.length}`;
}

const nameTaken = () =>
  conflict(
    Code.fileExists,
    "Requested file already exists; set overwrite=true to replace it",
    "CV-INIT-OVERWRITE",
  );

export const completeUpload: OperationHandler = async (context, request, _url, params) => {
  const owner = context.auth.authenticate(request);
  const body = await readJson(request, "CV-REPORT-BATCH", context.reading === "lenient");
  const reports = parseReportList(body, true, reportPolicy(context));
  // The CV-COMPLETE-FILE:requires-body mutant wants the `{parts}` the documents call optional.
  if (breaks(context, "CV-COMPLETE-FILE:requires-body") && reports.length === 0)
    throw badRequest(
      Code.invalidPartsList,
      'Invalid parts list; expecting {"parts": [...]}',
      "CV-COMPLETE-FILE",
    );
  findUpload(context, owner, params.upload_id, "complete");
  const uploadId = params.upload_id!;
  const { state } = context;
  // The CV-INIT-OVERWRITE mutant never refuses a taken name: the new file replaces the old one.
  const keepName = (doc: UploadEntry["doc"]) =>
    !doc.overwrite &&
    !breaks(context, "CV-INIT-OVERWRITE") &&
    state.fileNamed(doc.target, doc.name) !== undefined;
  const file = await state.locks.run(uploadId, async () => {
    const entry = findUpload(context, owner, uploadId, "complete");
    await syncS3Parts(context, entry);
    if (reports.length > 0) await applyReports(context, entry, reports);
    const parts = await checkParts(context, entry);
    const doc = entry.doc;
    if (keepName(doc)) throw nameTaken();

    const fileId = randomBytes(12).toString("hex");
    return await state.locks.run("names", async () => {
      if (keepName(doc)) throw nameTaken();
      // On S3 the parts become one object (CompleteMultipartUpload); on disk the file names them.
      const s3 = await completeOnS3(context, entry, parts);
      const blobs: FileBlob[] =
        s3 === undefined
          ? parts.map((part) => ({ key: part.blob, size: part.size }))
          : [{ key: s3.key, size: s3.size }];
      const now = context.now();
      const created: FileDoc = {
        fileId,
        owner,
        target: doc.target,
        project: doc.project,
        ...(doc.parent === undefined ? {} : { parent: doc.parent }),
        name: doc.name,
        size: blobs.reduce((sum, blob) => sum + blob.size, 0),
        md5: s3?.etag ?? fileMd5(parts),
        blobs,
        createdOn: isoSeconds(now),
        createdMs: now,
        uploadId,
      };
      await state.addFile(created, entry);
      return created;
    });
  });
  // The CV-COMPLETE-FILE mutant answers what the upload was, not the File it made.
  if (breaks(context, "CV-COMPLETE-FILE"))
    return Response.json({ upload_id: uploadId, project: file.project, name: file.name });
  return Response.json(fileView(file, context.baseUrl(request)), {
    status: context.reading === "strict" ? 201 : 200,
  });
};
