/**
 * The YouForce File API as a fetch-style handler, `(Request) => Promise<Response>`: routing,
 * spike arrest, authentication, then the operation. Every refusal and every failure leaves here
 * as the [S4] error envelope naming its rule (YF-ERROR-ENVELOPE); nothing escapes as a 500 except
 * a real server fault, which says nothing about its cause.
 */
import type { FetchHandler } from "@partwise/node";
import { Authenticator } from "./auth.ts";
import type { HandlerContext, ServerConfig } from "./context.ts";
import { refuse, toErrorResponse } from "./errors.ts";
import { deleteFile } from "./handlers/delete-file.ts";
import { downloadFile } from "./handlers/download-file.ts";
import { listFiles } from "./handlers/list-files.ts";
import { uploadChunk } from "./handlers/upload-chunk.ts";
import { uploadFile } from "./handlers/upload-file.ts";
import type { RateLimiter } from "./rate-limit.ts";
import { matchRoute } from "./routes.ts";
import type { YouforceState } from "./state.ts";

export interface HandlerDeps {
  readonly state: YouforceState;
  readonly config: ServerConfig;
  readonly auth: Authenticator;
  readonly rateLimiter: RateLimiter | undefined;
  /** The identities the rate limit applies to; undefined: every client. */
  readonly rateLimited: ReadonlySet<string> | undefined;
}

export function createHandler(deps: HandlerDeps): FetchHandler {
  return async (request) => {
    try {
      return await handle(deps, request);
    } catch (error) {
      return toErrorResponse(error);
    }
  };
}

async function handle(deps: HandlerDeps, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const route = matchRoute(request.method, url.pathname);
  // Fixed, so an answer never echoes the request.
  if (route.kind === "not-found") refuse(404, "No such resource: no operation of the File API has this path");

  if (deps.rateLimiter) {
    // YF-RATE-LIMIT: counted per client credential (the HMAC identity, never the token itself),
    // for the credentials `rateLimit.tokens` names (default all).
    const token = Authenticator.bearer(request);
    const client = token === undefined ? "anonymous" : deps.auth.identity(token).id;
    const wait =
      deps.rateLimited === undefined || deps.rateLimited.has(client)
        ? deps.rateLimiter.take(client)
        : undefined;
    // Mutation YF-RATE-LIMIT:no-retry-after: the 429 does not say when to come back.
    if (wait !== undefined)
      refuse(
        429,
        "Spike arrest violation; retry later",
        "YF-RATE-LIMIT",
        deps.config.mutations.has("YF-RATE-LIMIT:no-retry-after") ? {} : { "retry-after": String(wait) },
      );
  }
  if (route.kind === "method-not-allowed")
    refuse(405, `${request.method} is not allowed here; use ${route.allow}`, undefined, {
      allow: route.allow,
    });

  const identity = deps.auth.authenticate(request);
  const ctx: HandlerContext = { state: deps.state, config: deps.config, identity, url, request };
  switch (route.operation) {
    case "uploadFile":
      return uploadFile(ctx);
    case "uploadChunk":
      return uploadChunk(ctx);
    case "listFiles":
      return listFiles(ctx);
    case "downloadFile":
      return downloadFile(ctx, route.fileId ?? "", false);
    case "headFile":
      return downloadFile(ctx, route.fileId ?? "", true);
    case "deleteFile":
      return deleteFile(ctx, route.fileId ?? "");
  }
}
