/**
 * The rate limit (CV-RATE-LIMIT-HEADERS): "The API rate limit is a limit to the number of calls you
 * can send ... That limit is 1000 requests within 5 minutes", reported in `X-RateLimit-Limit`,
 * `X-RateLimit-Remaining` and `X-RateLimit-Reset` (https://docs.sevenbridges.com/docs/api-rate-limit)
 * and by `GET /rate_limit`, which "does not count against your rate limit"
 * (https://docs.sevenbridges.com/reference/get-your-current-rate-limit-status).
 *
 * The reference server counts each token's API calls in five-minute windows and reports them, but
 * refuses none: a development server that answered 429 would stall the SDKs (sevenbridges-python
 * sleeps until the reset) for no benefit. Fault injection (`--fault op=…,status=429`) tests 429s.
 */
import type { RateLimit } from "../../generated/schemas.ts";
import type { OwnerId } from "../auth.ts";
import { ignoreBody } from "../body.ts";
import type { OperationHandler, ServerContext } from "../context.ts";

const LIMIT = 1000;
const WINDOW_MS = 5 * 60 * 1000;
/** Past this many tracked owners, expired windows are dropped. */
const PRUNE_AT = 10_000;

interface Window {
  start: number;
  count: number;
}

const windows = new WeakMap<ServerContext, Map<OwnerId, Window>>();

function windowOf(context: ServerContext, owner: OwnerId): Window {
  const now = context.now();
  const owners = windows.get(context) ?? new Map<OwnerId, Window>();
  windows.set(context, owners);
  if (owners.size > PRUNE_AT)
    for (const [key, window] of owners) if (now - window.start >= WINDOW_MS) owners.delete(key);
  const current = owners.get(owner);
  if (current !== undefined && now - current.start < WINDOW_MS) return current;
  const fresh: Window = { start: now, count: 0 };
  owners.set(owner, fresh);
  return fresh;
}

function status(window: Window): RateLimit["rate"] {
  return {
    limit: LIMIT,
    remaining: Math.max(0, LIMIT - window.count),
    reset: Math.ceil((window.start + WINDOW_MS) / 1000),
  };
}

/** Counts one API call of `owner` (unless `free`) and sets the three headers on `response`. */
export function countCall(context: ServerContext, owner: OwnerId, response: Response, free: boolean): void {
  const window = windowOf(context, owner);
  if (!free) window.count++;
  const rate = status(window);
  response.headers.set("x-ratelimit-limit", String(rate.limit));
  response.headers.set("x-ratelimit-remaining", String(rate.remaining));
  response.headers.set("x-ratelimit-reset", String(rate.reset));
}

/** GET /rate_limit: the caller's window, not counted. */
export const getRateLimit: OperationHandler = async (context, request) => {
  const owner = context.auth.authenticate(request);
  await ignoreBody(request);
  const body: RateLimit = {
    rate: status(windowOf(context, owner)),
    instance_limit: { limit: -1, remaining: LIMIT },
  };
  return Response.json(body);
};
