/**
 * Test helpers for the client and the uploader: the reference server on a real socket with its
 * request log, a client for it, a recording fetch, sources of every kind and a read-back.
 */
import { createHash } from "node:crypto";
import type { FetchLike } from "@partwise/client";
import type { RandomAccessSource } from "@partwise/engine";
import { listen, type ServerLogEntry } from "@partwise/node";
import { type CavaticaClient, createCavaticaClient } from "../../src/client/index.ts";
import {
  CAVATICA_API_BASE_PATH,
  type CavaticaServerOptions,
  createCavaticaServer,
  operationOf,
} from "../../src/server/index.ts";

export const TOKEN = "token-of-alice-0123456789";
export const OTHER_TOKEN = "token-of-bob-9876543210";
export const KiB = 1024;
export const MiB = 1024 * KiB;

/** Small limits the reference server allows for fast tests (spec limits: 5 MiB..5 GiB parts). */
export const SMALL_LIMITS = { minPartSize: 1 * KiB, maxPartSize: 64 * KiB } as const;

/** A request the server answered (`status` "reset" when it dropped the connection). */
export interface Handled {
  readonly phase: number;
  readonly op: string | undefined;
  readonly path: string;
  readonly status: number | "reset";
}

export interface Cavatica {
  readonly baseUrl: string;
  readonly origin: string;
  readonly log: ServerLogEntry[];
  /** A client of TOKEN with the server's limits. */
  readonly client: CavaticaClient;
  readonly limits: CavaticaServerOptions["limits"];
  /**
   * Every request the server answered, tagged with the phase current when it *arrived*: a request
   * a crashed run abandoned may be answered (and logged) while the next run is under way.
   */
  readonly handled: Handled[];
  /** Starts a new phase and returns its number. */
  nextPhase(): number;
  close(): Promise<void>;
}

export async function startCavatica(options: CavaticaServerOptions = {}): Promise<Cavatica> {
  const log: ServerLogEntry[] = [];
  const server = await createCavaticaServer({
    tokens: [TOKEN, OTHER_TOKEN],
    log: (entry) => log.push(entry),
    ...options,
  });
  let phase = 0;
  const handled: Handled[] = [];
  const running = await listen(async (request) => {
    const entry = { phase, op: operationOf(request), path: new URL(request.url).pathname };
    try {
      const response = await server.handler(request);
      handled.push({ ...entry, status: response.status });
      return response;
    } catch (error) {
      handled.push({ ...entry, status: "reset" });
      throw error;
    }
  });
  const baseUrl = `${running.url}${CAVATICA_API_BASE_PATH}`;
  return {
    baseUrl,
    origin: running.url,
    log,
    limits: options.limits,
    client: createCavaticaClient({ baseUrl, token: TOKEN, limits: options.limits }),
    handled,
    nextPhase: () => ++phase,
    async close() {
      await running.close();
      await server.close();
    },
  };
}

type Answered = Pick<ServerLogEntry, "op" | "path" | "status">;

/** Log entries of one operation. */
export const entries = <E extends Answered>(log: readonly E[], op: string): E[] =>
  log.filter((entry) => entry.op === op);

/** The part number of a storage PUT log entry (`/v2/storage/uploads/{id}/parts/{n}?…`). */
export function partOf(entry: Answered): number {
  const match = /\/parts\/(\d+)/.exec(entry.path);
  if (!match) throw new Error(`not a storage part path: ${entry.path}`);
  return Number(match[1]);
}

/** Part numbers that storage accepted (200) in these log entries. */
export const storedParts = (log: readonly Answered[]): number[] =>
  entries(log, "storagePutPart")
    .filter((entry) => entry.status === 200)
    .map(partOf);

export interface Recorded {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly bodyLength: number | undefined;
}

/** A fetch that records every request (headers included) before passing it on. */
export function recordingFetch(
  requests: Recorded[],
  inner: FetchLike = (input, init) => fetch(input, init),
): FetchLike {
  return (input, init) => {
    const body = init?.body;
    requests.push({
      url: String(input),
      method: init?.method ?? "GET",
      headers: new Headers(init?.headers),
      bodyLength:
        body instanceof Uint8Array ? body.byteLength : typeof body === "string" ? body.length : undefined,
    });
    return inner(input, init);
  };
}

export function md5Hex(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}

/** Deterministic pseudo-random bytes (xorshift), fast for multi-MiB buffers. */
export function bytesOf(size: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Bytes as a random-access source (not a Blob). */
export function arraySource(bytes: Uint8Array): RandomAccessSource {
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.slice(offset, offset + length),
  };
}

/** Bytes as a ReadableStream cut into chunks of the given sizes (cycled). */
export function streamOf(
  bytes: Uint8Array,
  chunkSizes: readonly number[] = [4096],
): ReadableStream<Uint8Array> {
  let offset = 0;
  let turn = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      const size = Math.max(1, chunkSizes[turn++ % chunkSizes.length] ?? 4096);
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

/** Bytes as an async iterable of chunks. */
export async function* iterableOf(bytes: Uint8Array, chunk = 3000): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += chunk) yield bytes.slice(offset, offset + chunk);
}

/** Reads a completed file back through getDownloadInfo and the signed URL. */
export async function download(client: CavaticaClient, fileId: string): Promise<Uint8Array> {
  return client.storageGetFile(await client.getDownloadInfo(fileId));
}

let counter = 0;
/** A file name not used before in this process. */
export const uniqueName = (prefix = "file"): string => `${prefix}-${process.pid}-${++counter}.bin`;

/**
 * Asserts two byte arrays are equal (vitest's deep equality walks typed arrays element by element,
 * far too slowly for MiB); a mismatch names the first differing offset.
 */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  if (actual.length === expected.length && Buffer.compare(actual, expected) === 0) return;
  let at = 0;
  while (at < Math.min(actual.length, expected.length) && actual[at] === expected[at]) at++;
  throw new Error(
    `bytes differ: ${actual.length} vs ${expected.length} bytes, first difference at offset ${at}`,
  );
}
