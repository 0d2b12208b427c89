/**
 * The route table of specs/cavatica.yaml: every path under the base URL's `/v2` prefix (the
 * platform's base URLs all end in `/v2`, e.g. https://cavatica-api.sbgenomics.com/v2), mapped to
 * the spec's operationIds, which fault injection and the request log use.
 *
 * API paths tolerate one trailing slash, because sevenbridges-python reports a part to
 * `/upload/multipart/{upload_id}/part/` (spec `reportPart`). Storage paths are signed URLs and
 * match exactly: a changed character must never reach the same resource (CV-PART-URL-SIGNATURE).
 */

/** Every API and storage path is served under this prefix of the server's origin. */
export const CAVATICA_API_BASE_PATH = "/v2";

export type OperationId =
  | "initUpload"
  | "listUploads"
  | "getUpload"
  | "reportParts"
  | "abortUpload"
  | "getPartUrl"
  | "reportPart"
  | "completeUpload"
  | "getFile"
  | "getDownloadInfo"
  | "getUser"
  | "getUserByName"
  | "listFiles"
  | "createFolder"
  | "updateFile"
  | "deleteFile"
  | "listFolder"
  | "getFileMetadata"
  | "replaceFileMetadata"
  | "patchFileMetadata"
  | "replaceFileTags"
  | "getProject"
  | "getRateLimit"
  | "storagePutPart"
  | "storageGetFile";

interface Route {
  /** Path segments after `/v2`; `:name` captures a segment verbatim (still percent-encoded). */
  readonly segments: readonly string[];
  readonly methods: Readonly<Partial<Record<string, OperationId>>>;
  readonly storage: boolean;
}

const ROUTES: readonly Route[] = [
  { segments: ["upload", "multipart"], methods: { POST: "initUpload", GET: "listUploads" }, storage: false },
  {
    segments: ["upload", "multipart", ":upload_id"],
    methods: { GET: "getUpload", POST: "reportParts", DELETE: "abortUpload" },
    storage: false,
  },
  {
    segments: ["upload", "multipart", ":upload_id", "part", ":part_number"],
    methods: { GET: "getPartUrl" },
    storage: false,
  },
  {
    segments: ["upload", "multipart", ":upload_id", "part"],
    methods: { POST: "reportPart" },
    storage: false,
  },
  {
    segments: ["upload", "multipart", ":upload_id", "complete"],
    methods: { POST: "completeUpload" },
    storage: false,
  },
  { segments: ["files"], methods: { GET: "listFiles", POST: "createFolder" }, storage: false },
  {
    segments: ["files", ":file_id"],
    methods: { GET: "getFile", PATCH: "updateFile", DELETE: "deleteFile" },
    storage: false,
  },
  { segments: ["files", ":file_id", "list"], methods: { GET: "listFolder" }, storage: false },
  {
    segments: ["files", ":file_id", "metadata"],
    methods: { GET: "getFileMetadata", PUT: "replaceFileMetadata", PATCH: "patchFileMetadata" },
    storage: false,
  },
  { segments: ["files", ":file_id", "tags"], methods: { PUT: "replaceFileTags" }, storage: false },
  { segments: ["projects", ":owner", ":project"], methods: { GET: "getProject" }, storage: false },
  { segments: ["rate_limit"], methods: { GET: "getRateLimit" }, storage: false },
  { segments: ["files", ":file_id", "download_info"], methods: { GET: "getDownloadInfo" }, storage: false },
  { segments: ["user"], methods: { GET: "getUser" }, storage: false },
  { segments: ["users", ":username"], methods: { GET: "getUserByName" }, storage: false },
  {
    segments: ["storage", "uploads", ":upload_id", "parts", ":part_number"],
    methods: { PUT: "storagePutPart" },
    storage: true,
  },
  {
    segments: ["storage", "files", ":file_id"],
    methods: { GET: "storageGetFile", HEAD: "storageGetFile" },
    storage: true,
  },
];

export type RouteMatch =
  | {
      readonly kind: "operation";
      readonly op: OperationId;
      readonly params: Readonly<Record<string, string>>;
    }
  /** The path exists, the method does not (405 with `Allow`). */
  | { readonly kind: "method"; readonly allow: readonly string[] }
  /** Under `/v2/storage/` but no signed resource: S3 answers AccessDenied to such URLs. */
  | { readonly kind: "storage" }
  | { readonly kind: "none" };

export function matchRoute(method: string, pathname: string): RouteMatch {
  if (pathname !== CAVATICA_API_BASE_PATH && !pathname.startsWith(`${CAVATICA_API_BASE_PATH}/`))
    return { kind: "none" };
  const rest = pathname.slice(CAVATICA_API_BASE_PATH.length + 1);
  const exact = rest.split("/");
  // One trailing slash is ignored on API paths (`…/part/` is reportPart, not getPartUrl of "").
  const api = rest.endsWith("/") ? rest.slice(0, -1).split("/") : exact;
  for (const route of ROUTES) {
    const params = capture(route.segments, route.storage ? exact : api);
    if (params === undefined) continue;
    const op = route.methods[method];
    if (op !== undefined) return { kind: "operation", op, params };
    return { kind: "method", allow: Object.keys(route.methods) };
  }
  return exact[0] === "storage" ? { kind: "storage" } : { kind: "none" };
}

function capture(
  pattern: readonly string[],
  segments: readonly string[],
): Record<string, string> | undefined {
  if (segments.length !== pattern.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i]!;
    const got = segments[i]!;
    if (want.startsWith(":")) params[want.slice(1)] = got;
    else if (want !== got) return undefined;
  }
  return params;
}

/** The spec's operationId of a request (for fault targeting and logs), or undefined. */
export function operationOf(request: Request): OperationId | undefined {
  let pathname: string;
  try {
    pathname = new URL(request.url).pathname;
  } catch {
    return undefined;
  }
  const match = matchRoute(request.method, pathname);
  return match.kind === "operation" ? match.op : undefined;
}
