/**
 * Refusals: every one carries the [S4] envelope `{CorrelationId, Message, ErrorCode, Exception}`
 * with ErrorCode the status as text (YF-ERROR-ENVELOPE for refused uploads, YF-ERROR-ENVELOPE-ALL
 * for the rest); a client over the rate limit is answered 429 with Retry-After and a request after
 * that wait succeeds (YF-RATE-LIMIT, UploadFile.ps1's spike arrest).
 */
import { setTimeout as sleep } from "node:timers/promises";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import { type CheckContext, type HttpAnswer, retryAfterMs } from "../../context.ts";
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

/** Without a known limit: requests sent to find one; a server that answers none 429 is skipped. */
const PROBE = 120;
const WAVE = 10;
/** With a known limit: concurrent requests per wave of the burst. */
const WAVE_KNOWN = 50;

const yfRateLimit: Check = youforceCheck(
  "YF-RATE-LIMIT",
  "a burst beyond the rate limit answers 429 with Retry-After, and a request after that wait succeeds",
  async (ctx) => {
    const known = ctx.target.rateLimit;
    const token = known?.token ?? ctx.target.token;
    const list = (): Promise<HttpAnswer> =>
      ctx.http.request({
        method: "GET",
        url: filesUrl(ctx, { role: "publisher", pageSize: "1" }),
        headers: bearer(token),
        retryRateLimited: false,
      });
    // The burst: the cheapest documented request, HEAD of a file nobody has (its answer, 403 or 404
    // as the server reads it, does not matter; only a 429 does).
    const probe = (): Promise<HttpAnswer> =>
      ctx.http.request({
        method: "HEAD",
        url: filesUrl(ctx, { role: "publisher" }, globalThis.crypto.randomUUID()),
        headers: bearer(token),
        retryRateLimited: false,
      });
    const wave = async (size: number): Promise<HttpAnswer | undefined> => {
      const answers = await Promise.all(Array.from({ length: size }, probe));
      return answers.find((answer) => answer.status === 429);
    };
    let limited: HttpAnswer | undefined;
    if (known === undefined) {
      for (let sent = 0; sent < PROBE && limited === undefined; sent += WAVE) limited = await wave(WAVE);
    } else {
      // 2L+2 requests within one window's time fall in at most two fixed windows, so one holds
      // more than L. Sent in waves of up to 50 concurrent requests.
      const burst = 2 * known.requests + 2;
      for (let attempt = 0; attempt < 2 && limited === undefined; attempt++) {
        const started = Date.now();
        for (let sent = 0; sent < burst && limited === undefined; sent += WAVE_KNOWN)
          limited = await wave(Math.min(WAVE_KNOWN, burst - sent));
        if (limited === undefined && Date.now() - started < known.windowMs)
          ctx.fail(
            `${burst} requests within ${Date.now() - started} ms, over the limit of ${known.requests} per ${known.windowMs} ms, and none answered 429`,
          );
      }
    }
    const hit =
      limited ??
      ctx.skip(
        known === undefined
          ? `no 429 within a burst of ${PROBE} requests and no known rate limit (Target.rateLimit)`
          : `could not send ${2 * known.requests + 2} requests within ${known.windowMs} ms: the limit cannot be reached from here`,
      );
    const wait =
      retryAfterMs(hit.headers.get("retry-after")) ??
      ctx.fail("the 429 has no Retry-After saying when to come back (RFC 6585 §4)", hit.exchange);
    const maxWait = ctx.target.maxWaitMs ?? 15_000;
    if (wait > maxWait)
      ctx.skip(
        `Retry-After asks for ${Math.ceil(wait / 1000)} s, longer than the ${maxWait} ms the check may wait (--wait)`,
      );
    await sleep(wait + 50, undefined, { signal: ctx.signal });
    const after = await list();
    if (after.status !== 200)
      ctx.fail(
        `a request after waiting what Retry-After said (${hit.headers.get("retry-after")}) answered ${after.status}, not 200`,
        after.exchange,
      );
  },
);

export const errorChecks: readonly Check[] = [yfErrorEnvelope, yfErrorEnvelopeAll, yfRateLimit];
