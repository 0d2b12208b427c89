/**
 * The fetch-style handler: routes a request to its operation and turns every refusal into the
 * platform error body (CV-ERROR-ENVELOPE). Unknown paths are 404 / 90003, a known path with
 * another method 405 / 90006 with `Allow`; anything unexpected is a 500 / 90009 envelope, never
 * a crash. Every response carries `X-Request-Id` (read by sevenbridges-python).
 */
import { randomUUID } from "node:crypto";
import { type FetchHandler, InvalidStoreKeyError, Refusal } from "@partwise/node";
import { ownerOf, tokenOf } from "./auth.ts";
import { mediaTypeOf } from "./body.ts";
import { breaks, type OperationHandler, type ServerContext } from "./context.ts";
import { CavaticaApiError, Code, errorResponse, failureResponse } from "./errors.ts";
import { completeUpload } from "./handlers/complete.ts";
import {
  deleteFile,
  getFileMetadata,
  patchFileMetadata,
  replaceFileMetadata,
  replaceFileTags,
  updateFile,
} from "./handlers/file-edit.ts";
import { createFolder, listFiles, listFolder } from "./handlers/file-list.ts";
import { getDownloadInfo, getFile } from "./handlers/files.ts";
import { getPartUrl, reportPart, reportParts } from "./handlers/parts.ts";
import { getProject } from "./handlers/projects.ts";
import { countCall, getRateLimit } from "./handlers/rate-limit.ts";
import { storageGetFile, storagePutPart } from "./handlers/storage.ts";
import { abortUpload, getUpload, initUpload, listUploads } from "./handlers/uploads.ts";
import { getUser, getUserByName } from "./handlers/users.ts";
import { matchRoute, type OperationId, operationOf } from "./routes.ts";

const OPERATIONS = {
  initUpload,
  listUploads,
  getUpload,
  reportParts,
  abortUpload,
  getPartUrl,
  reportPart,
  completeUpload,
  getFile,
  getDownloadInfo,
  getUser,
  getUserByName,
  listFiles,
  createFolder,
  updateFile,
  deleteFile,
  listFolder,
  getFileMetadata,
  replaceFileMetadata,
  patchFileMetadata,
  replaceFileTags,
  getProject,
  getRateLimit,
  storagePutPart,
  storageGetFile,
} as const satisfies Record<OperationId, OperationHandler>;

/** The signed storage URLs, which are not API calls (no token, no JSON). */
const STORAGE: ReadonlySet<OperationId> = new Set(["storagePutPart", "storageGetFile"]);

/**
 * The strict reading: every API call carries `Content-Type: application/json`, as the documents'
 * header tables list it ("Content-Type required | application/json" [S3]); else 415 / 90008.
 */
function requireJsonContentType(request: Request): void {
  if (mediaTypeOf(request.headers.get("content-type")) !== "application/json")
    throw new CavaticaApiError(
      415,
      Code.unsupportedMediaType,
      "Content-Type: application/json is required on every API call",
      "CV-ERROR-ENVELOPE",
    );
}

export function createHandler(context: ServerContext, onError?: (error: unknown) => void): FetchHandler {
  const dispatch = async (request: Request): Promise<Response> => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return errorResponse(400, "Malformed request URL", "CV-ERROR-ENVELOPE");
    }
    const match = matchRoute(request.method, url.pathname);
    try {
      switch (match.kind) {
        case "operation":
          if (context.reading === "strict" && !STORAGE.has(match.op)) requireJsonContentType(request);
          return await OPERATIONS[match.op](context, request, url, match.params);
        case "method": {
          // The CV-PART-URL-METHOD mutant serves a part URL whatever the method.
          const storage = matchRoute("PUT", url.pathname);
          if (
            breaks(context, "CV-PART-URL-METHOD") &&
            storage.kind === "operation" &&
            storage.op === "storagePutPart"
          )
            return await storagePutPart(context, request, url, storage.params);
          return errorResponse(405, "Method not allowed", "CV-ERROR-ENVELOPE", Code.methodNotAllowed, {
            allow: match.allow.join(", "),
          });
        }
        case "storage":
          return errorResponse(
            403,
            "The request signature does not match the signed URL",
            "CV-PART-URL-SIGNATURE",
            Code.forbidden,
          );
        case "none":
          return errorResponse(404, "Not found", "CV-ERROR-ENVELOPE", Code.notFound);
      }
    } catch (error) {
      if (!(error instanceof Refusal) && !(error instanceof InvalidStoreKeyError)) onError?.(error);
      return failureResponse(error);
    }
  };
  return async (request) => {
    let response = await dispatch(request);
    if (breaks(context, "CV-ERROR-ENVELOPE")) response = await withoutEnvelope(response);
    response.headers.set("x-request-id", randomUUID());
    rateLimitHeaders(context, request, response);
    return response;
  };
}

/**
 * CV-RATE-LIMIT-HEADERS: an API call of a known token counts against its window and carries the
 * `X-RateLimit-*` headers; `GET /rate_limit` carries them without counting. Storage requests are
 * not API calls, and a refused token identifies nobody.
 */
function rateLimitHeaders(context: ServerContext, request: Request, response: Response): void {
  if (response.status === 401) return;
  const token = tokenOf(request);
  const op = operationOf(request);
  if (token === undefined || op === undefined || STORAGE.has(op)) return;
  countCall(context, ownerOf(token), response, op === "getRateLimit");
}

/**
 * The CV-ERROR-ENVELOPE mutant (mutations.ts): every JSON error body becomes `{"error": message}`,
 * as a generic web framework would answer, instead of `{status, code, message, more_info}`.
 */
async function withoutEnvelope(response: Response): Promise<Response> {
  if (response.status < 400 || !response.headers.get("content-type")?.includes("json")) return response;
  const body = (await response.json()) as { message?: unknown };
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  return Response.json({ error: body.message }, { status: response.status, headers });
}
