/**
 * Test helpers for the YouForce reference server: servers over real sockets, `multipart/related`
 * bodies built byte by byte (so tests control every CRLF), uploads, and the error envelope check
 * (YF-ERROR-ENVELOPE) every refusal goes through.
 */
import { expect } from "vitest";
import { youforceSchemas } from "../../src/index.ts";
import { createYouforceServer, type YouforceServerOptions } from "../../src/server/index.ts";

export const TOKEN = "token-alice";
export const OTHER = "token-bob";
export const BT = 7100;

export interface TestServer {
  /** The client's base URL, `http://127.0.0.1:port/v1.0`. */
  readonly base: string;
  /** The listener's URL, without the base path. */
  readonly origin: string;
  readonly dataDir: string;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startServer(options: YouforceServerOptions = {}): Promise<TestServer> {
  const server = await createYouforceServer(options);
  const { url } = await server.listen({ keepAliveTimeoutMs: 10 });
  const close = () => server.close();
  return { base: `${url}/v1.0`, origin: url, dataDir: server.dataDir, close, [Symbol.asyncDispose]: close };
}

export const encoder = new TextEncoder();
export const decoder = new TextDecoder();

/** Bytes a `fetch` body accepts (TypeScript 5.9 types `Uint8Array` by its buffer). */
export type Bytes = Uint8Array<ArrayBuffer>;

export function concat(...chunks: (Uint8Array | string)[]): Bytes {
  const parts = chunks.map((c) => (typeof c === "string" ? encoder.encode(c) : c));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface RelatedOptions {
  readonly boundary?: string;
  /** The metadata object, or raw metadata text or bytes. */
  readonly metadata?: unknown;
  readonly metadataHeaders?: string;
  readonly mediaHeaders?: string;
  readonly preamble?: string;
  readonly epilogue?: string;
  /** Spaces/tabs after every delimiter (MIME-TRANSPORT-PADDING). */
  readonly padding?: string;
  /** CRLF after the close delimiter (the PowerShell client sends none). */
  readonly finalCrlf?: boolean;
}

/** A two-part upload body: metadata then media, framed as RFC 2046 says. */
export function relatedBody(media: Uint8Array | string, options: RelatedOptions = {}): Bytes {
  const b = options.boundary ?? "foo_bar_baz";
  const pad = options.padding ?? "";
  const metadata =
    typeof options.metadata === "string" || options.metadata instanceof Uint8Array
      ? options.metadata
      : JSON.stringify(options.metadata ?? { FileName: "TestFile.txt", BusinessTypeId: BT });
  return concat(
    options.preamble === undefined ? "" : `${options.preamble}\r\n`,
    `--${b}${pad}\r\n`,
    options.metadataHeaders ?? "Content-Type: application/json; charset=UTF-8\r\n",
    "\r\n",
    metadata,
    `\r\n--${b}${pad}\r\n`,
    options.mediaHeaders ?? "",
    "\r\n",
    media,
    `\r\n--${b}--${pad}`,
    options.finalCrlf ? "\r\n" : "",
    options.epilogue === undefined ? "" : `${options.finalCrlf ? "" : "\r\n"}${options.epilogue}`,
  );
}

export function auth(token = TOKEN): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export interface UploadOptions extends RelatedOptions {
  readonly token?: string;
  readonly uploadType?: "multipart" | "resumable";
  readonly contentType?: string;
  readonly name?: string;
  readonly businessTypeId?: number | string;
}

/** POST /files with a two-part body (multipart by default). */
export function postFile(
  base: string,
  media: Uint8Array | string,
  options: UploadOptions = {},
): Promise<Response> {
  const boundary = options.boundary ?? "foo_bar_baz";
  const metadata = options.metadata ?? {
    FileName: options.name ?? "TestFile.txt",
    BusinessTypeId: options.businessTypeId ?? BT,
  };
  return fetch(`${base}/files?uploadType=${options.uploadType ?? "multipart"}`, {
    method: "POST",
    headers: {
      ...auth(options.token),
      "content-type": options.contentType ?? `multipart/related;boundary=${boundary}`,
    },
    body: relatedBody(media, { ...options, boundary, metadata }),
  });
}

export function putChunk(
  base: string,
  uploadToken: string,
  position: number | string,
  bytes: Bytes | string,
  options: { readonly close?: boolean | string; readonly token?: string } = {},
): Promise<Response> {
  const close = options.close === undefined ? "" : `&close=${options.close}`;
  return fetch(`${base}/files?uploadType=resumable&uploadToken=${uploadToken}&position=${position}${close}`, {
    method: "PUT",
    headers: { ...auth(options.token), "content-type": "application/octet-stream" },
    body: bytes,
  });
}

export interface FileJson {
  readonly id: string;
  readonly name: string;
  readonly size: number;
  readonly numChunks: number;
  readonly tenantId: string;
  readonly businessType: { readonly id: number; readonly name: string };
}

/** A multipart upload that must succeed (YF-CREATED); returns the validated File. */
export async function uploadOk(
  base: string,
  media: Uint8Array | string,
  options: UploadOptions = {},
): Promise<FileJson> {
  const response = await postFile(base, media, options);
  const body: unknown = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(201);
  return youforceSchemas.parse("File", body) as FileJson;
}

/** Starts a resumable upload with chunk 0; returns the upload token. */
export async function startResumable(
  base: string,
  chunk0: Uint8Array | string,
  options: UploadOptions = {},
): Promise<string> {
  const response = await postFile(base, chunk0, { ...options, uploadType: "resumable" });
  const body: unknown = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(201);
  return youforceSchemas.parse("ResumableSession", body).uploadToken;
}

export async function download(
  base: string,
  id: string,
  token = TOKEN,
  init: RequestInit = {},
): Promise<Response> {
  return fetch(`${base}/files/${id}?role=publisher`, {
    ...init,
    headers: {
      ...auth(token),
      accept: "application/octet-stream",
      ...(init.headers as Record<string, string>),
    },
  });
}

export async function downloadBytes(base: string, id: string, token = TOKEN): Promise<Uint8Array> {
  const response = await download(base, id, token);
  expect(response.status).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
}

export async function list(
  base: string,
  query: Record<string, string> = {},
  token = TOKEN,
): Promise<{
  status: number;
  body: {
    data: { fileId: string; fileName: string; [k: string]: unknown }[];
    count: number;
    pageIndex: number;
    pageSize: number;
  };
}> {
  const params = new URLSearchParams({ role: "publisher", ...query });
  const response = await fetch(`${base}/files?${params}`, { headers: auth(token) });
  const body = await response.json();
  if (response.status === 200) youforceSchemas.parse("FileList", body);
  return { status: response.status, body };
}

/**
 * YF-ERROR-ENVELOPE: the status, a body valid against `Error` with ErrorCode = status, and the
 * rule id named in the message. Returns the message.
 */
export async function expectError(response: Response, status: number, rule?: string): Promise<string> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  const body = youforceSchemas.parse("Error", JSON.parse(text));
  expect(body.ErrorCode).toBe(String(status));
  expect(body.Exception).toBeNull();
  expect(body.CorrelationId).toMatch(/^rrt-/);
  if (rule !== undefined) expect(body.Message).toContain(rule);
  for (const secret of [TOKEN, OTHER]) expect(text).not.toContain(secret);
  return body.Message;
}

/** Deterministic pseudo-random bytes (xorshift), so large files need no randomness source. */
export function pseudoRandomBytes(size: number, seed = 1): Bytes {
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

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The blobs and temp files on disk, to prove a refusal stored nothing. */
export async function storedFiles(dataDir: string): Promise<string[]> {
  const { readdir } = await import("node:fs/promises");
  const { join } = await import("node:path");
  const blobs = await readdir(join(dataDir, "blobs"));
  const temps = await readdir(join(dataDir, "tmp"));
  return [...blobs, ...temps.map((t) => `tmp/${t}`)].sort();
}
