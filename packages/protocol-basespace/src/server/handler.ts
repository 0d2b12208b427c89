/**
 * The fetch-style handler: route (404, 405), authenticate (BS-AUTH), dispatch by operationId,
 * and turn every refusal into the error envelope (BS-ERROR-ENVELOPE). Anything unexpected is a
 * 500 with a generic message, never a crash and never a stack or token in the answer.
 */
import { ConnectionResetSignal, type FetchHandler } from "@partwise/node";
import { type AuthPolicy, authenticate, type IdentityId } from "./auth.ts";
import type { RequestContext, ServerContext } from "./context.ts";
import { errorResponse, failureResponse } from "./errors.ts";
import { getFileContent, getSignedContent, isSignedContentRequest } from "./handlers/content.ts";
import { createAppResultFile } from "./handlers/create.ts";
import { getFile, listAppResultFiles } from "./handlers/files.ts";
import { uploadFilePart } from "./handlers/part.ts";
import { setFileUploadStatus } from "./handlers/status.ts";
import { mutateAnswer } from "./mutations.ts";
import { queryParams } from "./params.ts";
import { resolveRoute } from "./routes.ts";

export function createHandler(
  ctx: ServerContext,
  accepted: ReadonlySet<IdentityId> | undefined,
): FetchHandler {
  const { mutations, policy } = ctx;
  const auth: AuthPolicy = {
    // The BS-AUTH mutant (testing conformance suites only) accepts any token.
    accepted: mutations.has("BS-AUTH") ? undefined : accepted,
    missingStatus: mutations.has("BS-AUTH-401") ? 403 : 401,
    unknownStatus: mutations.has("BS-AUTH-401") ? 403 : policy.unknownTokenStatus,
    headerOnly: mutations.has("BS-AUTH-CARRIERS"),
  };
  const answer = async (request: Request) => {
    try {
      return await dispatch(ctx, auth, request);
    } catch (error) {
      if (error instanceof ConnectionResetSignal) throw error;
      return failureResponse(error);
    }
  };
  if (mutations.size === 0) return answer;
  // A mutant server (testing conformance suites only): the envelope mutants rewrite the answers.
  return async (request) => mutateAnswer(mutations, await answer(request));
}

async function dispatch(ctx: ServerContext, auth: AuthPolicy, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const route = resolveRoute(request.method, url.pathname);
  if (route.kind === "not-found")
    return errorResponse(404, `No such resource: ${url.pathname.slice(0, 200)}`);
  if (route.kind === "method-not-allowed")
    return errorResponse(405, `${request.method.slice(0, 20)} is not allowed here`, undefined, {
      headers: { allow: route.allow.join(", ") },
    });
  if (route.op === "getFileContent" && isSignedContentRequest(url))
    return getSignedContent(ctx, request, url, route.params.fileId ?? "");
  const rctx: RequestContext = {
    request,
    url,
    query: queryParams(url),
    params: route.params,
    identity: authenticate(request, url, auth),
  };
  switch (route.op) {
    case "createAppResultFile":
      return createAppResultFile(ctx, rctx);
    case "listAppResultFiles":
      return listAppResultFiles(ctx, rctx);
    case "uploadFilePart":
      return uploadFilePart(ctx, rctx);
    case "setFileUploadStatus":
      return setFileUploadStatus(ctx, rctx);
    case "getFile":
      return getFile(ctx, rctx);
    case "getFileContent":
      return getFileContent(ctx, rctx);
  }
}
