/**
 * The route table of specs/basespace.yaml, mounted under the v1pre3 root: the API's version is
 * part of its path (`https://api.basespace.illumina.com/v1pre3/...` [S0][S1]), so the reference
 * server answers at `${origin}/v1pre3/...` and the File `Href`s it returns (`v1pre3/files/7094087`)
 * resolve against the origin exactly as BaseSpace's do.
 *
 * Literal segments match case-insensitively and a trailing slash is ignored, as ServiceStack's
 * router does; path parameters are taken raw (never decoded) and validated by the handlers.
 */

/** Where the API lives on the reference server; the base URL clients use is `${url}${BASESPACE_BASE_PATH}`. */
export const BASESPACE_BASE_PATH = "/v1pre3";

/** The operationIds of specs/basespace.yaml. */
export type BasespaceOperationId =
  | "createAppResultFile"
  | "listAppResultFiles"
  | "createSampleFile"
  | "listSampleFiles"
  | "getUser"
  | "uploadFilePart"
  | "setFileUploadStatus"
  | "getFile"
  | "getFileContent";

export interface RouteParams {
  readonly appResultId?: string;
  readonly sampleId?: string;
  readonly userId?: string;
  readonly fileId?: string;
  readonly partNumber?: string;
}

export type RouteResolution =
  | { readonly kind: "route"; readonly op: BasespaceOperationId; readonly params: RouteParams }
  | { readonly kind: "method-not-allowed"; readonly allow: readonly string[] }
  | { readonly kind: "not-found" };

interface RouteDef {
  /** Literal segments in lower case; `:name` marks a parameter. */
  readonly pattern: readonly string[];
  readonly methods: Readonly<Record<string, BasespaceOperationId>>;
}

const ROUTES: readonly RouteDef[] = [
  {
    pattern: ["appresults", ":appResultId", "files"],
    methods: { POST: "createAppResultFile", GET: "listAppResultFiles" },
  },
  {
    pattern: ["samples", ":sampleId", "files"],
    methods: { POST: "createSampleFile", GET: "listSampleFiles" },
  },
  { pattern: ["users", ":userId"], methods: { GET: "getUser" } },
  { pattern: ["files", ":fileId", "parts", ":partNumber"], methods: { PUT: "uploadFilePart" } },
  { pattern: ["files", ":fileId"], methods: { POST: "setFileUploadStatus", GET: "getFile" } },
  { pattern: ["files", ":fileId", "content"], methods: { GET: "getFileContent" } },
];

function segmentsOf(pathname: string): string[] | undefined {
  const lower = pathname.toLowerCase();
  if (lower !== BASESPACE_BASE_PATH && !lower.startsWith(`${BASESPACE_BASE_PATH}/`)) return undefined;
  let rest = pathname.slice(BASESPACE_BASE_PATH.length);
  if (rest.endsWith("/")) rest = rest.slice(0, -1);
  return rest === "" ? [] : rest.slice(1).split("/");
}

/** Matches a method and path against the route table (HEAD is served as GET). */
export function resolveRoute(method: string, pathname: string): RouteResolution {
  const segments = segmentsOf(pathname);
  if (segments === undefined) return { kind: "not-found" };
  for (const route of ROUTES) {
    if (route.pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matched = route.pattern.every((part, index) => {
      const segment = segments[index]!;
      if (part.startsWith(":")) {
        if (segment === "") return false;
        params[part.slice(1)] = segment;
        return true;
      }
      return segment.toLowerCase() === part;
    });
    if (!matched) continue;
    const op = route.methods[method === "HEAD" ? "GET" : method];
    if (op === undefined) {
      const allow = Object.keys(route.methods);
      return { kind: "method-not-allowed", allow: allow.includes("GET") ? [...allow, "HEAD"] : allow };
    }
    return { kind: "route", op, params };
  }
  return { kind: "not-found" };
}

/** The spec's operationId of a request (fault targeting and logs), or undefined off the table. */
export function operationOf(request: Request): BasespaceOperationId | undefined {
  const resolved = resolveRoute(request.method, new URL(request.url).pathname);
  return resolved.kind === "route" ? resolved.op : undefined;
}
