/**
 * CV-RATE-LIMIT-HEADERS (should): API answers carry X-RateLimit-Limit, X-RateLimit-Remaining and
 * X-RateLimit-Reset, and GET /rate_limit does not count against the limit.
 * Source: https://docs.sevenbridges.com/docs/api-rate-limit, "All rate limit information is returned
 * to the user in the following HTTP headers"; https://docs.sevenbridges.com/reference/get-your-current-rate-limit-status,
 * "Note that making this API call does not count against your rate limit." That every answer carries
 * them is an inference from the first sentence.
 *
 * Check: an upload listing (GET /upload/multipart) carries the three headers as integers; two
 * consecutive GET /rate_limit answer 200 with the same `rate.remaining`.
 */
import type { Check } from "../../check.ts";
import { call } from "./protocol.ts";

const HEADERS = ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"] as const;

export const cvRateLimitHeaders: Check = {
  id: "CV-RATE-LIMIT-HEADERS",
  protocol: "cavatica",
  title: "API answers carry X-RateLimit-*; GET /rate_limit does not count",
  async run(ctx) {
    const listing = await call(ctx, "GET", "/upload/multipart");
    for (const name of HEADERS) {
      const value = listing.headers.get(name);
      if (value === null || !/^\d+$/.test(value))
        ctx.fail(`GET /upload/multipart answered ${name}: ${JSON.stringify(value)}, not an integer`);
    }
    const remaining = [];
    for (let i = 0; i < 2; i++) {
      const answer = await call(ctx, "GET", "/rate_limit");
      if (answer.status !== 200) ctx.fail(`GET /rate_limit answered ${answer.status}, not 200`);
      remaining.push(answer.json<{ rate?: { remaining?: unknown } }>()?.rate?.remaining);
    }
    if (typeof remaining[0] !== "number" || remaining[0] !== remaining[1])
      ctx.fail(`two GET /rate_limit answered rate.remaining ${JSON.stringify(remaining)}: it counted itself`);
  },
};
