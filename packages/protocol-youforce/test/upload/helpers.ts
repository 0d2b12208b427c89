/**
 * Helpers for the client and uploader tests: a reference server over a real socket with its
 * request log, a client on it, a recording fetch, and seeded random bytes.
 */
import { createFetch, type FetchLike } from "@partwise/client";
import type { ServerLogEntry } from "@partwise/node";
import { createYouforceClient, type YouforceClient } from "../../src/index.ts";
import { createYouforceServer, type YouforceServerOptions } from "../../src/server/index.ts";

export const TOKEN = "token-alice-0123456789";
export const BT = 7100;

export interface Harness {
  readonly base: string;
  readonly client: YouforceClient;
  readonly log: ServerLogEntry[];
  /** Requests seen by the recording fetch, in the order they were started. */
  readonly requests: { method: string; url: URL; headers: Headers }[];
  /** The recording fetch (counts requests in flight per method). */
  readonly fetch: FetchLike;
  readonly maxInFlight: () => number;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startHarness(options: YouforceServerOptions = {}): Promise<Harness> {
  const log: ServerLogEntry[] = [];
  const server = await createYouforceServer({ tokens: [TOKEN], ...options, log: (entry) => log.push(entry) });
  const { url } = await server.listen({ keepAliveTimeoutMs: 10 });
  const base = `${url}/v1.0`;
  const inner = createFetch();
  const requests: Harness["requests"] = [];
  let inFlight = 0;
  let max = 0;
  const fetch: FetchLike = async (input, init) => {
    const method = init?.method ?? "GET";
    requests.push({ method, url: new URL(String(input)), headers: new Headers(init?.headers) });
    const chunk = method === "PUT";
    if (chunk) max = Math.max(max, ++inFlight);
    try {
      return await inner(input, init);
    } finally {
      if (chunk) inFlight--;
    }
  };
  const client = createYouforceClient({ baseUrl: base, token: TOKEN, fetch });
  const close = () => server.close();
  return {
    base,
    client,
    log,
    requests,
    fetch,
    maxInFlight: () => max,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Deterministic bytes (mulberry32), so a failing case is replayable from its fast-check seed. */
export function randomBytes(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let a = seed >>> 0;
  for (let i = 0; i < size; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (t ^ (t >>> 14)) & 0xff;
  }
  return out;
}

/** A ReadableStream of `bytes` cut into pieces of the given sizes (cycled). */
export function streamOf(bytes: Uint8Array, pieces: readonly number[] = [4096]): ReadableStream<Uint8Array> {
  let at = 0;
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) {
        controller.close();
        return;
      }
      const size = Math.max(1, pieces[i++ % pieces.length] ?? 1);
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

export async function* iterableOf(bytes: Uint8Array, piece = 1000): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += piece) yield bytes.slice(at, at + piece);
}

/** The uploaded file's bytes, downloaded back as its publisher. */
export async function downloaded(client: YouforceClient, fileId: string): Promise<Uint8Array> {
  const download = await client.downloadFile({ fileId, role: "publisher" });
  return download.bytes();
}

/** Chunk requests of the log: `{ position, close, status }` per `PUT`. */
export function chunkRequests(
  log: readonly ServerLogEntry[],
): { position: number; close: boolean; status: number | "reset" }[] {
  return log
    .filter((entry) => entry.method === "PUT")
    .map((entry) => {
      const query = new URL(entry.path, "http://x").searchParams;
      return {
        position: Number(query.get("position")),
        close: query.get("close") === "true",
        status: entry.status,
      };
    });
}

export function posts(log: readonly ServerLogEntry[], uploadType?: string): ServerLogEntry[] {
  return log.filter(
    (entry) =>
      entry.method === "POST" &&
      (uploadType === undefined ||
        new URL(entry.path, "http://x").searchParams.get("uploadType") === uploadType),
  );
}

/** Waits until every request already started has been logged (the server logs on answer). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Byte equality without vitest's element-by-element diff (which crawls on megabytes). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
