/**
 * Test support for the client and uploader: a BaseSpace reference server on a real socket that
 * records its request log, deterministic bytes, the four kinds of upload source, a download, and
 * readers of the server log (which part numbers were PUT and accepted, which status changes).
 */
import { createHash } from "node:crypto";
import type { UploadSource } from "@partwise/client";
import type { PartLimits, RandomAccessSource } from "@partwise/engine";
import type { ReferenceServer, ServerLogEntry } from "@partwise/node";
import { type BasespaceClient, createBasespaceClient } from "../../src/index.ts";
import { type BasespaceServerOptions, createBasespaceServer } from "../../src/server/index.ts";

/** Long enough that scrubbing it from text never mangles anything else. */
export const TOKEN = "bs-test-token-7Qk2vX9pL4";

/** Part limits both sides use in fast tests (the server's `limits` option), mirroring BaseSpace's shape. */
export const smallLimits: PartLimits = {
  minPartSize: 64,
  maxPartSize: 256,
  maxParts: 10_000,
  maxTotalSize: 10_000 * 256,
  rules: { minPartSize: "BS-PART-MIN-SIZE", maxPartSize: "BS-PART-MAX-SIZE", maxParts: "BS-PART-NUMBER" },
};

/** Retries that never give up in fault tests and never wait long. */
export const fastRetry = { maxRetriesPerPart: 30, baseDelayMs: 1, maxDelayMs: 8 } as const;

export interface TestServer {
  readonly server: ReferenceServer;
  /** `${url}/v1pre3` */
  readonly base: string;
  readonly log: ServerLogEntry[];
  readonly client: BasespaceClient;
  close(): Promise<void>;
}

export async function serve(options: BasespaceServerOptions = {}): Promise<TestServer> {
  const log: ServerLogEntry[] = [];
  const server = await createBasespaceServer({
    limits: smallLimits,
    tokens: [TOKEN],
    log: (entry) => log.push(entry),
    ...options,
  });
  const { url } = await server.listen({ keepAliveTimeoutMs: 10 });
  const base = `${url}/v1pre3`;
  return {
    server,
    base,
    log,
    client: createBasespaceClient({ baseUrl: base, token: TOKEN }),
    close: () => server.close(),
  };
}

/** Deterministic pseudo-random bytes (xorshift32). */
export function bytesOf(size: number, seed = 1): Uint8Array<ArrayBuffer> {
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

/** Byte equality without vitest's deep equality, which walks a large typed array key by key. */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && Buffer.compare(a, b) === 0;

export const md5Hex = (bytes: Uint8Array): string => createHash("md5").update(bytes).digest("hex");

export type SourceKind = "blob" | "random" | "stream" | "iterable";

/** A RandomAccessSource over bytes that counts its reads. */
export function memorySource(bytes: Uint8Array): RandomAccessSource & { reads: number } {
  const source = {
    size: bytes.length,
    reads: 0,
    async read(offset: number, length: number) {
      source.reads += 1;
      return bytes.slice(offset, offset + length);
    },
  };
  return source;
}

/** `bytes` as the given kind of source; streams arrive in chunks of `chunk` bytes. */
export function sourceOf(kind: SourceKind, bytes: Uint8Array<ArrayBuffer>, chunk = 100): UploadSource {
  const pieces = (): Uint8Array[] => {
    const out: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += chunk) out.push(bytes.slice(at, at + chunk));
    return out;
  };
  switch (kind) {
    case "blob":
      return new Blob([bytes]);
    case "random":
      return memorySource(bytes);
    case "stream": {
      const queue = pieces();
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          const next = queue.shift();
          if (next) controller.enqueue(next);
          else controller.close();
        },
      });
    }
    case "iterable":
      return (async function* () {
        yield* pieces();
      })();
  }
}

export async function download(client: BasespaceClient, fileId: string): Promise<Uint8Array> {
  return (await client.getFileContent({ fileId, redirect: "false" })).bytes();
}

export interface PartRequest {
  readonly fileId: string;
  readonly number: number;
  readonly status: number | "reset";
  readonly fault: string | undefined;
}

/** The part PUTs in the log, in the order their answers went out. */
export function partRequests(log: readonly ServerLogEntry[]): PartRequest[] {
  return log.flatMap((entry) => {
    const match = entry.op === "uploadFilePart" ? /\/files\/(\d+)\/parts\/(\d+)/.exec(entry.path) : null;
    return match
      ? [{ fileId: match[1]!, number: Number(match[2]), status: entry.status, fault: entry.fault }]
      : [];
  });
}

/** `uploadstatus` values posted for `fileId`, in order. */
export function statusChanges(log: readonly ServerLogEntry[], fileId?: string): string[] {
  return log.flatMap((entry) => {
    if (entry.op !== "setFileUploadStatus") return [];
    const url = new URL(entry.path, "http://x");
    if (fileId !== undefined && !url.pathname.endsWith(`/files/${fileId}`)) return [];
    return [url.searchParams.get("uploadstatus") ?? ""];
  });
}

/** Expected part count of a file of `size` bytes cut in `partSize` parts (an empty file is one part). */
export const partCount = (size: number, partSize: number): number => Math.max(1, Math.ceil(size / partSize));
