/**
 * The upload resource (specs/cavatica.yaml `/upload/multipart`, `/upload/multipart/{upload_id}`):
 * `initUpload`, `listUploads`, `getUpload` and `abortUpload`. Completion lives in complete.ts.
 */
import { tokenOf } from "../auth.ts";
import { booleanFlag, ignoreBody, readJson } from "../body.ts";
import { breaks, findUpload, isoSeconds, type OperationHandler, type ServerContext } from "../context.ts";
import { Code, conflict } from "../errors.ts";
import { choosePartSize } from "../part-size.ts";
import { parseInit } from "../requests.ts";
import { abortOnS3, startS3Upload, syncS3Parts } from "../s3.ts";
import { randomId, type UploadDoc } from "../state.ts";
import { claimTarget, projectOf, resolveTarget } from "../targets.ts";
import { multipartUploadView, uploadDetailsView, uploadListItemView } from "../views.ts";

/** `overwrite` and `list_parts`: only `true`/`false` in the strict reading (CV-BOOLEAN-QUERY). */
const documentedFlagsOnly = (context: ServerContext): boolean =>
  context.reading === "strict" || breaks(context, "CV-BOOLEAN-QUERY");

/**
 * POST /upload/multipart. Order of checks: token (CV-AUTH), `overwrite` flag, body (CV-INIT-TARGET,
 * CV-INIT-NAME, CV-MAX-FILE-SIZE), the target's owner (CV-AUTH-ISOLATION), the name's uniqueness
 * (CV-INIT-OVERWRITE; the lenient reading leaves that to the completion, which checks it anyway);
 * then the authoritative part size is chosen (CV-PART-SIZE). 200, or 201 in the strict reading (the
 * documents leave it open).
 */
export const initUpload: OperationHandler = async (context, request, url) => {
  const owner = context.auth.authenticate(request);
  const overwrite = booleanFlag(url, "overwrite", "CV-INIT-OVERWRITE", documentedFlagsOnly(context));
  const lenient = context.reading === "lenient";
  const init = parseInit(await readJson(request, "CV-INIT-TARGET", lenient), context.limits, {
    allowBothTargets: breaks(context, "CV-INIT-TARGET"),
    defaultName: breaks(context, "CV-INIT-NAME"),
    allowSlash: breaks(context, "CV-INIT-NAME-CHARS"),
    asciiOnly: breaks(context, "CV-INIT-NAME-CHARS:ascii-only"),
    anySize: lenient || breaks(context, "CV-MAX-FILE-SIZE"),
    refuseOddPartSize: breaks(context, "CV-PART-SIZE-PREFERENCE"),
    documentedKeysOnly: context.reading === "strict",
  });

  // A project or folder nobody owns yet is claimed by the first token that uploads into it,
  // unless the options fix its owner; a project's root folder is the project (targets.ts).
  const target = resolveTarget(context, init.target);
  await claimTarget(context, owner, target);

  // A folder is never replaced by a file: its contents would be left without a parent.
  if (context.state.fileNamed(target, init.name)?.type === "folder")
    throw conflict(Code.conflict, "A folder of this name exists here", "CV-INIT-OVERWRITE");
  if (
    !overwrite &&
    !lenient &&
    !breaks(context, "CV-INIT-OVERWRITE") &&
    context.state.fileNamed(target, init.name) !== undefined
  )
    throw conflict(
      Code.fileExists,
      "Requested file already exists; set overwrite=true to replace it",
      "CV-INIT-OVERWRITE",
    );

  const now = context.now();
  const uploadId = randomId(64);
  const s3 = await startS3Upload(context, uploadId);
  const doc: UploadDoc = {
    uploadId,
    owner,
    target,
    // A folder's files belong to its project; an unknown folder is named as its own project.
    project: projectOf(context, target),
    ...(target.kind === "parent" ? { parent: target.id } : {}),
    name: init.name,
    ...(init.size === undefined ? {} : { size: init.size }),
    ...(init.md5 === undefined ? {} : { md5: init.md5 }),
    partSize: choosePartSize(context.limits, init.size, init.partSize, breaks(context, "CV-PART-SIZE")),
    initiated: isoSeconds(now),
    overwrite,
    ...(s3 === undefined ? {} : { s3 }),
  };
  const entry = await context.state.createUpload(doc);
  return Response.json(multipartUploadView(entry.doc, context.baseUrl(request)), {
    status: context.reading === "strict" ? 201 : 200,
  });
};

/** GET /upload/multipart: the caller's ongoing uploads only (CV-AUTH-ISOLATION). */
export const listUploads: OperationHandler = async (context, request) => {
  // The CV-AUTH mutant answers an anonymous caller an empty list.
  if (breaks(context, "CV-AUTH") && tokenOf(request) === undefined) return Response.json({ items: [] });
  const owner = context.auth.authenticate(request);
  await ignoreBody(request);
  const base = context.baseUrl(request);
  return Response.json({
    items: context.state.uploadsOf(owner).map((entry) => uploadListItemView(entry.doc, base)),
  });
};

/** GET /upload/multipart/{upload_id}[?list_parts=true] (CV-LIST-PARTS). */
export const getUpload: OperationHandler = async (context, request, url, params) => {
  const owner = context.auth.authenticate(request);
  const listParts = booleanFlag(url, "list_parts", "CV-LIST-PARTS", documentedFlagsOnly(context));
  await ignoreBody(request);
  const entry = findUpload(context, owner, params.upload_id);
  // On S3 the parts are where the client PUT them: list what S3 holds.
  if (context.s3 !== undefined)
    await context.state.locks.run(entry.doc.uploadId, () => syncS3Parts(context, entry));
  // Mutants: CV-LIST-PARTS-ORDER lists in report order or as text, CV-LIST-PARTS miscounts.
  const order = breaks(context, "CV-LIST-PARTS-ORDER")
    ? "reported"
    : breaks(context, "CV-LIST-PARTS-ORDER:lexicographic")
      ? "text"
      : "numeric";
  return Response.json(
    uploadDetailsView(entry, context.baseUrl(request), listParts, {
      order,
      countStored: breaks(context, "CV-LIST-PARTS"),
    }),
  );
};

/**
 * Uploads this server aborted, by id → owner, for the lenient reading's idempotent abort (in memory
 * only: after a restart a repeated abort is 404 again, which the documents allow too).
 */
const abortedBy = new WeakMap<ServerContext, Map<string, string>>();

/**
 * DELETE /upload/multipart/{upload_id} (CV-ABORT): 204, then the upload, its parts and its storage
 * URLs are gone. sevenbridges-python sends the body `{}`; it is ignored. Aborting it again is
 * 404 / 8003, except in the lenient reading, where a repeated DELETE of one's own aborted upload
 * answers 204 again (an idempotent DELETE; the documents do not say).
 */
export const abortUpload: OperationHandler = async (context, request, _url, params) => {
  const owner = context.auth.authenticate(request);
  await ignoreBody(request);
  const uploadId = params.upload_id!;
  // The CV-COMPLETE-TERMINAL mutant takes the abort of a completed upload out on its file.
  if (breaks(context, "CV-COMPLETE-TERMINAL") && context.state.upload(uploadId) === undefined) {
    const completed = context.state.fileOfUpload(uploadId);
    if (completed?.owner === owner) {
      await context.state.removeFile(completed);
      return new Response(null, { status: 204 });
    }
  }
  const lenient = context.reading === "lenient";
  if (
    lenient &&
    context.state.upload(uploadId) === undefined &&
    abortedBy.get(context)?.get(uploadId) === owner
  )
    return new Response(null, { status: 204 });
  findUpload(context, owner, uploadId, "abort");
  return context.state.locks.run(uploadId, async () => {
    const entry = findUpload(context, owner, uploadId, "abort");
    await abortOnS3(context, entry);
    await context.state.deleteUpload(entry);
    if (lenient) {
      const aborted = abortedBy.get(context) ?? new Map<string, string>();
      abortedBy.set(context, aborted.set(uploadId, owner));
    }
    return new Response(null, { status: 204 });
  });
};
