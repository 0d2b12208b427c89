/**
 * Test helpers: a reference server over a real socket, and a tiny CAVATICA client on `fetch` that
 * walks the documented flow (init → part URL → storage PUT → report → complete → download).
 */
import { createHash } from "node:crypto";
import { request as httpRequest } from "node:http";
import type { ReferenceServer } from "@partwise/node";
import { expect } from "vitest";
import { cavaticaSchemas } from "../../src/index.ts";
import {
  CAVATICA_API_BASE_PATH,
  type CavaticaServerOptions,
  createCavaticaServer,
} from "../../src/server/index.ts";

export const MiB = 1024 * 1024;

/** Where the API is: `http://127.0.0.1:PORT/v2` (a server in this process or a child). */
export interface Endpoint {
  readonly base: string;
}

export interface Harness extends Endpoint {
  readonly server: ReferenceServer;
  readonly origin: string;
  close(): Promise<void>;
}

export async function startServer(options: CavaticaServerOptions = {}): Promise<Harness> {
  const server = await createCavaticaServer(options);
  const running = await server.listen({ port: 0 });
  return {
    server,
    base: `${running.url}${CAVATICA_API_BASE_PATH}`,
    origin: running.url,
    close: () => server.close(),
  };
}

export interface ApiResult {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

export interface ApiOptions {
  readonly token?: string | undefined;
  readonly body?: unknown;
  /** Raw body text, sent as is. */
  readonly raw?: string | undefined;
  readonly contentType?: string | undefined;
  readonly headers?: Record<string, string> | undefined;
}

/** One API call; `path` is relative to the `/v2` base. */
export async function api(
  h: Endpoint,
  method: string,
  path: string,
  options: ApiOptions = {},
): Promise<ApiResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers["x-sbg-auth-token"] = options.token;
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers["content-type"] = options.contentType ?? "application/json";
  const response = await fetch(`${h.base}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** Asserts the platform error body (CV-ERROR-ENVELOPE) with the given status, code and rule. */
export function expectError(result: ApiResult, status: number, code?: number, rule?: string): void {
  expect(result.status, JSON.stringify(result.body)).toBe(status);
  expect(cavaticaSchemas.validate("Error", result.body).ok).toBe(true);
  const body = result.body as { status: number; code: number; message: string; more_info: string };
  expect(body.status).toBe(status);
  expect(typeof body.code).toBe("number");
  expect(typeof body.more_info).toBe("string");
  if (code !== undefined) expect(body.code).toBe(code);
  if (rule !== undefined) expect(body.message).toContain(rule);
}

export function md5Hex(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}

/** Deterministic pseudo-random bytes (fast for multi-MiB buffers). */
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

export interface InitBody {
  project?: string;
  parent?: string;
  name: string;
  size?: number;
  part_size?: number;
}

export async function init(
  h: Endpoint,
  token: string,
  body: InitBody,
  query = "",
): Promise<{ upload_id: string; part_size: number }> {
  const result = await api(h, "POST", `/upload/multipart${query}`, { token, body });
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  const started = result.body as { upload_id: string; part_size: number };
  // With test limits below 5 MiB the answered part_size is (deliberately) below the spec's minimum.
  if (started.part_size >= 5 * MiB)
    expect(cavaticaSchemas.validate("MultipartUpload", started).ok).toBe(true);
  return started;
}

export async function partUrl(h: Endpoint, token: string, uploadId: string, n: number): Promise<string> {
  const result = await api(h, "GET", `/upload/multipart/${uploadId}/part/${n}`, { token });
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  return (result.body as { url: string }).url;
}

/** PUTs bytes to a signed URL; returns the status and the ETag header. */
export async function storagePut(
  url: string,
  bytes: Uint8Array,
): Promise<{ status: number; etag: string | null; body: unknown }> {
  const response = await fetch(url, { method: "PUT", body: bytes as Uint8Array<ArrayBuffer> });
  const text = await response.text();
  return {
    status: response.status,
    etag: response.headers.get("etag"),
    body: text === "" ? undefined : JSON.parse(text),
  };
}

export async function report(
  h: Endpoint,
  token: string,
  uploadId: string,
  n: number,
  etag: string,
): Promise<ApiResult> {
  return api(h, "POST", `/upload/multipart/${uploadId}/part`, {
    token,
    body: { part_number: n, response: { headers: { ETag: etag } } },
  });
}

/** Uploads part `n` (URL, PUT, report) and returns its unquoted ETag. */
export async function sendPart(
  h: Endpoint,
  token: string,
  uploadId: string,
  n: number,
  bytes: Uint8Array,
): Promise<string> {
  const url = await partUrl(h, token, uploadId, n);
  const put = await storagePut(url, bytes);
  expect(put.status).toBe(200);
  const etag = put.etag!.replaceAll('"', "");
  const reported = await report(h, token, uploadId, n, etag);
  expect(reported.status, JSON.stringify(reported.body)).toBe(200);
  return etag;
}

export function split(bytes: Uint8Array, partSize: number): Uint8Array[] {
  if (bytes.length === 0) return [bytes];
  const parts: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += partSize) parts.push(bytes.subarray(at, at + partSize));
  return parts;
}

export interface UploadedFile {
  id: string;
  name: string;
  size: number;
}

export async function complete(
  h: Endpoint,
  token: string,
  uploadId: string,
  body?: unknown,
): Promise<ApiResult> {
  return api(h, "POST", `/upload/multipart/${uploadId}/complete`, {
    token,
    ...(body === undefined ? {} : { body }),
  });
}

/** The whole flow, parts in the given order (default ascending), `concurrency` at a time. */
export async function uploadFile(
  h: Endpoint,
  token: string,
  bytes: Uint8Array,
  options: {
    project?: string;
    name?: string;
    partSize?: number;
    order?: number[];
    concurrency?: number;
  } = {},
): Promise<UploadedFile> {
  const started = await init(h, token, {
    project: options.project ?? "owner/project",
    name: options.name ?? `file-${Math.random().toString(36).slice(2)}`,
    size: bytes.length,
    ...(options.partSize === undefined ? {} : { part_size: options.partSize }),
  });
  const parts = split(bytes, started.part_size);
  const order = options.order ?? parts.map((_, i) => i);
  const queue = [...order];
  const workers = Array.from({ length: options.concurrency ?? 1 }, async () => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift())
      await sendPart(h, token, started.upload_id, i + 1, parts[i]!);
  });
  await Promise.all(workers);
  const done = await complete(h, token, started.upload_id);
  expect(done.status, JSON.stringify(done.body)).toBe(200);
  expect(cavaticaSchemas.validate("File", done.body).ok).toBe(true);
  return done.body as UploadedFile;
}

export async function download(
  h: Endpoint,
  token: string,
  fileId: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const info = await api(h, "GET", `/files/${fileId}/download_info`, { token });
  expect(info.status, JSON.stringify(info.body)).toBe(200);
  expect(cavaticaSchemas.validate("DownloadInfo", info.body).ok).toBe(true);
  return fetch((info.body as { url: string }).url, { headers });
}

export async function downloadBytes(h: Endpoint, token: string, fileId: string): Promise<Uint8Array> {
  const response = await download(h, token, fileId);
  expect(response.status).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
}

/** A raw HTTP/1.1 request (for what `fetch` refuses to send: a GET with a body, lying lengths). */
export function rawRequest(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string | Uint8Array,
  options: { end?: boolean } = {},
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString("utf8"),
          headers: res.headers,
        }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    if (options.end !== false) req.end();
  });
}
