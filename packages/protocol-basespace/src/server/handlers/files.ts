/**
 * Reading Files back: `GET files/{id}` (getFile; basespace-python-sdk `getFileById`) and
 * `GET appresults/{id}/files` (listAppResultFiles; `getAppResultFilesById`), the list envelope
 * `{Items, DisplayedCount, TotalCount, Offset, Limit, SortDir, SortBy}` (Python
 * model/ResourceList.py) with the paging and sorting parameters the Python SDK whitelists
 * (model/QueryParameters.py). Sources give no defaults; the server uses Offset 0, Limit 10
 * (at most 1024), SortBy Id, SortDir Asc, and echoes what it applied.
 */
import type { File } from "../../generated/schemas.ts";
import {
  containerIdOf,
  ownFile,
  type RequestContext,
  refuseAppResult,
  type ServerContext,
} from "../context.ts";
import { envelope, refuse } from "../errors.ts";
import type { FileRecord } from "../state.ts";
import { pathOf, toFile } from "../view.ts";

export function getFile(ctx: ServerContext, rctx: RequestContext): Response {
  return envelope(toFile(ownFile(ctx, rctx, "read")));
}

const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 1024;
const SORT_FIELDS = ["Id", "Name", "DateCreated", "Path", "Position"] as const;
type SortBy = (typeof SORT_FIELDS)[number];

function integerParam(name: string, raw: unknown, min: number, fallback: number): number {
  if (raw === undefined) return fallback;
  const text = String(raw).trim();
  const value = /^[0-9]{1,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min)) refuse(400, `The ${name} parameter must be an integer of at least ${min}`);
  return value;
}

function oneOf<T extends string>(name: string, raw: unknown, allowed: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  const found = allowed.find((value) => value.toLowerCase() === String(raw).trim().toLowerCase());
  if (found === undefined) refuse(400, `The ${name} parameter must be one of ${allowed.join(", ")}`);
  return found;
}

function compare(by: SortBy): (a: FileRecord, b: FileRecord) => number {
  const byId = (a: FileRecord, b: FileRecord) => Number(a.id) - Number(b.id);
  const text = (key: (file: FileRecord) => string) => (a: FileRecord, b: FileRecord) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : byId(a, b);
  };
  switch (by) {
    case "Name":
      return text((file) => file.name);
    case "Path":
      return text((file) => pathOf(file.name, file.directory));
    case "DateCreated":
      return text((file) => file.dateCreated);
    case "Id":
    case "Position":
      return byId;
  }
}

export function listAppResultFiles(ctx: ServerContext, rctx: RequestContext): Response {
  const appResultId = containerIdOf(rctx.params);
  const owner = ctx.state.ownerOf(appResultId);
  // The BS-AUTH-ISOLATION-READ:list mutant (testing conformance suites only) lists every token's Files.
  const everyone = ctx.mutations.has("BS-AUTH-ISOLATION-READ:list");
  if (owner !== undefined && owner !== rctx.identity && !everyone) refuseAppResult(ctx, appResultId);
  const query = rctx.query;
  const offset = integerParam("Offset", query.get("offset"), 0, 0);
  const limit = Math.min(integerParam("Limit", query.get("limit"), 1, DEFAULT_LIMIT), MAX_LIMIT);
  const sortBy = oneOf("SortBy", query.get("sortby"), SORT_FIELDS, "Id");
  const sortDir = oneOf("SortDir", query.get("sortdir"), ["Asc", "Desc"] as const, "Asc");
  const extensions = String(query.get("extensions") ?? "")
    .split(",")
    .map((ext) => ext.trim().toLowerCase())
    .filter((ext) => ext !== "")
    .map((ext) => (ext.startsWith(".") ? ext : `.${ext}`));
  const files = ctx.state
    .filesOf(appResultId)
    .filter((file) => everyone || file.owner === rctx.identity)
    .filter(
      (file) => extensions.length === 0 || extensions.some((ext) => file.name.toLowerCase().endsWith(ext)),
    )
    .sort(compare(sortBy));
  if (sortDir === "Desc") files.reverse();
  const items: File[] = files.slice(offset, offset + limit).map(toFile);
  return envelope({
    Items: items,
    DisplayedCount: items.length,
    TotalCount: files.length,
    Offset: offset,
    Limit: limit,
    SortDir: sortDir,
    SortBy: sortBy,
  });
}
