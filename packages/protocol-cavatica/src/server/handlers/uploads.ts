/**
 * The upload resource (specs/cavatica.yaml `/upload/multipart`, `/upload/multipart/{upload_id}`):
 * `initUpload`, `listUploads`, `getUpload` and `abortUpload`. Completion lives in complete.ts.
 */
import { booleanFlag, ignoreBody, readJson } from "../body.ts";
import { breaks, findUpload, isoSeconds, type OperationHandler, ownerOfTarget } from "../context.ts";
import { CavaticaApiError, Code, conflict } from "../errors.ts";
import { choosePartSize } from "../part-size.ts";
import { parseInit } from "../requests.ts";
import { randomId, type UploadDoc } from "../state.ts";
import { multipartUploadView, uploadDetailsView, uploadListItemView } from "../views.ts";

/**
 * POST /upload/multipart. Order of checks: token (CV-AUTH), `overwrite` flag, body (CV-INIT-TARGET,
 * CV-INIT-NAME, CV-MAX-FILE-SIZE), the target's owner (CV-AUTH-ISOLATION), the name's uniqueness
 * (CV-INIT-OVERWRITE); then the authoritative part size is chosen (CV-PART-SIZE).
 */
export const initUpload: OperationHandler = async (context, request, url) => {
  const owner = context.auth.authenticate(request);
  const overwrite = booleanFlag(url, "overwrite", "CV-INIT-OVERWRITE");
  const init = parseInit(
    await readJson(request, "CV-INIT-TARGET"),
    context.limits,
    breaks(context, "CV-INIT-TARGET"),
  );

  // A project or folder nobody owns yet is claimed by the first token that uploads into it,
  // unless the options fix its owner.
  const targetOwner = ownerOfTarget(context, init.target) ?? (await context.state.claim(init.target, owner));
  if (targetOwner !== owner)
    throw init.target.kind === "project"
      ? new CavaticaApiError(
          403,
          Code.projectForbidden,
          "Insufficient privileges to access the requested project",
          "CV-AUTH-ISOLATION",
        )
      : new CavaticaApiError(
          403,
          Code.fileForbidden,
          "Insufficient privileges to access the requested parent folder",
          "CV-AUTH-ISOLATION",
        );

  if (!overwrite && context.state.fileNamed(init.target, init.name) !== undefined)
    throw conflict(
      Code.fileExists,
      "Requested file already exists; set overwrite=true to replace it",
      "CV-INIT-OVERWRITE",
    );

  const now = context.now();
  const doc: UploadDoc = {
    uploadId: randomId(64),
    owner,
    target: init.target,
    // A folder's files belong to a project; the reference server names it after the folder.
    project: init.target.kind === "project" ? init.target.id : `folders/${init.target.id}`,
    ...(init.target.kind === "parent" ? { parent: init.target.id } : {}),
    name: init.name,
    ...(init.size === undefined ? {} : { size: init.size }),
    ...(init.md5 === undefined ? {} : { md5: init.md5 }),
    partSize: choosePartSize(context.limits, init.size, init.partSize),
    initiated: isoSeconds(now),
    overwrite,
  };
  const entry = await context.state.createUpload(doc);
  return Response.json(multipartUploadView(entry.doc), { status: 200 });
};

/** GET /upload/multipart: the caller's ongoing uploads only (CV-AUTH-ISOLATION). */
export const listUploads: OperationHandler = async (context, request) => {
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
  const listParts = booleanFlag(url, "list_parts", "CV-LIST-PARTS");
  await ignoreBody(request);
  const entry = findUpload(context, owner, params.upload_id);
  return Response.json(uploadDetailsView(entry, listParts));
};

/**
 * DELETE /upload/multipart/{upload_id} (CV-ABORT): 204, then the upload, its parts and its storage
 * URLs are gone. sevenbridges-python sends the body `{}`; it is ignored.
 */
export const abortUpload: OperationHandler = async (context, request, _url, params) => {
  const owner = context.auth.authenticate(request);
  await ignoreBody(request);
  findUpload(context, owner, params.upload_id);
  const uploadId = params.upload_id!;
  return context.state.locks.run(uploadId, async () => {
    const entry = findUpload(context, owner, uploadId);
    await context.state.deleteUpload(entry);
    return new Response(null, { status: 204 });
  });
};
