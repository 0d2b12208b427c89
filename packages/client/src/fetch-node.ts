/**
 * Node transport on undici, over a shared keep-alive `Agent` (through the proxy `HTTP_PROXY`/
 * `HTTPS_PROXY`/`NO_PROXY` name, if any), or the caller's `dispatcher`. Chosen
 * by the `node` condition of the package's `#fetch` import; browsers never load undici.
 *
 * Why not undici's `fetch` for everything: it copies a `Uint8Array` body when the Request is built
 * (Fetch standard, "extract a body") and again when its body stream is pulled, so every part in
 * flight is held two or three times over until V8 collects the copies. Requests whose body is
 * bytes, a string, a Blob or nothing go through `Dispatcher.request` instead, which writes the
 * caller's bytes to the socket as they are, and answer with a standard `Response`. Any other body
 * (a stream, FormData, URLSearchParams) or a `Request` input goes through undici's `fetch`.
 *
 * What this fetch does and does not do: redirects are followed (at most 20) unless `redirect` is
 * `"manual"` (the 3xx answer is returned) or `"error"`; no `Accept-Encoding` is sent and nothing is
 * decompressed; no cookies, no cache. Transport failures reject with a `TypeError("fetch failed")`
 * whose `cause` carries undici's error (and its code), as undici's `fetch` does; an aborted
 * request rejects with the signal's reason.
 */
import { STATUS_CODES } from "node:http";
import { Agent, type Dispatcher, EnvHttpProxyAgent, fetch as undiciFetch } from "undici";
import type { FetchLike, TransportOptions } from "./fetch.ts";

let shared: Dispatcher | undefined;

const AGENT_OPTIONS = { keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, connections: 64 };

/**
 * The dispatcher the environment asks for: through the proxy of `HTTPS_PROXY`/`HTTP_PROXY` (or
 * their lower-case forms) except for the hosts of `NO_PROXY` (undici's `EnvHttpProxyAgent`), or
 * straight to the server when no proxy is set; pooled keep-alive either way.
 */
export function envDispatcher(env: Readonly<Record<string, string | undefined>> = process.env): Dispatcher {
  const httpProxy = env.HTTP_PROXY ?? env.http_proxy;
  const httpsProxy = env.HTTPS_PROXY ?? env.https_proxy;
  if (!httpProxy && !httpsProxy) return new Agent(AGENT_OPTIONS);
  const noProxy = env.NO_PROXY ?? env.no_proxy;
  return new EnvHttpProxyAgent({
    ...AGENT_OPTIONS,
    ...(httpProxy ? { httpProxy } : {}),
    ...(httpsProxy ? { httpsProxy } : {}),
    ...(noProxy !== undefined ? { noProxy } : {}),
  });
}

/** The dispatcher shared by every client that brings none of its own (see `envDispatcher`). */
export function defaultDispatcher(): Dispatcher {
  shared ??= envDispatcher();
  return shared;
}

export function createFetch(options: TransportOptions = {}): FetchLike {
  if (options.fetch) return options.fetch;
  const dispatcher = (options.dispatcher as Dispatcher | undefined) ?? defaultDispatcher();
  const viaFetch: FetchLike = (input, init) =>
    undiciFetch(input, { ...(init as object), dispatcher } as Parameters<
      typeof undiciFetch
    >[1]) as unknown as Promise<Response>;
  return (input, init = {}) => {
    const body = init.body;
    const direct =
      (typeof input === "string" || input instanceof URL) &&
      (body === undefined ||
        body === null ||
        typeof body === "string" ||
        body instanceof Uint8Array ||
        body instanceof ArrayBuffer ||
        (typeof Blob !== "undefined" && body instanceof Blob));
    return direct ? requestFetch(dispatcher, input, init) : viaFetch(input, init);
  };
}

export const transportName: string = "undici";

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;
/** Request headers that describe the body, dropped when a redirect turns the request into a GET. */
const BODY_HEADERS = [
  "content-type",
  "content-length",
  "content-encoding",
  "content-language",
  "content-location",
];

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}

async function requestFetch(
  dispatcher: Dispatcher,
  input: string | URL,
  init: RequestInit,
): Promise<Response> {
  const signal = init.signal ?? undefined;
  if (signal?.aborted) throw abortReason(signal);
  let url = new URL(String(input));
  let method = (init.method ?? "GET").toUpperCase();
  const headers = new Headers(init.headers);
  let body = await bodyBytes(init.body, headers);
  const redirect = init.redirect ?? "follow";
  for (let redirects = 0; ; redirects++) {
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new TypeError("fetch failed", { cause: new Error(`unsupported protocol ${url.protocol}`) });
    const requestHeaders: Record<string, string> = {};
    for (const [name, value] of headers) requestHeaders[name] = value;
    if (body !== null) requestHeaders["content-length"] = String(body.byteLength);
    else if (method === "POST" || method === "PUT") requestHeaders["content-length"] = "0";
    let answer: Dispatcher.ResponseData;
    try {
      answer = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: method as Dispatcher.HttpMethod,
        headers: requestHeaders,
        body,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      throw new TypeError("fetch failed", { cause: error });
    }
    const status = answer.statusCode;
    const location = answer.headers.location;
    if (REDIRECT_STATUS.has(status) && redirect !== "manual" && typeof location === "string") {
      answer.body.dump().catch(() => {});
      if (redirect === "error")
        throw new TypeError("fetch failed", { cause: new Error(`redirected to ${location}`) });
      if (redirects >= MAX_REDIRECTS)
        throw new TypeError("fetch failed", { cause: new Error("redirect count exceeded") });
      const next = new URL(location, url);
      if (
        (status === 303 && method !== "HEAD") ||
        ((status === 301 || status === 302) && method === "POST")
      ) {
        method = "GET";
        body = null;
        for (const name of BODY_HEADERS) headers.delete(name);
      }
      if (next.origin !== url.origin) {
        headers.delete("authorization");
        headers.delete("cookie");
        headers.delete("proxy-authorization");
      }
      url = next;
      continue;
    }
    return toResponse(answer, method, signal, url, redirects > 0);
  }
}

/** The request body as bytes (no copy for bytes), setting the Content-Type fetch would. */
async function bodyBytes(body: RequestInit["body"], headers: Headers): Promise<Uint8Array | null> {
  if (body === undefined || body === null) return null;
  if (typeof body === "string") {
    if (!headers.has("content-type")) headers.set("content-type", "text/plain;charset=UTF-8");
    return Buffer.from(body, "utf8");
  }
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const blob = body as Blob;
  if (blob.type !== "" && !headers.has("content-type")) headers.set("content-type", blob.type);
  return Buffer.from(await blob.arrayBuffer());
}

function toResponse(
  answer: Dispatcher.ResponseData,
  method: string,
  signal: AbortSignal | undefined,
  url: URL,
  redirected: boolean,
): Response {
  const status = answer.statusCode;
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.append(name, value);
  }
  const init = { status, statusText: answer.statusText ?? STATUS_CODES[status] ?? "", headers };
  let response: Response;
  if (method === "HEAD" || NULL_BODY_STATUS.has(status)) {
    answer.body.dump().catch(() => {});
    response = new Response(null, init);
  } else {
    response = new Response(bodyStream(answer.body, signal), init);
  }
  Object.defineProperty(response, "url", { value: url.href });
  if (redirected) Object.defineProperty(response, "redirected", { value: true });
  return response;
}

/** undici's body as a web stream that pulls one chunk at a time and stops the socket read on cancel. */
function bodyStream(
  body: Dispatcher.ResponseData["body"],
  signal: AbortSignal | undefined,
): ReadableStream<Uint8Array> {
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else
          controller.enqueue(new Uint8Array(next.value.buffer, next.value.byteOffset, next.value.byteLength));
      } catch (error) {
        controller.error(
          signal?.aborted ? abortReason(signal) : new TypeError("terminated", { cause: error }),
        );
      }
    },
    cancel(reason) {
      body.destroy(reason instanceof Error ? reason : undefined);
    },
  });
}
