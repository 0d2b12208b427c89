/** Test helpers: raw sockets, HTTP exchanges that expose resets, byte sources. */
import { createHash } from "node:crypto";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { connect, type Socket } from "node:net";
import { type FetchHandler, type ListenOptions, listen, type RunningServer } from "../src/index.ts";

export const MiB = 1024 * 1024;

export const md5Hex = (bytes: Uint8Array): string => createHash("md5").update(bytes).digest("hex");

/** Deterministic, incompressible-enough bytes (no randomness needed to be different). */
export function patternBytes(size: number, seed = 1): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** Starts a listener and always closes it, whatever the test does. */
export async function withServer<T>(
  handler: FetchHandler,
  run: (server: RunningServer) => Promise<T>,
  options: ListenOptions = {},
): Promise<T> {
  const server = await listen(handler, options);
  try {
    return await run(server);
  } finally {
    await server.close();
  }
}

export interface Exchange {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * One request over node:http (a fresh connection unless `agent` is given), resolving with the
 * response or rejecting with the socket error, whose `code` tells a reset (`ECONNRESET`) apart.
 */
export function exchange(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: Uint8Array; agent?: false } = {},
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: init.method ?? "GET", headers: init.headers ?? {}, agent: init.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

/** A raw TCP client: write bytes, read what comes back, see how the connection ends. */
export class RawClient {
  readonly socket: Socket;
  private chunks: Buffer[] = [];
  /** Bytes received so far. */
  received = 0;
  private waiters: (() => void)[] = [];
  /** How the server ended the connection: a FIN (`end`) or a reset (`ECONNRESET`). */
  readonly ended: Promise<"end" | "reset" | "close">;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.received += chunk.length;
      this.wake();
    });
    this.ended = new Promise((resolve) => {
      socket.on("error", (error: NodeJS.ErrnoException) => {
        resolve(error.code === "ECONNRESET" ? "reset" : "close");
        this.wake();
      });
      socket.on("end", () => {
        resolve("end");
        this.wake();
      });
      socket.on("close", () => {
        resolve("close");
        this.wake();
      });
    });
  }

  static connect(url: string): Promise<RawClient> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port), allowHalfOpen: true }, () =>
        resolve(new RawClient(socket)),
      );
      socket.once("error", reject);
    });
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** The first write that failed (the server reset or closed the connection under it). */
  writeError: Error | undefined;

  /** Writes and waits until the kernel has taken the bytes (or the socket failed). */
  write(bytes: string | Uint8Array): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed || !this.socket.writable) {
        this.writeError ??= new Error("the socket is closed");
        return resolve();
      }
      this.socket.write(bytes, (error) => {
        if (error) this.writeError ??= error;
        resolve();
      });
    });
  }

  /** Waits until the received bytes (as latin1 text) satisfy `done`, or the connection ends. */
  async until(done: (text: string) => boolean): Promise<string> {
    return this.waitFor(() => done(this.text)).then(() => this.text);
  }

  /** Waits until `done()` holds, re-checking whenever bytes arrive, or the connection ends. */
  async waitFor(done: () => boolean): Promise<void> {
    for (;;) {
      if (done() || this.socket.destroyed || this.socket.readableEnded) return;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  get text(): string {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]?.toString("latin1") ?? "";
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export interface ParsedResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Parses complete responses (`Content-Length` or chunked) off a raw byte stream, in order. */
export function parseResponses(text: string): ParsedResponse[] {
  const responses: ParsedResponse[] = [];
  let rest = text;
  for (;;) {
    const end = rest.indexOf("\r\n\r\n");
    if (end === -1) return responses;
    const [statusLine, ...lines] = rest.slice(0, end).split("\r\n");
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? "")?.[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    rest = rest.slice(end + 4);
    if (status === 100) {
      responses.push({ status, headers, body: "" });
      continue;
    }
    if (headers["transfer-encoding"] === "chunked") {
      let body = "";
      for (;;) {
        const lineEnd = rest.indexOf("\r\n");
        if (lineEnd === -1) return responses;
        const size = Number.parseInt(rest.slice(0, lineEnd), 16);
        if (rest.length < lineEnd + 2 + size + 2) return responses;
        body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
        rest = rest.slice(lineEnd + 2 + size + 2);
        if (size === 0) break;
      }
      responses.push({ status, headers, body });
      continue;
    }
    const length = Number(headers["content-length"] ?? 0);
    if (rest.length < length) return responses;
    responses.push({ status, headers, body: rest.slice(0, length) });
    rest = rest.slice(length);
  }
}

/** Resolves when `predicate` holds, checking after each macrotask (for state set by I/O callbacks). */
export async function eventually(predicate: () => boolean, what: string, tries = 2_000): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`never happened: ${what}`);
}

/** A promise with its resolver outside, to let a test release a waiting handler. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Reads a Web stream to the end. */
export async function readAll(stream: ReadableStream<Uint8Array> | null): Promise<Uint8Array> {
  if (!stream) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return new Uint8Array(Buffer.concat(chunks));
}

/** A Web stream of `bytes` cut into the given chunk sizes (the rest as one last chunk). */
export function chunkedStream(bytes: Uint8Array, sizes: readonly number[]): ReadableStream<Uint8Array> {
  const chunks = cut(bytes, sizes);
  return new ReadableStream({
    pull(controller) {
      const next = chunks.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(next);
    },
  });
}

export function cut(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= bytes.length) break;
    chunks.push(bytes.slice(at, at + size));
    at += size;
  }
  if (at < bytes.length) chunks.push(bytes.slice(at));
  return chunks;
}
