/**
 * A Node HTTP listener for fetch-style handlers, `(request: Request) => Promise<Response>`, so
 * every reference server is a plain handler that tests can also call without a socket (as hono
 * apps are), and one listener owns the Node specifics: streaming bodies both ways with
 * backpressure, bounded header size and idle time, and connection resets on demand.
 *
 * Request bodies are never buffered here: the handler reads `request.body` as a stream and decides
 * how much it accepts (a reference server refuses an oversized part while it streams in). What the
 * listener guarantees around that:
 *
 * - Reading is pull-based: the socket is read only as fast as the handler reads `request.body`
 *   (TCP backpressure), and `Expect: 100-continue` is answered only when the handler first reads
 *   the body (RFC 9110 §10.1.1), so a refusal before reading spares the client the upload.
 * - A handler may answer before reading all of the body (a refusal), or cancel the body: the
 *   response is sent in full, then the unread rest is read and discarded. Up to `maxDrainBytes` of
 *   it keeps the connection alive; a longer or unknown rest gets `Connection: close` and a
 *   lingering close (RFC 9112 §9.6): the server stops writing, keeps discarding what the client
 *   still sends for up to `lingerMs`, then closes, so the client reads the answer instead of a
 *   reset.
 * - `request.signal` aborts when the client goes away before the response is complete.
 * - `ConnectionResetSignal` thrown by a handler resets the TCP connection (an RST: the client sees
 *   ECONNRESET), which is how fault injection simulates a broken network.
 * - A response body that fails mid-way destroys the connection, so the client sees a broken
 *   response, never a short one that looks complete.
 */

import { readFileSync } from "node:fs";
import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { NodeBody } from "./body.ts";
import { primeAllocator } from "./malloc.ts";

/** A fetch-style handler: the whole contract between a reference server and its transport. */
export type FetchHandler = (request: Request) => Promise<Response> | Response;

const resetBrand: unique symbol = Symbol.for("@partwise/node.ConnectionResetSignal");

/**
 * Thrown (or returned as the rejection) by a handler to drop the connection without an answer:
 * fault injection uses it to simulate a reset mid-body or a response lost after processing.
 * Recognised by a `Symbol.for` brand, so `instanceof` works across two copies of this package
 * (its `src/` and its `dist/`, say).
 */
export class ConnectionResetSignal extends Error {
  override readonly name = "ConnectionResetSignal";
  readonly code = "PW_CONNECTION_RESET" as const;

  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[resetBrand] === true
    );
  }
}
Object.defineProperty(ConnectionResetSignal.prototype, resetBrand, { value: true, enumerable: false });

/** Drops the client connection without a response. */
export function resetConnection(): never {
  throw new ConnectionResetSignal("connection reset by fault injection");
}

export interface ListenOptions {
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Largest request header section, in bytes (default 16 KiB); larger ones get 431. */
  readonly maxHeaderSize?: number;
  /** A connection with no traffic for this long is closed (default 60 s). */
  readonly idleTimeoutMs?: number;
  /**
   * Keep-alive time between requests (default 30 s). Clients close an idle connection a little
   * before the `Keep-Alive: timeout` the server announces (undici: 2 s before); a short timeout
   * leaves a client whose event loop lags (a busy machine) sending its next request on a
   * connection the server is closing, which it sees as ECONNRESET. Thirty seconds makes that rare;
   * the idle timeout (60 s) still closes what is left open, and `maxConnections` bounds the total.
   */
  readonly keepAliveTimeoutMs?: number;
  /** Time allowed for a request's header section to arrive (default 30 s); then 408. */
  readonly headersTimeoutMs?: number;
  /**
   * Unread request body the listener discards after a refusal to keep the connection alive
   * (default 1 MiB); a longer rest closes the connection instead.
   */
  readonly maxDrainBytes?: number;
  /** How long a closing connection keeps discarding what the client still sends (default 2 s). */
  readonly lingerMs?: number;
  /** Called with every handler failure that is not a fault; must not include tokens. */
  readonly onError?: (error: unknown, request: Request) => void;
  /**
   * Open connections at most (default a quarter of the process's open-file limit, at least 16):
   * requests on connections past it are answered 503 with `Retry-After` and the connection closed,
   * before files can run out for the uploads already accepted.
   */
  readonly maxConnections?: number;
  /** The 503 answer past `maxConnections` (a protocol's error envelope); default a JSON message. */
  readonly overloaded?: () => Response;
  /**
   * Body idle timeout (default 30 s): while the handler waits for a request body, the client must
   * send at least `bodyMinBytes` bytes in every window of this length, or the request is answered
   * 408 (`bodyTimedOut`) and its connection closed, so a trickling client cannot hold a connection
   * for ever. Only time the server spends waiting for the client counts: not time before the
   * handler first reads the body (a `100 Continue` not yet sent), nor time the handler leaves
   * received bytes unread. A kept-alive connection between requests is never affected.
   * `Infinity` turns it off.
   */
  readonly bodyIdleTimeoutMs?: number;
  /** Bytes a body must bring in each `bodyIdleTimeoutMs` window (default 1). */
  readonly bodyMinBytes?: number;
  /** The 408 answer of a body that stopped arriving (a protocol's error envelope). */
  readonly bodyTimedOut?: () => Response;
}

export interface RunningServer {
  /** `http://host:port`, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Stops listening and closes every connection, idle or busy; resolves once all are closed. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A quarter of the soft open-file limit (Linux /proc), so connections leave room for files. */
function defaultMaxConnections(): number {
  try {
    const limits = readFileSync("/proc/self/limits", "utf8");
    const soft = Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1]);
    if (Number.isSafeInteger(soft) && soft > 0) return Math.max(16, Math.floor(soft / 4));
  } catch {}
  return 256;
}

interface Settings {
  /** The listener's own URL, for requests without a usable Host header. */
  origin: string;
  readonly maxConnections: number;
  readonly overloaded: () => Response;
  /** Connections open now. */
  open: number;
  readonly maxDrainBytes: number;
  readonly lingerMs: number;
  readonly onError: ListenOptions["onError"];
  readonly bodyIdleTimeoutMs: number;
  readonly bodyMinBytes: number;
  readonly bodyTimedOut: () => Response;
}

export async function listen(handler: FetchHandler, options: ListenOptions = {}): Promise<RunningServer> {
  // Request bodies are a stream of malloc'd buffers: keep glibc from returning that memory to the
  // kernel after every burst (malloc.ts).
  primeAllocator();
  const host = options.host ?? "127.0.0.1";
  const server = createServer({
    maxHeaderSize: options.maxHeaderSize ?? 16 * 1024,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    // Large parts stream in for as long as they keep moving; idleness is bounded below instead.
    requestTimeout: 0,
    headersTimeout: options.headersTimeoutMs ?? 30_000,
  });
  server.setTimeout(options.idleTimeoutMs ?? 60_000, (socket) => socket.destroy());
  // Oversized headers (431), malformed requests (400) and header timeouts (408) are answered by
  // Node's own `clientError` default, which writes only when no response is under way.
  const settings: Settings = {
    origin: `http://${host.includes(":") ? `[${host}]` : host}`,
    maxDrainBytes: options.maxDrainBytes ?? 1024 * 1024,
    lingerMs: options.lingerMs ?? 2_000,
    onError: options.onError,
    maxConnections: options.maxConnections ?? defaultMaxConnections(),
    overloaded:
      options.overloaded ??
      (() => Response.json({ message: "Too many connections; retry later" }, { status: 503 })),
    open: 0,
    bodyIdleTimeoutMs: options.bodyIdleTimeoutMs ?? 30_000,
    bodyMinBytes: options.bodyMinBytes ?? 1,
    bodyTimedOut:
      options.bodyTimedOut ??
      (() => Response.json({ message: "The request body stopped arriving" }, { status: 408 })),
  };
  server.on("connection", (socket: Socket) => {
    settings.open += 1;
    socket.once("close", () => {
      settings.open -= 1;
    });
  });
  const onRequest = (req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void => {
    serve(handler, req, res, settings, expectContinue).catch((error: unknown) => {
      // Nothing may escape as an unhandled rejection: that would end the process.
      res.destroy();
      try {
        settings.onError?.(error, new Request(settings.origin));
      } catch {}
    });
  };
  server.on("request", (req, res) => onRequest(req, res, false));
  server.on("checkContinue", (req, res) => onRequest(req, res, true));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  settings.origin = url;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
  return { url, port, server, close, [Symbol.asyncDispose]: close };
}

/** The Web `Request` for a Node request; its body streams from the socket as it is read. */
export function toRequest(req: IncomingMessage, origin: string, signal?: AbortSignal): Request {
  return makeRequest(req, origin, signal, undefined).request;
}

function makeRequest(
  req: IncomingMessage,
  origin: string,
  signal: AbortSignal | undefined,
  onFirstRead: (() => void) | undefined,
): { request: Request; body: NodeBody | undefined } {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  const body = hasBody ? new NodeBody(req, onFirstRead) : undefined;
  const request = new Request(requestUrl(req, origin), {
    method,
    headers,
    ...(body ? { body: body.stream(), duplex: "half" } : {}),
    ...(signal ? { signal } : {}),
  } as RequestInit);
  return { request, body };
}

/** The request's absolute URL; a Host header that is not a valid authority falls back to `origin`. */
function requestUrl(req: IncomingMessage, origin: string): URL {
  const target = req.url ?? "/";
  const host = req.headers.host;
  if (host !== undefined && /^[A-Za-z0-9.\-_~%!$&'()*+,;=:[\]]+$/.test(host)) {
    try {
      return new URL(target, `http://${host}`);
    } catch {}
  }
  return new URL(target, origin);
}

async function serve(
  handler: FetchHandler,
  req: IncomingMessage,
  res: ServerResponse,
  settings: Settings,
  expectContinue: boolean,
): Promise<void> {
  const aborted = new AbortController();
  const socket = req.socket;
  const onSocketClose = (): void => aborted.abort(new Error("the client closed the connection"));
  socket.once("close", onSocketClose);
  res.once("close", () => {
    socket.off("close", onSocketClose);
    if (!res.writableFinished) onSocketClose();
  });
  const onFirstRead = expectContinue
    ? () => {
        if (!res.headersSent && !res.destroyed) res.writeContinue();
      }
    : undefined;
  let made: ReturnType<typeof makeRequest>;
  try {
    made = makeRequest(req, settings.origin, aborted.signal, onFirstRead);
  } catch {
    // A request the Fetch API cannot represent (an invalid header value, say).
    res.writeHead(400, { "content-type": "text/plain", connection: "close" });
    res.end("bad request\n");
    req.resume();
    return;
  }
  const { request, body } = made;
  if (settings.open > settings.maxConnections) {
    const refusal = settings.overloaded();
    const headers = new Headers(refusal.headers);
    headers.set("retry-after", "1");
    headers.set("connection", "close");
    await writeResponse(
      req,
      res,
      new Response(refusal.body, { status: 503, headers }),
      body,
      settings,
      expectContinue,
    );
    return;
  }
  if (body !== undefined) watchBody(req, res, body, settings);
  let response: Response;
  try {
    response = await handler(request);
  } catch (error) {
    if (error instanceof ConnectionResetSignal) {
      resetSocket(socket);
      return;
    }
    settings.onError?.(error, request);
    response = Response.json({ message: "internal error" }, { status: 500 });
  }
  await writeResponse(req, res, response, body, settings, expectContinue);
}

/**
 * The body idle timeout (`ListenOptions.bodyIdleTimeoutMs`), measured at the socket: every quarter
 * window it looks at the bytes the socket has read. The window restarts whenever the client
 * brought `bodyMinBytes`, and whenever the wait is the server's (the handler has not read the body
 * yet, or received bytes wait unread in the request's buffer). It stops at the end of the body,
 * so a connection idle between requests is never timed out here.
 */
function watchBody(req: IncomingMessage, res: ServerResponse, body: NodeBody, settings: Settings): void {
  const windowMs = settings.bodyIdleTimeoutMs;
  if (!(windowMs > 0 && Number.isFinite(windowMs)) || req.complete) return;
  const socket = req.socket;
  let since = performance.now();
  let mark = socket.bytesRead;
  // Idle looks in a row: a window must also span four of them, so an event loop stalled past a
  // window (a busy machine: the client had no chance to send either) does not time a body out.
  let idleLooks = 0;
  const timer = setInterval(
    () => {
      if (req.complete || socket.destroyed) return stop();
      const now = performance.now();
      const waiting = (body.started || res.writableFinished) && req.readableLength === 0;
      if (!waiting || socket.bytesRead - mark >= settings.bodyMinBytes) {
        since = now;
        mark = socket.bytesRead;
        idleLooks = 0;
      } else if (++idleLooks >= 4 && now - since >= windowMs) {
        stop();
        void timedOut().catch(() => socket.destroy());
      }
    },
    Math.max(5, Math.floor(windowMs / 4)),
  );
  timer.unref();
  const stop = (): void => {
    clearInterval(timer);
    req.off("end", stop);
    socket.off("close", stop);
  };
  req.once("end", stop);
  socket.once("close", stop);
  const timedOut = async (): Promise<void> => {
    const failure = Object.assign(new Error("the request body stopped arriving"), { code: "ETIMEDOUT" });
    const answer = res.headersSent || res.destroyed ? undefined : settings.bodyTimedOut();
    const bytes = await answer?.arrayBuffer().catch(() => new ArrayBuffer(0));
    if (answer === undefined || bytes === undefined || res.headersSent || res.destroyed) {
      body.fail(failure);
      socket.destroy();
      return;
    }
    // The client gets a 408 and the connection closes (RFC 9110 §15.5.9); only then does the
    // handler's read fail, so its own answer comes too late and is dropped (`writeResponse`).
    lingerOnClose(socket, settings.lingerMs);
    const headers: OutgoingHttpHeaders = {};
    answer.headers.forEach((value, name) => {
      headers[name] = value;
    });
    headers.connection = "close";
    headers["content-length"] = String(bytes.byteLength);
    res.writeHead(408, headers);
    res.end(Buffer.from(bytes));
    body.fail(failure);
  };
}

/** Sends a TCP RST (the client sees ECONNRESET), or at least closes the socket. */
function resetSocket(socket: Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

async function writeResponse(
  req: IncomingMessage,
  res: ServerResponse,
  response: Response,
  body: NodeBody | undefined,
  settings: Settings,
  expectContinue: boolean,
): Promise<void> {
  const headers: OutgoingHttpHeaders = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  if (body !== undefined && !body.ended && !req.complete) {
    // A refusal: the handler answered before reading all of the body. Its rest must come off the
    // wire before the connection can carry another request; a long or unknown rest is not worth
    // it, nor is a body the client holds back for a `100 Continue` it never got.
    const declared = Number(req.headers["content-length"]);
    const rest = Number.isSafeInteger(declared) ? declared - body.read : Number.POSITIVE_INFINITY;
    if (rest > settings.maxDrainBytes || (expectContinue && !body.started)) {
      headers.connection = "close";
      lingerOnClose(req.socket, settings.lingerMs);
    }
  }
  if (res.destroyed || res.headersSent) {
    // The client went away, or the listener answered already (a body that stopped arriving).
    await response.body?.cancel().catch(() => {});
    return;
  }
  res.writeHead(response.status, response.statusText || undefined, headers);
  if (response.body === null || req.method === "HEAD") {
    await response.body?.cancel().catch(() => {});
    res.end();
  } else {
    await pipeBody(response.body, res);
  }
  // Only now: the response may have been streaming from the request body (an echo).
  if (body !== undefined) discardRest(req, body);
}

/**
 * Reads off and discards what the handler left unread of a request body, so the connection can
 * carry the next request (or, when it closes, closes without a reset).
 */
function discardRest(req: IncomingMessage, body: NodeBody): void {
  body.detach();
  if (req.readableEnded || req.destroyed) return;
  req.on("error", () => {});
  req.resume();
}

async function pipeBody(stream: ReadableStream<Uint8Array>, res: ServerResponse): Promise<void> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) throw new Error("the client went away");
      if (!res.write(value)) await drained(res);
    }
    res.end();
  } catch {
    // The body failed mid-way (a fault, a storage error) or the client left: the client must see a
    // broken response, never a short one that looks complete.
    await reader.cancel().catch(() => {});
    res.destroy();
  }
}

/** Resolves on `drain`, or when the response is destroyed (which never drains). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/**
 * Node ends a `Connection: close` response with `socket.destroySoon()`, which closes the socket as
 * soon as the answer is written; with unread request bytes in the kernel's buffer, closing makes
 * the kernel send an RST, and a client can lose the answer it has not read yet. Instead, half-close
 * and keep discarding what arrives until the client closes or `lingerMs` passes (RFC 9112 §9.6).
 */
function lingerOnClose(socket: Socket, lingerMs: number): void {
  const linger = (): void => {
    socket.end();
    if (socket.readableEnded) {
      socket.destroy();
      return;
    }
    const timer = setTimeout(() => socket.destroy(), lingerMs);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
    socket.once("end", () => socket.destroy());
    socket.resume();
  };
  Object.defineProperty(socket, "destroySoon", { value: linger, configurable: true, writable: true });
}
