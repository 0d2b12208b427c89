/**
 * `GET` and `HEAD /files/{fileId}` (operations `downloadFile`, `headFile`;
 * guides_download_complete_file.html, guides_file_download_uploaded_files.html, DownloadFiles.ps1).
 *
 * - YF-AUTH-ISOLATION: `role=publisher` reaches the caller's own uploads, `role=subscriber` the files
 *   of business types it subscribes to; anything else is 404 (403 in the strict reading). Without
 *   `role`, the caller's own upload is read as its publisher, any other file as a subscriber (the
 *   strict reading requires `role`, as the guides' URLs carry it).
 * - YF-DOWNLOAD-RANGE: one `Range: bytes=…` answers 206 with `Content-Range`; a range starting at or
 *   past the end answers 416 with `Content-Range: bytes *\/size`; other ranges are ignored (200).
 * - A subscriber's download marks the file downloaded once a response delivers its last byte (a
 *   200, or a 206 ending at the last byte). Publisher downloads and HEAD mark nothing.
 * The bytes stream from disk, blob after blob for a closed resumable upload (its chunks, never
 * copied); nothing is read into memory whole.
 *
 * The `ETag` is the quoted hex MD5 of the whole file, which the uploader's `verify` compares with
 * its own. A closed resumable upload has none until first needed: HEAD computes it (reading the
 * file once) and caches it; a GET sends it when known, and a whole-file GET without one hashes the
 * bytes it streams and caches the MD5 once the last byte is read.
 */

import { contentRange, parseRange, segmentStream } from "@partwise/node";
import { hashInPassing } from "../content.ts";
import type { HandlerContext } from "../context.ts";
import { queryParam } from "../context.ts";
import { refuse } from "../errors.ts";
import type { Role } from "../filter.ts";
import { type FileDoc, isGuid, segmentsOf } from "../state.ts";
import { parseRole } from "./role.ts";

/** The file a caller may reach in a role, or a 404 (YF-AUTH-ISOLATION). */
export function reachableFile(
  ctx: HandlerContext,
  fileId: string,
  role: Role | undefined,
  verb: "GET" | "HEAD" | "DELETE" = "GET",
): { doc: FileDoc; role: Role } {
  const id = fileId.toLowerCase();
  const doc = isGuid(id) ? ctx.state.files.get(id) : undefined;
  const notFound = (): never =>
    refuse(
      ctx.config.reading.unreachableStatus,
      `File ${fileId.slice(0, 64)} not found${ctx.config.reading.unreachableStatus === 403 ? " or not yours" : ""}`,
      "YF-AUTH-ISOLATION",
    );
  if (doc === undefined) return notFound();
  const own = doc.owner === ctx.identity.id;
  const effective = role ?? (own ? "publisher" : "subscriber");
  const { mutations } = ctx.config;
  const allowed =
    // Mutation YF-AUTH-ISOLATION: every token reaches every file; its variants, with one verb.
    mutations.has("YF-AUTH-ISOLATION") ||
    (verb === "HEAD" && mutations.has("YF-AUTH-ISOLATION:head")) ||
    (verb === "DELETE" && mutations.has("YF-AUTH-ISOLATION:delete")) ||
    (verb === "GET" && effective === "subscriber" && mutations.has("YF-AUTH-ISOLATION:subscriber")) ||
    (effective === "publisher" ? own : ctx.state.subscribes(ctx.identity, doc.businessTypeId));
  return allowed ? { doc, role: effective } : notFound();
}

export async function downloadFile(ctx: HandlerContext, fileId: string, head: boolean): Promise<Response> {
  const { state, config, identity, request } = ctx;
  const rawRole = queryParam(ctx.url, "role");
  const { doc, role } = reachableFile(
    ctx,
    fileId,
    rawRole === null && !config.reading.requireRole ? undefined : parseRole(rawRole, undefined),
    head ? "HEAD" : "GET",
  );
  const headers: Record<string, string> = {
    "content-type": "application/octet-stream",
    "accept-ranges": "bytes",
    "content-disposition": `attachment; filename="${doc.name}"`,
    ...(doc.md5 === undefined ? {} : { etag: `"${doc.md5}"` }),
    "last-modified": new Date(doc.creationDate).toUTCString(),
  };
  if (head)
    return new Response(null, {
      status: 200,
      headers: { ...headers, etag: `"${await state.md5Of(doc)}"`, "content-length": String(doc.size) },
    });

  const range = parseRange(request.headers.get("range"), doc.size);
  if (range.kind === "unsatisfiable")
    refuse(
      416,
      `Range ${request.headers.get("range")?.slice(0, 64)} cannot be satisfied for a file of ${doc.size} bytes`,
      "YF-DOWNLOAD-RANGE",
      { "content-range": contentRange(undefined, doc.size) },
    );
  const lastByte = range.kind === "whole" || range.end === doc.size - 1;
  if (role === "subscriber" && lastByte) {
    const at = new Date(config.now()).toISOString();
    await state.updateFile(doc.id, (current) => {
      const mark = current.marks[identity.id];
      return {
        ...current,
        marks: {
          ...current.marks,
          [identity.id]: {
            downloaded: true,
            lastDownloadDate: at,
            deleted: mark?.deleted ?? false,
            deletedDate: mark?.deletedDate ?? null,
          },
        },
      };
    });
  }
  const segments = segmentsOf(doc);
  const read = state.store.read.bind(state.store);
  if (range.kind === "whole") {
    const bytes = doc.size === 0 ? null : segmentStream(read, segments);
    const body =
      bytes === null || doc.md5 !== undefined
        ? bytes
        : hashInPassing(bytes, (md5) => state.cacheMd5(doc.id, md5));
    return new Response(body, { status: 200, headers: { ...headers, "content-length": String(doc.size) } });
  }
  // Mutation YF-DOWNLOAD-RANGE: the range's last byte is left out.
  const end = config.mutations.has("YF-DOWNLOAD-RANGE") ? range.end - 1 : range.end;
  return new Response(end < range.start ? null : segmentStream(read, segments, { start: range.start, end }), {
    status: 206,
    headers: {
      ...headers,
      "content-length": String(end - range.start + 1),
      "content-range": contentRange(range, doc.size),
    },
  });
}
