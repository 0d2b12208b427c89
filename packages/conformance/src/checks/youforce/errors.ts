/**
 * Refusals: every one carries the [S4] envelope `{CorrelationId, Message, ErrorCode, Exception}`
 * with ErrorCode the status as text (YF-ERROR-ENVELOPE); a client over the rate limit is answered
 * 429 and may retry after waiting (YF-RATE-LIMIT, UploadFile.ps1's spike arrest).
 */
import { setTimeout as sleep } from "node:timers/promises";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext, HttpAnswer } from "../../context.ts";
import {
  bearer,
  businessTypeOf,
  download,
  expectEnvelope,
  filesUrl,
  forgetIfStored,
  metadataOf,
  postFiles,
  putChunk,
  uniqueName,
  youforceCheck,
} from "./api.ts";
import { freshBoundary } from "./arbitraries.ts";
import { frame, mediaPart, metadataPart, relatedContentType, utf8 } from "./wire.ts";

/** Uploads that other `must` rules require a server to refuse: [S4]'s "If the request fails". */
const REFUSED_UPLOADS = [
  "an application/json body (YF-CONTENT-TYPE)",
  "no close delimiter (MIME-CLOSE-DELIMITER)",
  "the metadata part second (YF-METADATA-FIRST)",
  "a file name with a space (YF-NAME-CHARSET)",
  "a 71-character boundary (MIME-BOUNDARY-LENGTH)",
] as const;

/** Other refusals: the envelope there is an inference (gateways may answer in their own shape). */
const OTHER_REFUSALS = [
  "no token (YF-AUTH)",
  "a wrong token (YF-AUTH)",
  "an unknown file id (YF-AUTH-ISOLATION)",
  "an unknown upload token (YF-RESUMABLE-TOKEN)",
] as const;
type Refusal = (typeof REFUSED_UPLOADS)[number] | (typeof OTHER_REFUSALS)[number];

function send(ctx: CheckContext, refusal: Refusal, boundary: string, id: string): Promise<HttpAnswer> {
  const businessTypeId = businessTypeOf(ctx);
  const name = uniqueName("envelope");
  const metadata = metadataPart(metadataOf(name, businessTypeId));
  const media = mediaPart("envelope");
  const contentType = relatedContentType(boundary);
  switch (refusal) {
    case "no token (YF-AUTH)":
      return ctx.http.request({ method: "GET", url: filesUrl(ctx, { role: "publisher" }) });
    case "a wrong token (YF-AUTH)":
      return ctx.http.request({
        method: "GET",
        url: filesUrl(ctx, { role: "publisher" }),
        headers: bearer(`wrong-${id}`),
      });
    case "an unknown file id (YF-AUTH-ISOLATION)":
      return download(ctx, id);
    case "an unknown upload token (YF-RESUMABLE-TOKEN)":
      return putChunk(ctx, { uploadToken: id, token: ctx.target.token }, { position: 1, bytes: utf8("x") });
    case "an application/json body (YF-CONTENT-TYPE)":
      return postFiles(ctx, utf8(JSON.stringify(metadataOf(name, businessTypeId))), {
        contentType: "application/json",
      });
    case "no close delimiter (MIME-CLOSE-DELIMITER)":
      return postFiles(ctx, frame([metadata, media], { boundary, close: false }), { contentType });
    case "the metadata part second (YF-METADATA-FIRST)":
      return postFiles(ctx, frame([media, metadata], { boundary }), { contentType });
    case "a file name with a space (YF-NAME-CHARSET)":
      return postFiles(
        ctx,
        frame([metadataPart(metadataOf(`${name} copy.txt`, businessTypeId)), media], { boundary }),
        { contentType },
      );
    case "a 71-character boundary (MIME-BOUNDARY-LENGTH)": {
      const long = boundary.repeat(3).slice(0, 71);
      return postFiles(ctx, frame([metadata, media], { boundary: long }), {
        contentType: relatedContentType(long),
      });
    }
  }
}

/** Sends every refusal of `refusals` (each with a generated boundary and id) and checks the envelope. */
async function expectEnvelopes(ctx: CheckContext, refusals: readonly Refusal[]): Promise<void> {
  businessTypeOf(ctx);
  await ctx.property(
    fc.record({ boundary: freshBoundary, id: fc.uuid() }),
    async ({ boundary, id }) => {
      for (const refusal of refusals) {
        const answer = await send(ctx, refusal, boundary, id);
        forgetIfStored(ctx, answer);
        if (answer.status < 400)
          ctx.fail(
            `a request with ${refusal} answered ${answer.status}: it must be refused`,
            answer.exchange,
          );
        expectEnvelope(ctx, answer, `a request with ${refusal}`);
      }
    },
    { numRuns: 3 },
  );
}

const yfErrorEnvelope: Check = youforceCheck(
  "YF-ERROR-ENVELOPE",
  "every refused upload answers {CorrelationId, Message, ErrorCode, Exception} with ErrorCode the status",
  (ctx) => expectEnvelopes(ctx, REFUSED_UPLOADS),
);

const yfErrorEnvelopeAll: Check = youforceCheck(
  "YF-ERROR-ENVELOPE-ALL",
  "refusals of a token, a file id or an upload token answer the same envelope",
  (ctx) => expectEnvelopes(ctx, OTHER_REFUSALS),
);

/** Requests sent to find the limit; a server that answers none of them 429 is not rate limited. */
const BURST = 120;
const WAVE = 10;
/** The longest the check waits for the limit to lift (a minute's window, and some). */
const MAX_WAIT_MS = 90_000;

function retryAfterMs(answer: HttpAnswer): number | undefined {
  const header = answer.headers.get("retry-after");
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const yfRateLimit: Check = youforceCheck(
  "YF-RATE-LIMIT",
  "a burst beyond the rate limit answers 429 with the error body, and a later request succeeds",
  async (ctx) => {
    const list = (): Promise<HttpAnswer> =>
      ctx.http.request({
        method: "GET",
        url: filesUrl(ctx, { role: "publisher", pageSize: "1" }),
        headers: bearer(ctx.target.token),
      });
    const burst = async (): Promise<HttpAnswer | undefined> => {
      for (let sent = 0; sent < BURST; sent += WAVE) {
        const wave = await Promise.all(Array.from({ length: WAVE }, list));
        const limited = wave.find((answer) => answer.status === 429);
        if (limited !== undefined) return limited;
      }
      return undefined;
    };
    const limited =
      (await burst()) ??
      ctx.skip(
        `no 429 within a burst of ${BURST} requests: the server has no rate limit this check can reach`,
      );
    expectEnvelope(ctx, limited, "a request over the rate limit");

    // Retry after the time Retry-After names (or a minute), with backoff: a later request succeeds.
    const deadline = Date.now() + Math.min((retryAfterMs(limited) ?? 60_000) + 5_000, MAX_WAIT_MS);
    let delay = 500;
    for (;;) {
      await sleep(Math.min(delay, Math.max(0, deadline - Date.now())), undefined, { signal: ctx.signal });
      const answer = await list();
      if (answer.status === 200) return;
      if (answer.status !== 429)
        ctx.fail(`a request after the 429 answered ${answer.status}, not 200`, answer.exchange);
      if (Date.now() >= deadline)
        ctx.fail(
          `requests still answer 429 after waiting what Retry-After said (${limited.headers.get("retry-after") ?? "no Retry-After"})`,
          answer.exchange,
        );
      delay *= 2;
    }
  },
);

export const errorChecks: readonly Check[] = [yfErrorEnvelope, yfErrorEnvelopeAll, yfRateLimit];
