/**
 * The YouForce File API routes (specs/youforce.yaml `paths`), served under the base URL's `/v1.0`
 * path like the vendor's own base URLs (`https://fileapi.youforce.com/v1.0` [S4]):
 *
 *     POST   /v1.0/files?uploadType=multipart|resumable   uploadFile
 *     PUT    /v1.0/files?uploadType=resumable&…           uploadChunk
 *     GET    /v1.0/files?role=…                            listFiles
 *     GET    /v1.0/files/{fileId}                          downloadFile
 *     HEAD   /v1.0/files/{fileId}                          headFile
 *     DELETE /v1.0/files/{fileId}?role=subscriber          deleteFile
 *
 * `operationOf` names the spec's operationId of a request, for fault injection and logs.
 */

/** The path every route lives under; a client's base URL is the server URL plus this. */
export const YOUFORCE_BASE_PATH = "/v1.0";

export type OperationId =
  | "uploadFile"
  | "uploadChunk"
  | "listFiles"
  | "downloadFile"
  | "headFile"
  | "deleteFile";

export type Route =
  | { readonly kind: "operation"; readonly operation: OperationId; readonly fileId?: string }
  | { readonly kind: "method-not-allowed"; readonly allow: string }
  | { readonly kind: "not-found" };

const FILES = `${YOUFORCE_BASE_PATH}/files`;

/** Matches a method and path (the raw, still percent-encoded path of the URL) to a route. */
export function matchRoute(method: string, pathname: string): Route {
  const path = pathname.length > 1 && pathname.endsWith("/") ? pathname.slice(0, -1) : pathname;
  if (path === FILES) {
    switch (method) {
      case "POST":
        return { kind: "operation", operation: "uploadFile" };
      case "PUT":
        return { kind: "operation", operation: "uploadChunk" };
      case "GET":
      case "HEAD":
        return { kind: "operation", operation: "listFiles" };
      default:
        return { kind: "method-not-allowed", allow: "GET, HEAD, POST, PUT" };
    }
  }
  if (path.startsWith(`${FILES}/`)) {
    const segment = path.slice(FILES.length + 1);
    if (segment.length === 0 || segment.includes("/")) return { kind: "not-found" };
    let fileId: string;
    try {
      fileId = decodeURIComponent(segment);
    } catch {
      return { kind: "not-found" };
    }
    switch (method) {
      case "GET":
        return { kind: "operation", operation: "downloadFile", fileId };
      case "HEAD":
        return { kind: "operation", operation: "headFile", fileId };
      case "DELETE":
        return { kind: "operation", operation: "deleteFile", fileId };
      default:
        return { kind: "method-not-allowed", allow: "GET, HEAD, DELETE" };
    }
  }
  return { kind: "not-found" };
}

/** The operationId (specs/youforce.yaml) of a request, or undefined for an unknown route. */
export function operationOf(request: Request): OperationId | undefined {
  const route = matchRoute(request.method, new URL(request.url).pathname);
  return route.kind === "operation" ? route.operation : undefined;
}
