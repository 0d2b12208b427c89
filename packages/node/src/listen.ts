/**
 * A Node HTTP listener for fetch-style handlers, `(request: Request) => Promise<Response>`, so
 * every reference server is a plain handler that tests can also call without a socket (as hono
 * apps are), and one listener owns the Node specifics: streaming bodies both ways with
 * backpressure, bounded header size and idle time, and connection resets on demand.
 *
 * Request bodies are never buffered here: the handler reads `request.body` as a stream and decides
 * how much it accepts (a reference server refuses an oversized part while it streams in).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

/** A fetch-style handler: the whole contract between a reference server and its transport. */
export type FetchHandler = (request: Request) => Promise<Response> | Response;

/**
 * Thrown (or returned as the rejection) by a handler to drop the connection without an answer:
 * fault injection uses it to simulate a reset mid-body or a response lost after processing.
 */
export class ConnectionResetSignal extends Error {
  override readonly name = "ConnectionResetSignal";
}

/** Drops the client connection without a response. */
export function resetConnection(): never {
  throw new ConnectionResetSignal("connection reset by fault injection");
}

export interface ListenOptions {
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Largest request header section, in bytes (default 16 KiB). */
  readonly maxHeaderSize?: number;
  /** A connection with no traffic for this long is closed (default 60 s). */
  readonly idleTimeoutMs?: number;
  /** Keep-alive time between requests (default 5 s). */
  readonly keepAliveTimeoutMs?: number;
  /** Called with every handler failure that is not a fault; must not include tokens. */
  readonly onError?: (error: unknown, request: Request) => void;
}

export interface RunningServer {
  /** `http://host:port`, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function listen(handler: FetchHandler, options: ListenOptions = {}): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const server = createServer({
    maxHeaderSize: options.maxHeaderSize ?? 16 * 1024,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 5_000,
    // Large parts stream in for as long as they keep moving; idleness is bounded below instead.
    requestTimeout: 0,
    headersTimeout: 30_000,
  });
  server.setTimeout(options.idleTimeoutMs ?? 60_000, (socket) => socket.destroy());
  server.on("request", (req, res) => {
    void serve(handler, req, res, host, options.onError);
  });
  server.on("clientError", (_error, socket) => {
    // Malformed requests and oversized headers: answer 431/400 when the socket still can.
    if (socket.writable)
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { url, port, server, close, [Symbol.asyncDispose]: close };
}

/** The Web `Request` for a Node request; its body streams from the socket. */
export function toRequest(req: IncomingMessage, origin: string, signal?: AbortSignal): Request {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(new URL(req.url ?? "/", origin), {
    method,
    headers,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" } : {}),
    ...(signal ? { signal } : {}),
  } as RequestInit);
}

async function serve(
  handler: FetchHandler,
  req: IncomingMessage,
  res: ServerResponse,
  host: string,
  onError: ListenOptions["onError"],
): Promise<void> {
  const aborted = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) aborted.abort();
  });
  const request = toRequest(req, `http://${req.headers.host ?? host}`, aborted.signal);
  let response: Response;
  try {
    response = await handler(request);
  } catch (error) {
    if (error instanceof ConnectionResetSignal) {
      req.socket.destroy();
      return;
    }
    onError?.(error, request);
    response = Response.json({ message: "internal error" }, { status: 500 });
  }
  await writeResponse(res, response, req);
}

async function writeResponse(res: ServerResponse, response: Response, req: IncomingMessage): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  // A handler that answered before reading the whole request body (a refusal) closes the
  // connection, so the unread rest of the body can never be taken for the next request.
  if (!req.complete) headers.connection = "close";
  res.writeHead(response.status, response.statusText, headers);
  if (response.body === null || req.method === "HEAD") {
    res.end();
    if (!req.complete) req.socket.destroySoon?.();
    return;
  }
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await new Promise<void>((resolve) => res.once("drain", resolve));
      if (res.destroyed) throw new ConnectionResetSignal("client went away");
    }
    res.end();
  } catch {
    // The body failed mid-way (a fault, a storage error): the client must see a broken response,
    // never a short one that looks complete.
    await reader.cancel().catch(() => {});
    res.destroy();
  }
}
