/**
 * CORS for browser clients of the reference servers (Fetch standard, "CORS protocol"): answers
 * preflights and lets the browser read the headers an uploader needs, above all `ETag`, which a
 * cross-origin script cannot see unless it is exposed.
 */
import type { FetchHandler } from "./listen.ts";

export interface CorsOptions {
  /** Allowed origins; `["*"]` allows any (credentials are never allowed). Default: none. */
  readonly origins: readonly string[];
  /** Response headers the browser may read (default `ETag`, `Location`, `Retry-After`, `Content-Range`). */
  readonly exposeHeaders?: readonly string[];
  readonly maxAgeSeconds?: number;
}

const DEFAULT_EXPOSED = ["ETag", "Location", "Retry-After", "Content-Range", "Content-Length"];

export function withCors(handler: FetchHandler, options: CorsOptions): FetchHandler {
  if (options.origins.length === 0) return handler;
  const any = options.origins.includes("*");
  const allowed = (origin: string | null): string | undefined => {
    if (origin === null) return undefined;
    if (any) return "*";
    return options.origins.includes(origin) ? origin : undefined;
  };
  return async (request) => {
    const origin = allowed(request.headers.get("origin"));
    if (request.method === "OPTIONS" && request.headers.has("access-control-request-method")) {
      if (!origin) return new Response(null, { status: 403 });
      return new Response(null, {
        status: 204,
        headers: {
          "access-control-allow-origin": origin,
          "access-control-allow-methods": "GET, HEAD, POST, PUT, DELETE, OPTIONS",
          "access-control-allow-headers": request.headers.get("access-control-request-headers") ?? "*",
          "access-control-max-age": String(options.maxAgeSeconds ?? 600),
          vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
        },
      });
    }
    const response = await handler(request);
    if (!origin) return response;
    const headers = new Headers(response.headers);
    headers.set("access-control-allow-origin", origin);
    headers.set("access-control-expose-headers", (options.exposeHeaders ?? DEFAULT_EXPOSED).join(", "));
    headers.append("vary", "Origin");
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}
