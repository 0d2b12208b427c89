/**
 * YF-AUTH: every call needs `Authorization: Bearer <token>` [S4]; without a valid one it is refused
 * with 401 (RFC 6750 §3.1) or 403. YF-AUTH-ISOLATION: a token sees, downloads, deletes and
 * continues only its own uploads, with every verb. Every request is the documented one (the `role`
 * the guides' URLs carry, the headers [S4] shows) but for the one thing tested.
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext, HttpAnswer, HttpRequest } from "../../context.ts";
import {
  bearer,
  businessTypeOf,
  download,
  expectClosed,
  expectCreated,
  expectReadBack,
  filesUrl,
  listedIds,
  metadataOf,
  otherTokenOf,
  putChunk,
  type Session,
  startResumable,
  uniqueName,
  upload,
  youforceCheck,
} from "./api.ts";
import { frame, mediaPart, metadataPart, relatedContentType, utf8 } from "./wire.ts";

const ENDPOINTS = [
  "POST /files?uploadType=multipart",
  "PUT /files?uploadType=resumable",
  "GET /files?role=publisher",
  "GET /files/{fileId}",
  "HEAD /files/{fileId}",
  "DELETE /files/{fileId}?role=subscriber",
] as const;
type Endpoint = (typeof ENDPOINTS)[number];

/** How a request fails to carry the token: none, a wrong one, or the right one the wrong way. */
type Carrier =
  | { readonly kind: "no Authorization header" }
  | { readonly kind: "a wrong bearer token"; readonly token: string }
  | { readonly kind: "Bearer without a token" }
  | { readonly kind: "the token with the Basic scheme" }
  | { readonly kind: "the token in an x-access-token header" };

function carrierHeaders(carrier: Carrier, token: string): Record<string, string> {
  switch (carrier.kind) {
    case "no Authorization header":
      return {};
    case "a wrong bearer token":
      return bearer(carrier.token);
    case "Bearer without a token":
      return { authorization: "Bearer" };
    case "the token with the Basic scheme":
      return { authorization: `Basic ${btoa(`${token}:`)}` };
    case "the token in an x-access-token header":
      return { "x-access-token": token };
  }
}

const yfAuth: Check = youforceCheck(
  "YF-AUTH",
  "every endpoint answers 401 without a valid bearer token",
  async (ctx) => {
    const businessTypeId = businessTypeOf(ctx);
    const { token } = ctx.target;
    // Real things to guard: a stored file and an open resumable upload of the token.
    const name = uniqueName("auth");
    const file = expectCreated(
      ctx,
      await upload(ctx, { name, media: "guarded" }),
      { name, size: 7 },
      "upload",
    );
    const session = await startResumable(ctx, { name: uniqueName("auth-resumable"), chunk0: "chunk 0;" });

    const body = frame(
      [metadataPart(metadataOf(uniqueName("auth-anonymous"), businessTypeId)), mediaPart("anonymous")],
      { boundary: "auth_boundary" },
    );
    const requestOf = (endpoint: Endpoint, headers: Record<string, string>): HttpRequest => {
      switch (endpoint) {
        case "POST /files?uploadType=multipart":
          return {
            method: "POST",
            url: filesUrl(ctx, { uploadType: "multipart" }),
            headers: { ...headers, "content-type": relatedContentType("auth_boundary") },
            body,
          };
        case "PUT /files?uploadType=resumable":
          // Position 2, so that a chunk stored anyway shows when the upload closes at position 1.
          return {
            method: "PUT",
            url: filesUrl(ctx, { uploadType: "resumable", uploadToken: session.uploadToken, position: "2" }),
            headers: { ...headers, "content-type": "application/octet-stream" },
            body: utf8("anonymous chunk"),
          };
        case "GET /files?role=publisher":
          return { method: "GET", url: filesUrl(ctx, { role: "publisher" }), headers };
        case "GET /files/{fileId}":
          return { method: "GET", url: filesUrl(ctx, { role: "publisher" }, file.id), headers };
        case "HEAD /files/{fileId}":
          return { method: "HEAD", url: filesUrl(ctx, { role: "publisher" }, file.id), headers };
        case "DELETE /files/{fileId}?role=subscriber":
          return { method: "DELETE", url: filesUrl(ctx, { role: "subscriber" }, file.id), headers };
      }
    };
    const wrongToken = fc
      .stringMatching(/^[A-Za-z0-9\-._~+/]{8,40}$/)
      .filter((t) => t !== token && t !== ctx.target.otherToken);
    const carrier: fc.Arbitrary<Carrier> = fc.oneof(
      fc.constant({ kind: "no Authorization header" } as const),
      wrongToken.map((t) => ({ kind: "a wrong bearer token", token: t }) as const),
      fc.constant({ kind: "Bearer without a token" } as const),
      fc.constant({ kind: "the token with the Basic scheme" } as const),
      fc.constant({ kind: "the token in an x-access-token header" } as const),
    );
    await ctx.property(
      fc.record({ endpoint: fc.constantFrom(...ENDPOINTS), carrier }),
      async ({ endpoint, carrier }) => {
        const answer = await ctx.http.request(requestOf(endpoint, carrierHeaders(carrier, token)));
        if (answer.status !== 401 && answer.status !== 403)
          ctx.fail(
            `${endpoint} with ${carrier.kind} answered ${answer.status}, not 401 (or 403)`,
            answer.exchange,
          );
      },
      { numRuns: 30 },
    );

    // Nothing the refused calls sent was kept: the upload closes with the token's chunks only.
    const closed = await putChunk(ctx, session, { position: 1, bytes: utf8("closing"), close: true });
    const stored = await expectClosed(ctx, closed, session, 15, "closing the upload");
    await expectReadBack(ctx, stored.id, "chunk 0;closing", "the closed upload after the refused calls");
    await expectReadBack(ctx, file.id, "guarded", "the file after the refused calls");
  },
);

/** Fails unless `answer` refuses (one of `statuses`): another token's call must not succeed. */
function expectDenied(
  ctx: CheckContext,
  answer: HttpAnswer,
  statuses: readonly number[],
  what: string,
): void {
  if (!statuses.includes(answer.status))
    ctx.fail(`${what} answered ${answer.status}; expected ${statuses.join(" or ")}`, answer.exchange);
}

/** Every verb of the API, tried with the other token on the token's file and open upload. */
const ATTEMPTS = [
  "list as publisher",
  "list as subscriber",
  "GET as publisher",
  "GET as subscriber",
  "HEAD as publisher",
  "HEAD as subscriber",
  "DELETE as subscriber",
  "PUT a chunk",
  "PUT the closing chunk",
] as const;
type Attempt = (typeof ATTEMPTS)[number];

const yfAuthIsolation: Check = youforceCheck(
  "YF-AUTH-ISOLATION",
  "another token cannot list, download, HEAD, delete, continue or close a token's uploads",
  async (ctx) => {
    const other = otherTokenOf(ctx);
    businessTypeOf(ctx);
    const control = await ctx.http.request({
      method: "GET",
      url: filesUrl(ctx, { role: "publisher" }),
      headers: bearer(other),
    });
    if (control.status !== 200)
      ctx.skip(`the other token cannot list its own uploads (${control.status}); is --other-token valid?`);

    await ctx.property(
      fc.record({
        content: fc.uint8Array({ minLength: 1, maxLength: 256 }) as fc.Arbitrary<Uint8Array<ArrayBuffer>>,
        attempts: fc.shuffledSubarray<Attempt>([...ATTEMPTS], { minLength: ATTEMPTS.length }),
      }),
      async ({ content, attempts }) => {
        const name = uniqueName("isolation", ".bin");
        const file = expectCreated(
          ctx,
          await upload(ctx, { name, media: content }),
          { name, size: content.length },
          "upload",
        );
        const session: Session = await startResumable(ctx, {
          name: uniqueName("isolation-resumable"),
          chunk0: "mine;",
        });

        for (const attempt of attempts) {
          switch (attempt) {
            case "list as publisher":
            case "list as subscriber": {
              const role = attempt === "list as publisher" ? "publisher" : "subscriber";
              const { answer, ids } = await listedIds(ctx, name, {
                role,
                token: other,
                allStatuses: role === "subscriber",
              });
              if (ids.includes(file.id))
                ctx.fail(`the other token's ${role} listing shows the token's file`, answer.exchange);
              break;
            }
            case "GET as publisher":
            case "GET as subscriber":
            case "HEAD as publisher":
            case "HEAD as subscriber": {
              const [method, , role] = attempt.split(" ") as [
                "GET" | "HEAD",
                "as",
                "publisher" | "subscriber",
              ];
              expectDenied(
                ctx,
                await download(ctx, file.id, { token: other, role, method }),
                [403, 404],
                `the other token's ${method} of the token's file as ${role}`,
              );
              break;
            }
            case "DELETE as subscriber": {
              const answer = await ctx.http.request({
                method: "DELETE",
                url: filesUrl(ctx, { role: "subscriber" }, file.id),
                headers: bearer(other),
              });
              expectDenied(ctx, answer, [403, 404], "the other token deleting the token's file");
              break;
            }
            case "PUT a chunk":
              // Position 2: a chunk stored anyway shows when the token closes at position 1.
              expectDenied(
                ctx,
                await putChunk(ctx, session, { position: 2, bytes: utf8("theirs"), token: other }),
                [400, 403, 404],
                "the other token sending a chunk to the token's resumable upload",
              );
              break;
            case "PUT the closing chunk":
              expectDenied(
                ctx,
                await putChunk(ctx, session, {
                  position: 1,
                  bytes: utf8("theirs"),
                  close: true,
                  token: other,
                }),
                [400, 403, 404],
                "the other token closing the token's resumable upload",
              );
              break;
          }
        }

        // The token's own things are unchanged: the file reads back, the upload closes with its bytes.
        await expectReadBack(ctx, file.id, content, "the token's file after the other token's calls");
        const closed = await putChunk(ctx, session, { position: 1, bytes: utf8("end"), close: true });
        const stored = await expectClosed(ctx, closed, session, 8, "closing the token's resumable upload");
        await expectReadBack(ctx, stored.id, "mine;end", "the closed resumable upload");
      },
      { numRuns: 2 },
    );
  },
);

export const authChecks: readonly Check[] = [yfAuth, yfAuthIsolation];
