/**
 * Listings and folders (specs/cavatica.yaml `listFiles`, `listFolder`, `createFolder`):
 * "a list of files and subdirectories in a specified project or directory within a project", not
 * the contents of subdirectories (https://docs.sevenbridges.com/reference/list-files-primary-method),
 * paged by `limit` and `offset` with `links` and `X-Total-Matching-Query`, which sevenbridges-python
 * reads (CV-FILES-QUERY). Only the caller's own items are listed (CV-AUTH-ISOLATION).
 */
import { randomBytes } from "node:crypto";
import type { OwnerId } from "../auth.ts";
import { ignoreBody, isObject, readJson } from "../body.ts";
import { isoSeconds, type OperationHandler, type ServerContext } from "../context.ts";
import { badRequest, Code, conflict } from "../errors.ts";
import { isValidFileName, PROJECT } from "../requests.ts";
import type { FileDoc, Target } from "../state.ts";
import { claimTarget, projectOf, resolveTarget } from "../targets.ts";
import { fileOrFolderView, folderView } from "../views.ts";
import { findFile } from "./files.ts";

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 100;

/** A non-negative integer query parameter within bounds, or its default. */
function intParam(url: URL, name: string, min: number, max: number, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return fallback;
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max))
    throw badRequest(
      Code.badRequest,
      `Query parameter ${name} must be an integer from ${min} to ${max}`,
      "CV-FILES-QUERY",
    );
  return value;
}

/** The target of a `project` or `parent` query: exactly one (5029 / 5031, as initUpload). */
function queryTarget(url: URL): Target {
  const project = url.searchParams.get("project");
  const parent = url.searchParams.get("parent");
  if (!project && !parent)
    throw badRequest(Code.missingTarget, 'Missing "parent" or "project" in the query', "CV-FILES-QUERY");
  if (project && parent)
    throw badRequest(
      Code.bothTargets,
      'Providing both "parent" and "project" is not allowed',
      "CV-FILES-QUERY",
    );
  if (project) {
    if (!PROJECT.test(project))
      throw badRequest(
        Code.malformedProject,
        "Malformed project id; expecting <owner>/<project-name>",
        "CV-FILES-QUERY",
      );
    return { kind: "project", id: project };
  }
  return { kind: "parent", id: parent! };
}

/** One page of the caller's items directly in `target`, with `links` and the total as a header. */
function listing(
  context: ServerContext,
  request: Request,
  url: URL,
  owner: OwnerId,
  target: Target,
  path: string,
): Response {
  const limit = intParam(url, "limit", 1, MAX_LIMIT, DEFAULT_LIMIT);
  const offset = intParam(url, "offset", 0, 1_000_000_000, 0);
  const names = url.searchParams.getAll("name");
  const matching = context.state
    .filesIn(target)
    .filter((file) => file.owner === owner && (names.length === 0 || names.includes(file.name)));
  const base = context.baseUrl(request);
  const page = (at: number): string => {
    const query = new URLSearchParams(url.searchParams);
    query.set("offset", String(at));
    query.set("limit", String(limit));
    return `${base}${path}?${query.toString()}`;
  };
  const links = [
    ...(offset + limit < matching.length ? [{ href: page(offset + limit), rel: "next", method: "GET" }] : []),
    ...(offset > 0 ? [{ href: page(Math.max(0, offset - limit)), rel: "prev", method: "GET" }] : []),
  ];
  return Response.json(
    {
      href: page(offset),
      items: matching.slice(offset, offset + limit).map((file) => fileOrFolderView(file, base)),
      links,
    },
    { headers: { "x-total-matching-query": String(matching.length) } },
  );
}

/** GET /files?project=|parent=[&name=…][&limit=…][&offset=…]. */
export const listFiles: OperationHandler = async (context, request, url) => {
  const owner = context.auth.authenticate(request);
  await ignoreBody(request);
  return listing(context, request, url, owner, resolveTarget(context, queryTarget(url)), "/files");
};

/** GET /files/{file_id}/list: a folder's items; a file is 400 / 5022. */
export const listFolder: OperationHandler = async (context, request, url, params) => {
  const owner = context.auth.authenticate(request);
  await ignoreBody(request);
  const folder = findFile(context, owner, params.file_id);
  if (folder.type !== "folder")
    throw badRequest(Code.parentNotFolder, "The file is not a folder", "CV-FILES-QUERY");
  return listing(
    context,
    request,
    url,
    owner,
    { kind: "parent", id: folder.fileId },
    `/files/${folder.fileId}/list`,
  );
};

/**
 * POST /files `{name, type: "folder", project | parent}`: a folder, which then takes uploads and
 * folders as `parent`. A taken name is 409 / 90007.
 */
export const createFolder: OperationHandler = async (context, request) => {
  const owner = context.auth.authenticate(request);
  const body = await readJson(request, "CV-INIT-TARGET", context.reading === "lenient");
  if (!isObject(body) || typeof body.type !== "string" || body.type.toLowerCase() !== "folder")
    throw badRequest(
      Code.badRequest,
      'Expecting {"name": …, "type": "folder", "project" | "parent": …}',
      "CV-INIT-TARGET",
    );
  const { name } = body;
  if (!isValidFileName(name) || name.startsWith("__"))
    throw badRequest(
      Code.badRequest,
      'A folder name is 1 to 255 characters without "/" and does not begin with "__"',
      "CV-INIT-NAME-CHARS",
    );
  const hasProject = body.project !== undefined && body.project !== null;
  const hasParent = body.parent !== undefined && body.parent !== null;
  if (hasProject === hasParent)
    throw hasProject
      ? badRequest(Code.bothTargets, 'Providing both "parent" and "project" is not allowed', "CV-INIT-TARGET")
      : badRequest(Code.missingTarget, 'Missing "parent" or "project" in the request', "CV-INIT-TARGET");
  const raw = hasProject ? body.project : body.parent;
  if (typeof raw !== "string" || raw === "" || (hasProject && !PROJECT.test(raw)))
    throw badRequest(Code.malformedProject, "Malformed project or parent id", "CV-INIT-TARGET");
  const target = resolveTarget(
    context,
    hasProject ? { kind: "project", id: raw } : { kind: "parent", id: raw },
  );
  await claimTarget(context, owner, target);

  const { state } = context;
  const folder = await state.locks.run("names", async () => {
    if (state.fileNamed(target, name) !== undefined)
      throw conflict(Code.conflict, "An item of this name already exists here", "CV-INIT-OVERWRITE");
    const now = context.now();
    const created: FileDoc = {
      fileId: randomBytes(12).toString("hex"),
      owner,
      target,
      project: projectOf(context, target),
      ...(target.kind === "parent" ? { parent: target.id } : {}),
      name,
      size: 0,
      md5: "",
      blobs: [],
      createdOn: isoSeconds(now),
      createdMs: now,
      uploadId: "",
      type: "folder",
    };
    await state.addFolder(created);
    return created;
  });
  // The folder is a target of its own, owned by its creator (uploads and folders into it).
  await claimTarget(context, owner, { kind: "parent", id: folder.fileId });
  return Response.json(folderView(folder, context.baseUrl(request)));
};
