/**
 * `GET /files?role=publisher|subscriber` (operation `listFiles`; guides_file_list_uploaded_files.html,
 * guides_file_list_available_files.html, guides_search_for_files.html).
 *
 * - `role=publisher`: the caller's own uploads. `role=subscriber`: the files of the business types
 *   the caller subscribes to (configured for it, or claimed by it), with its own `downloaded`,
 *   `deleted` and `deletedDate`; without a `status` term in `$filter` only available files (neither
 *   downloaded nor deleted) are listed. Nothing of another token is ever listed (YF-AUTH-ISOLATION).
 * - `pageIndex` (≥ 0, default 0), `pageSize` (1…1000, default 20), `$filter` (filter.ts) and
 *   `$orderBy` (`uploadDate asc|desc`, default desc); `count` counts every match, not the page.
 * Values out of range, unknown roles and filters the server does not understand answer 400.
 */
import { businessType, type HandlerContext, queryParam } from "../context.ts";
import { quote, refuse } from "../errors.ts";
import { type FilterSubject, parseFilter, parseOrderBy } from "../filter.ts";
import type { FileDoc } from "../state.ts";
import { parseRole } from "./role.ts";

function integerParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = queryParam(url, name);
  if (raw === null || raw === "") return fallback;
  const value = /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max))
    refuse(
      400,
      `${name} must be an integer from ${min} to ${max}, not ${quote(raw)} (specs/youforce.yaml, parameter ${name})`,
    );
  return value;
}

export function listFiles(ctx: HandlerContext): Response {
  const { url, state, identity } = ctx;
  const role = parseRole(queryParam(url, "role"), undefined);
  const pageIndex = integerParam(url, "pageIndex", 0, 0, 2 ** 31 - 1);
  const pageSize = integerParam(url, "pageSize", 20, 1, 1000);
  const filter = parseFilter(queryParam(url, "$filter"), role);
  const order = parseOrderBy(queryParam(url, "$orderBy"));

  const visible = (doc: FileDoc): boolean =>
    // Mutation YF-AUTH-ISOLATION: every file is listed to every token.
    ctx.config.mutations.has("YF-AUTH-ISOLATION") ||
    (role === "publisher" ? doc.owner === identity.id : state.subscribes(identity, doc.businessTypeId));
  const subject = (doc: FileDoc): FilterSubject => {
    const mark = doc.marks[identity.id];
    return {
      fileName: doc.name,
      businessType: doc.businessTypeId,
      uploadDate: Date.parse(doc.creationDate),
      deleteDate: mark?.deletedDate ? Date.parse(mark.deletedDate) : undefined,
      lastDownloadDate: mark?.lastDownloadDate ? Date.parse(mark.lastDownloadDate) : undefined,
      downloaded: mark?.downloaded ?? false,
      deleted: mark?.deleted ?? false,
    };
  };
  const matches = [...state.files.values()].filter((doc) => {
    if (!visible(doc)) return false;
    const s = subject(doc);
    if (role === "subscriber" && !filter.mentionsStatus && (s.downloaded || s.deleted)) return false;
    return filter.test(s);
  });
  const sign = order === "asc" ? 1 : -1;
  matches.sort((a, b) => sign * (Date.parse(a.creationDate) - Date.parse(b.creationDate) || a.seq - b.seq));
  const page = matches.slice(pageIndex * pageSize, pageIndex * pageSize + pageSize);

  const data = page.map((doc) => {
    const item = {
      fileId: doc.id,
      fileName: doc.name,
      fileSize: doc.size,
      tenantId: doc.tenantId,
      businessType: businessType(doc.businessTypeId),
      publisherId: doc.publisherId,
      uploadDate: doc.creationDate,
    };
    if (role === "publisher") return item;
    const mark = doc.marks[identity.id];
    return {
      ...item,
      downloaded: mark?.downloaded ?? false,
      deleted: mark?.deleted ?? false,
      deletedDate: mark?.deletedDate ?? null,
    };
  });
  return Response.json({ data, pageIndex, pageSize, count: matches.length });
}
