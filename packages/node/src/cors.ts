/**
 * CORS for browser clients of the reference servers (Fetch standard, "CORS protocol"): answers
 * preflights and lets the browser read the headers an uploader needs, above all `ETag`, which a
 * cross-origin script cannot see unless it is exposed.
 *
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol
 */
import type { FetchHandler } from "./listen.ts";

export interface CorsOptions {
  /** Allowed origins; `["*"]` allows any (credentials are never allowed). Default: none. */
  readonly origins: readonly string[];
  /**
   * Response headers the browser may read (default `ETag`, `Location`, `Retry-After`,
   * `Content-Range`, `Content-Length`).
   */
  readonly exposeHeaders?: readonly string[];
  /** How long a browser may cache a preflight answer (default 600 s). */
  readonly maxAgeSeconds?: number;
}

const DEFAULT_EXPOSED = ["ETag", "Location", "Retry-After", "Content-Range", "Content-Length"];
const METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

/**
 * Wraps a handler with CORS. A preflight (`OPTIONS` with `Access-Control-Request-Method`) is
 * answered here, 204 for an allowed origin and 403 otherwise, without reaching the handler; every
 * other response to an allowed origin gets `Access-Control-Allow-Origin` and
 * `Access-Control-Expose-Headers`. Responses that depend on the origin say so with `Vary: Origin`.
 */
export function withCors(handler: FetchHandler, options: CorsOptions): FetchHandler {
  if (options.origins.length === 0) return handler;
  const any = options.origins.includes("*");
  const exposed = (options.exposeHeaders ?? DEFAULT_EXPOSED).join(", ");
  const allowed = (origin: string | null): string | undefined => {
    if (origin === null) return undefined;
    if (any) return "*";
    return options.origins.includes(origin) ? origin : undefined;
  };
  return async (request) => {
    const origin = allowed(request.headers.get("origin"));
    if (request.method === "OPTIONS" && request.headers.has("access-control-request-method")) {
      const vary = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
      if (!origin) return new Response(null, { status: 403, headers: { vary } });
      return new Response(null, {
        status: 204,
        headers: {
          "access-control-allow-origin": origin,
          "access-control-allow-methods": METHODS,
          "access-control-allow-headers": request.headers.get("access-control-request-headers") ?? "*",
          "access-control-max-age": String(options.maxAgeSeconds ?? 600),
          vary,
        },
      });
    }
    const response = await handler(request);
    if (!origin && any) return response;
    const headers = new Headers(response.headers);
    if (!any) headers.append("vary", "Origin");
    if (origin) {
      headers.set("access-control-allow-origin", origin);
      headers.set("access-control-expose-headers", exposed);
    }
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}
