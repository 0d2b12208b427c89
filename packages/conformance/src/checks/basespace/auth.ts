/**
 * BS-AUTH (must): every request carries an access token as the `x-access-token` header, an
 * `Authorization: Bearer` header or the `access_token` query parameter; a request without a valid
 * token is refused with 401.
 * Source: BaseSpace v1 API reference,
 * https://developer.basespace.illumina.com/docs/content/documentation/rest-api/v1-api-reference
 *
 * Each endpoint is called with no token and with generated wrong tokens in each carrier and must
 * answer 401 with an error body; then the whole flow (initiate, part, file, list, complete,
 * content) succeeds with each of the three carriers.
 */
import type { File } from "@partwise/protocol-basespace";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext } from "../../context.ts";
import {
  abortAfterwards,
  appResultOf,
  bytesOf,
  type Call,
  envelopeOf,
  expectErrorBody,
  expectStatus,
  initiate,
  query,
  send,
  storePart,
  TOKEN_CARRIERS,
  type TokenCarrier,
} from "./support.ts";

type Endpoint = "initiate" | "list" | "part" | "complete" | "file" | "content";
const ENDPOINTS: readonly Endpoint[] = ["initiate", "list", "part", "complete", "file", "content"];

function callOf(endpoint: Endpoint, appResult: string, id: string): Omit<Call, "token" | "carrier"> {
  const ar = encodeURIComponent(appResult);
  const fileId = encodeURIComponent(id);
  switch (endpoint) {
    case "initiate":
      return {
        method: "POST",
        path: `/appresults/${ar}/files${query({ name: "auth.bin", multipart: "true" })}`,
      };
    case "list":
      return { method: "GET", path: `/appresults/${ar}/files` };
    case "part":
      return { method: "PUT", path: `/files/${fileId}/parts/1`, body: "x" };
    case "complete":
      return { method: "POST", path: `/files/${fileId}?uploadstatus=complete` };
    case "file":
      return { method: "GET", path: `/files/${fileId}` };
    case "content":
      return { method: "GET", path: `/files/${fileId}/content?redirect=false` };
  }
}

/** The documented flow, every request carrying the token in `carrier`; each must succeed. */
async function flowWith(ctx: CheckContext, appResult: string, carrier: TokenCarrier): Promise<void> {
  const as = `with the token in ${carrier}`;
  const ar = encodeURIComponent(appResult);
  const started = await send(ctx, {
    method: "POST",
    path: `/appresults/${ar}/files${query({ name: `auth-${carrier}.bin`, multipart: "true" })}`,
    carrier,
  });
  expectStatus(ctx, started, 200, `initiating ${as}`);
  const fileId = encodeURIComponent(envelopeOf<File>(ctx, started, "FileResponse", `initiating ${as}`).Id);
  const upload = { id: fileId, ended: false };
  abortAfterwards(ctx, upload);
  ctx.spend(1);
  const calls: [string, Call, number[]][] = [
    ["PUT part 1", { method: "PUT", path: `/files/${fileId}/parts/1`, body: "x", carrier }, [200]],
    ["GET the file", { method: "GET", path: `/files/${fileId}`, carrier }, [200]],
    ["GET the AppResult's files", { method: "GET", path: `/appresults/${ar}/files`, carrier }, [200]],
    ["completing", { method: "POST", path: `/files/${fileId}?uploadstatus=complete`, carrier }, [200, 201]],
    ["downloading", { method: "GET", path: `/files/${fileId}/content?redirect=false`, carrier }, [200]],
  ];
  for (const [what, call, statuses] of calls) {
    const answer = await send(ctx, call);
    expectStatus(ctx, answer, statuses, `${what} ${as}`);
    if (what === "completing") upload.ended = true;
  }
}

export const bsAuth: Check = {
  id: "BS-AUTH",
  protocol: "basespace",
  title: "a missing or wrong token is refused with 401; each of the three token carriers works",
  async run(ctx) {
    const appResult = appResultOf(ctx);
    const upload = await initiate(ctx, { name: "auth.bin" });
    await storePart(ctx, upload.id, 1, bytesOf(1, 1));
    const known = new Set([ctx.target.token, ctx.target.otherToken]);
    const wrongToken = fc.stringMatching(/^[A-Za-z0-9._~-]{1,64}$/).filter((token) => !known.has(token));
    await ctx.property(
      fc.record({
        endpoint: fc.constantFrom(...ENDPOINTS),
        carrier: fc.constantFrom<TokenCarrier | "none">("none", ...TOKEN_CARRIERS),
        token: wrongToken,
      }),
      async ({ endpoint, carrier, token }) => {
        const call = callOf(endpoint, appResult, upload.id);
        const answer = await send(ctx, {
          ...call,
          ...(carrier === "none" ? { token: null } : { token, carrier }),
        });
        const what = `${call.method} ${endpoint} with ${carrier === "none" ? "no token" : `a wrong token in ${carrier}`}`;
        expectStatus(ctx, answer, 401, what);
        expectErrorBody(ctx, answer, what);
      },
      { numRuns: 30 },
    );
    for (const carrier of TOKEN_CARRIERS) await flowWith(ctx, appResult, carrier);
  },
};
