/**
 * Files (specs/cavatica.yaml tag `Files`): the File a completed upload created (`getFile`) and the
 * signed URL its bytes are read from (`getDownloadInfo`, sevenbridges-python `File.download_info()`).
 * Another token's file answers as an unknown one, 404 / 5002 (CV-AUTH-ISOLATION).
 */
import type { OwnerId } from "../auth.ts";
import { ignoreBody } from "../body.ts";
import type { OperationHandler, ServerContext } from "../context.ts";
import { badRequest, Code, fileNotFound } from "../errors.ts";
import { signedQuery } from "../signing.ts";
import { type FileDoc, fileBlobs } from "../state.ts";
import { fileOrFolderView } from "../views.ts";

/** The caller's file or folder named by a path segment, else 404 / 5002 (CV-AUTH-ISOLATION). */
export function findFile(context: ServerContext, owner: OwnerId, rawId: string | undefined): FileDoc {
  const file = rawId !== undefined && /^[0-9a-f]{24}$/.test(rawId) ? context.state.file(rawId) : undefined;
  if (file === undefined || file.owner !== owner) throw fileNotFound();
  return file;
}

/** GET /files/{file_id} (CV-COMPLETE-FILE): a File, or a Folder. */
export const getFile: OperationHandler = async (context, request, _url, params) => {
  const owner = context.auth.authenticate(request);
  await ignoreBody(request);
  return Response.json(fileOrFolderView(findFile(context, owner, params.file_id), context.baseUrl(request)));
};

/** GET /files/{file_id}/download_info: `{url}`, a signed `storageGetFile` URL needing no token. */
export const getDownloadInfo: OperationHandler = async (context, request, _url, params) => {
  const owner = context.auth.authenticate(request);
  await ignoreBody(request);
  const file = findFile(context, owner, params.file_id);
  if (file.type === "folder")
    throw badRequest(Code.folderDownload, "Downloading folders is not supported", "CV-COMPLETE-FILE");
  // On S3 a completed file is one object: a presigned S3 GET, as the platform hands out.
  const blobs = fileBlobs(file);
  if (context.s3 !== undefined && blobs.length === 1 && blobs[0] !== undefined)
    return Response.json({
      url: await context.s3.presignGet(
        blobs[0].key,
        Math.max(1, Math.ceil(context.downloadUrlTtlMs / 1000)),
        file.name,
      ),
    });
  const signed = context.signer.sign(["GET", file.fileId], context.downloadUrlTtlMs);
  return Response.json({
    url: `${context.baseUrl(request)}/storage/files/${file.fileId}?${signedQuery(signed)}`,
  });
};
