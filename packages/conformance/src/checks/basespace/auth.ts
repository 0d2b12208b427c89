/**
 * Authentication:
 *
 * - BS-AUTH (must): every request carries an access token; the documented carrier is the
 *   `x-access-token` header, and a request without a token or with a token the server does not
 *   know is refused. Source: [S0][S1] ("A file may be uploaded to an AppResult to which your
 *   application has WRITE access."; every example carries `x-access-token`). The refusal status is
 *   undocumented: any 4xx passes. Generated endpoints are called with no token and with generated
 *   wrong tokens in x-access-token; then the documented flow succeeds with x-access-token.
 * - BS-AUTH-401 (should): that refusal is 401. Inference: RFC 9110 §15.5.2, the Java SDK's
 *   UnauthorizedException. Generated endpoints, carriers and wrong tokens must answer 401 with an
 *   error body.
 * - BS-AUTH-CARRIERS (should): `Authorization: Bearer` and `access_token` work too. Source: the
 *   BaseSpace v1 API reference (not among the seeds). The whole flow succeeds with each; wrong
 *   tokens in them are refused (any 4xx).
 */
import type { File } from "@partwise/protocol-basespace";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext, HttpAnswer } from "../../context.ts";
import {
  abortAfterwards,
  abortIfCreated,
  appResultOf,
  bytesOf,
  type Call,
  envelopeOf,
  expectErrorBody,
  expectRefused,
  expectStatus,
  initiate,
  initiateCall,
  send,
  storePart,
  TOKEN_CARRIERS,
  type TokenCarrier,
} from "./support.ts";

type Endpoint = "initiate" | "initiate-elsewhere" | "list" | "part" | "complete" | "file" | "content";
const ENDPOINTS: readonly Endpoint[] = [
  "initiate",
  "initiate-elsewhere",
  "list",
  "part",
  "complete",
  "file",
  "content",
];

function callOf(endpoint: Endpoint, appResult: string, id: string): Omit<Call, "token" | "carrier"> {
  const ar = encodeURIComponent(appResult);
  const fileId = encodeURIComponent(id);
  switch (endpoint) {
    case "initiate":
      return initiateCall(appResult, { name: "auth.bin" });
    case "initiate-elsewhere":
      // An AppResult no identity has written to: only the token can refuse this request.
      return initiateCall(`${appResult}-pw${id}`, { name: "auth.bin" });
    case "list":
      return { method: "GET", path: `/appresults/${ar}/files` };
    case "part":
      return { method: "PUT", path: `/files/${fileId}/parts/1`, body: new Uint8Array([120]) };
    case "complete":
      return { method: "POST", path: `/files/${fileId}?uploadstatus=complete` };
    case "file":
      return { method: "GET", path: `/files/${fileId}` };
    case "content":
      return { method: "GET", path: `/files/${fileId}/content?redirect=false` };
  }
}

/**
 * The flow, every request carrying the token in `carrier`; each must succeed. `documented` keeps to
 * the requests of [S0][S1] (initiate, part, complete); otherwise the SDKs' reads come too.
 */
async function flowWith(
  ctx: CheckContext,
  appResult: string,
  carrier: TokenCarrier,
  documented = false,
): Promise<void> {
  const as = `with the token in ${carrier}`;
  const ar = encodeURIComponent(appResult);
  const started = await send(ctx, { ...initiateCall(appResult, { name: `auth-${carrier}.bin` }), carrier });
  expectStatus(ctx, started, 200, `initiating ${as}`);
  const fileId = encodeURIComponent(envelopeOf<File>(ctx, started, "FileResponse", `initiating ${as}`).Id);
  const upload = { id: fileId, ended: false };
  abortAfterwards(ctx, upload);
  ctx.spend(1);
  const calls: [string, Call, number[]][] = [
    [
      "PUT part 1",
      { method: "PUT", path: `/files/${fileId}/parts/1`, body: new Uint8Array([120]), carrier },
      [200],
    ],
    ["GET the file", { method: "GET", path: `/files/${fileId}`, carrier }, [200]],
    ["GET the AppResult's files", { method: "GET", path: `/appresults/${ar}/files`, carrier }, [200]],
    ["completing", { method: "POST", path: `/files/${fileId}?uploadstatus=complete`, carrier }, [200, 201]],
    ["downloading", { method: "GET", path: `/files/${fileId}/content?redirect=false`, carrier }, [200]],
  ];
  for (const [what, call, statuses] of calls) {
    if (documented && what !== "PUT part 1" && what !== "completing") continue;
    const answer = await send(ctx, call);
    expectStatus(ctx, answer, statuses, `${what} ${as}`);
    if (what === "completing") upload.ended = true;
  }
}

/** Generated endpoint × carrier × wrong token requests; each answer goes to `judge`. */
async function wrongTokens(
  ctx: CheckContext,
  carriers: readonly (TokenCarrier | "none")[],
  numRuns: number,
  judge: (answer: HttpAnswer, what: string) => void,
): Promise<void> {
  const appResult = appResultOf(ctx);
  const upload = await initiate(ctx, { name: "auth.bin" });
  await storePart(ctx, upload.id, 1, bytesOf(1, 1));
  const known = new Set([ctx.target.token, ctx.target.otherToken]);
  const wrongToken = fc.stringMatching(/^[A-Za-z0-9._~-]{1,64}$/).filter((token) => !known.has(token));
  await ctx.property(
    fc.record({
      endpoint: fc.constantFrom(...ENDPOINTS),
      carrier: fc.constantFrom(...carriers),
      token: wrongToken,
    }),
    async ({ endpoint, carrier, token }) => {
      const call = callOf(endpoint, appResult, upload.id);
      const answer = await send(ctx, {
        ...call,
        ...(carrier === "none" ? { token: null } : { token, carrier }),
      });
      if (endpoint.startsWith("initiate")) abortIfCreated(ctx, answer);
      judge(
        answer,
        `${call.method} ${endpoint} with ${carrier === "none" ? "no token" : `a wrong token in ${carrier}`}`,
      );
    },
    { numRuns },
  );
}

export const bsAuth: Check = {
  id: "BS-AUTH",
  protocol: "basespace",
  title: "a missing or wrong token is refused; the documented x-access-token works",
  async run(ctx) {
    const known = new Set([ctx.target.token, ctx.target.otherToken]);
    const stranger = `pw-${Math.floor(ctx.random() * 1e9)}`;
    if (!known.has(stranger)) {
      const elsewhere = initiateCall(`${appResultOf(ctx)}-pw${stranger}`, { name: "auth.bin" });
      const answer = await send(ctx, { ...elsewhere, token: stranger });
      abortIfCreated(ctx, answer, stranger);
      expectRefused(ctx, answer, "initiating in an unused AppResult with a wrong token in x-access-token");
    }
    await wrongTokens(ctx, ["none", "x-access-token"], 20, (answer, what) =>
      expectRefused(ctx, answer, what),
    );
    await flowWith(ctx, appResultOf(ctx), "x-access-token", true);
  },
};

export const bsAuth401: Check = {
  id: "BS-AUTH-401",
  protocol: "basespace",
  title: "a missing or wrong token is refused with 401",
  async run(ctx) {
    await wrongTokens(ctx, ["none", ...TOKEN_CARRIERS], 20, (answer, what) => {
      expectStatus(ctx, answer, 401, what);
      expectErrorBody(ctx, answer, what);
    });
  },
};

export const bsAuthCarriers: Check = {
  id: "BS-AUTH-CARRIERS",
  protocol: "basespace",
  title: "the token also works as Authorization Bearer and as access_token",
  async run(ctx) {
    const appResult = appResultOf(ctx);
    await flowWith(ctx, appResult, "bearer");
    await flowWith(ctx, appResult, "query");
    await wrongTokens(ctx, ["bearer", "query"], 10, (answer, what) => expectRefused(ctx, answer, what));
  },
};
