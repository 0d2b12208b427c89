/**
 * `GET files/{id}/content` (getFileContent, BS-DOWNLOAD): a complete File's bytes, its parts in
 * ascending number (BS-COMPLETE-ORDER).
 * - `redirect=meta`: `{HrefContent, Expires, SupportsRange}`, HrefContent an absolute signed URL
 *   on this server that serves the bytes without a token (as S3's does for the Python SDK); on the
 *   S3 store, a presigned S3 GET of the file's object;
 * - `redirect=false` (and C#'s `proxy`): the bytes, with `Range` → 206 and 416;
 * - `redirect=true` or none: 302 to the signed URL (the strict reading answers the bytes: which of
 *   the two is undocumented).
 * A File that is not complete has no content (409). The strict reading ignores `Range` on the API
 * (RFC 9110 allows it) and honours it on the signed URL, as `SupportsRange` says.
 * The bytes carry the content's `ETag` as S3 sends it (etag.ts), and `If-None-Match` naming it
 * answers 304 without a body (RFC 9110 §13.1.2, evaluated before `Range`, §13.2.2).
 */
import { contentRange, isObjectStore, parseRange, segmentStream } from "@partwise/node";
import type { FileContentMeta } from "../../generated/schemas.ts";
import { ownFile, type RequestContext, type ServerContext } from "../context.ts";
import { envelope, errorResponse, refuse } from "../errors.ts";
import { noneMatchHits, quoteEtag } from "../etag.ts";
import { BASESPACE_BASE_PATH } from "../routes.ts";
import type { FileRecord } from "../state.ts";
import { dotNetDate } from "../view.ts";

function assertComplete(file: FileRecord): void {
  if (file.uploadStatus !== "complete")
    refuse(409, `File ${file.id} has UploadStatus ${file.uploadStatus} and no content yet`, "BS-DOWNLOAD");
}

export async function getFileContent(ctx: ServerContext, rctx: RequestContext): Promise<Response> {
  const file = ownFile(ctx, rctx, "content");
  assertComplete(file);
  const redirect = String(rctx.query.get("redirect") ?? "true")
    .trim()
    .toLowerCase();
  switch (redirect) {
    case "false":
    case "proxy":
      return serveBytes(ctx, file, rctx.request, ctx.policy.rangeOnApi);
    case "true":
    case "meta": {
      if (redirect === "true" && ctx.policy.redirectTrue === "bytes")
        return serveBytes(ctx, file, rctx.request, ctx.policy.rangeOnApi);
      const expires = Math.floor(ctx.now() / 1000) + ctx.contentUrlTtlSeconds;
      // On S3 a complete file is one object (status.ts joins its parts): a presigned S3 GET.
      const segment = file.segments.length === 1 ? file.segments[0] : undefined;
      const href =
        isObjectStore(ctx.store) && segment !== undefined
          ? await ctx.store.presignGet(segment.key, ctx.contentUrlTtlSeconds, file.name)
          : signedContentUrl(ctx, rctx.url, file.id, expires);
      if (redirect === "true") return new Response(null, { status: 302, headers: { location: href } });
      const meta: FileContentMeta = {
        HrefContent: href,
        Expires: dotNetDate(expires * 1000),
        SupportsRange: true,
      };
      return envelope(meta);
    }
    default:
      return refuse(400, "The redirect parameter must be true, false or meta", "BS-DOWNLOAD");
  }
}

function signedContentUrl(ctx: ServerContext, url: URL, fileId: string, expires: number): string {
  const signature = ctx.signer.sign(fileId, expires);
  return `${url.origin}${BASESPACE_BASE_PATH}/files/${fileId}/content?redirect=false&expires=${expires}&signature=${signature}`;
}

/** True when the request carries a content-URL signature (it then needs no token). */
export function isSignedContentRequest(url: URL): boolean {
  return url.searchParams.has("signature");
}

/** Serves a signed content URL: the signature and expiry stand in for the token (403 otherwise). */
export function getSignedContent(ctx: ServerContext, request: Request, url: URL, fileId: string): Response {
  const expires = Number(url.searchParams.get("expires") ?? "");
  const signature = url.searchParams.get("signature") ?? "";
  if (!Number.isSafeInteger(expires) || !ctx.signer.verify(fileId, expires, signature))
    refuse(403, "The content URL's signature is not valid", "BS-AUTH");
  if (expires * 1000 <= ctx.now()) refuse(403, "The content URL has expired", "BS-AUTH");
  const file = ctx.state.file(fileId);
  if (file === undefined) refuse(404, "The File of this content URL does not exist");
  assertComplete(file);
  return serveBytes(ctx, file, request, true);
}

function serveBytes(ctx: ServerContext, file: FileRecord, request: Request, honourRange: boolean): Response {
  const size = file.size;
  // The BS-DOWNLOAD mutant (testing conformance suites only) ignores Range.
  const range =
    ctx.mutations.has("BS-DOWNLOAD") || !honourRange
      ? ({ kind: "whole" } as const)
      : parseRange(request.headers.get("range"), size);
  const headers: Record<string, string> = {
    "content-type": file.contentType,
    "accept-ranges": "bytes",
  };
  if (file.etag !== undefined) {
    headers.etag = quoteEtag(file.etag);
    if (noneMatchHits(request.headers.get("if-none-match"), file.etag))
      return new Response(null, { status: 304, headers: { etag: headers.etag } });
  }
  if (range.kind === "unsatisfiable")
    return errorResponse(
      416,
      `Range ${request.headers.get("range")} lies outside the file's ${size} bytes`,
      "BS-DOWNLOAD",
      {
        headers: { "content-range": contentRange(undefined, size) },
      },
    );
  const start = range.kind === "range" ? range.start : 0;
  const end = range.kind === "range" ? range.end : size - 1;
  headers["content-length"] = String(end - start + 1);
  if (range.kind === "range") headers["content-range"] = contentRange(range, size);
  const status = range.kind === "range" ? 206 : 200;
  // HEAD: no body, so no file is opened.
  if (request.method === "HEAD" || size === 0) return new Response(null, { status, headers });
  const read = ctx.store.read.bind(ctx.store);
  return new Response(segmentStream(read, file.segments, { start, end }), { status, headers });
}
