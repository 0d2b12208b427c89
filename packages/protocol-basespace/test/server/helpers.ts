/**
 * Test helpers: a BaseSpace reference server on a real socket, and a small client that speaks
 * the documented flow (initiate, PUT parts, complete, download) and checks every answer against
 * the spec's schemas (BS-ENVELOPE, BS-ERROR-ENVELOPE).
 */
import { createHash } from "node:crypto";
import { request as httpRequest } from "node:http";
import type { PartLimits } from "@partwise/engine";
import type { ReferenceServer } from "@partwise/node";
import { expect } from "vitest";
import { basespaceSchemas, type File, type FilePart } from "../../src/index.ts";
import { type BasespaceServerOptions, createBasespaceServer } from "../../src/server/index.ts";

/** Small limits so property tests stay fast; the real ones are tested in limits.test.ts. */
export const smallLimits: PartLimits = {
  minPartSize: 64,
  maxPartSize: 256,
  maxParts: 10_000,
  maxTotalSize: 10_000 * 256,
  rules: { minPartSize: "BS-PART-MIN-SIZE", maxPartSize: "BS-PART-MAX-SIZE", maxParts: "BS-PART-NUMBER" },
};

export interface TestServer {
  readonly server: ReferenceServer;
  readonly url: string;
  /** `${url}/v1pre3` */
  readonly base: string;
  close(): Promise<void>;
}

export async function startServer(options: BasespaceServerOptions = {}): Promise<TestServer> {
  const server = await createBasespaceServer({ limits: smallLimits, ...options });
  const { url } = await server.listen({ keepAliveTimeoutMs: 10 });
  return { server, url, base: `${url}/v1pre3`, close: () => server.close() };
}

export const md5 = (bytes: Uint8Array): Buffer => createHash("md5").update(bytes).digest();
export const md5Hex = (bytes: Uint8Array): string => md5(bytes).toString("hex");
export const md5Base64 = (bytes: Uint8Array): string => md5(bytes).toString("base64");

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

/** A body of `size` bytes of `fill`, produced in 64 KiB chunks as it is sent (never whole in memory). */
export function streamingBody(size: number, fill = 7): ReadableStream<Uint8Array> {
  let sent = 0;
  const chunk = new Uint8Array(64 * 1024).fill(fill);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= size) {
        controller.close();
        return;
      }
      const n = Math.min(chunk.length, size - sent);
      controller.enqueue(n === chunk.length ? chunk.slice() : chunk.slice(0, n));
      sent += n;
    },
  });
}

export const auth = (token: string): Record<string, string> => ({ "x-access-token": token });

export interface Answer<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** Reads a JSON answer and checks its envelope: success bodies against `schema`, errors against ErrorResponse. */
export async function answer<T>(
  response: Response,
  schema?: "FileResponse" | "FilePartResponse" | "FileListResponse" | "FileContentMetaResponse",
): Promise<Answer<T>> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`answer ${response.status} is not JSON: ${text.slice(0, 200)}`);
  }
  if (response.status >= 400) {
    const checked = basespaceSchemas.validate("ErrorResponse", body);
    expect(checked.ok, JSON.stringify(checked)).toBe(true);
  } else if (schema) {
    const checked = basespaceSchemas.validate(schema, body);
    expect(checked.ok, JSON.stringify(checked)).toBe(true);
    expect((body as { ResponseStatus: unknown }).ResponseStatus).toEqual({});
    expect((body as { Notifications: unknown }).Notifications).toEqual([]);
  }
  return { status: response.status, body: body as T, headers: response.headers };
}

export interface ErrorBody {
  readonly ResponseStatus: { readonly ErrorCode: string; readonly Message: string };
}

/** Expects an error envelope with `status` and `ErrorCode`. */
export async function expectError(response: Response, status: number, code: string): Promise<ErrorBody> {
  const { body, status: actual } = await answer<ErrorBody>(response);
  expect({ status: actual, code: body.ResponseStatus.ErrorCode }).toEqual({ status, code });
  return body;
}

/** A client of one server and token for the documented flow. */
export class Client {
  constructor(
    readonly base: string,
    readonly token: string,
  ) {}

  get headers(): Record<string, string> {
    return auth(this.token);
  }

  initiateRaw(
    appResultId: string,
    name: string,
    init: RequestInit & { query?: string } = {},
  ): Promise<Response> {
    const query = init.query ?? `name=${encodeURIComponent(name)}&multipart=true`;
    return fetch(`${this.base}/appresults/${appResultId}/files?${query}`, {
      method: "POST",
      ...init,
      headers: { ...this.headers, ...(init.headers as Record<string, string> | undefined) },
    });
  }

  async initiate(appResultId: string, name: string, directory?: string): Promise<File> {
    const query = `name=${encodeURIComponent(name)}&multipart=true${directory === undefined ? "" : `&directory=${encodeURIComponent(directory)}`}`;
    const { status, body } = await answer<{ Response: File }>(
      await this.initiateRaw(appResultId, name, { query }),
      "FileResponse",
    );
    expect(status).toBe(200);
    return body.Response;
  }

  putPartRaw(
    fileId: string,
    number: number | string,
    bytes: BodyInit,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return fetch(`${this.base}/files/${fileId}/parts/${number}`, {
      method: "PUT",
      headers: { ...this.headers, ...headers },
      body: bytes,
      ...(bytes instanceof ReadableStream ? { duplex: "half" } : {}),
    } as RequestInit);
  }

  async putPart(fileId: string, number: number, bytes: Uint8Array, withMd5 = true): Promise<FilePart> {
    const { status, body } = await answer<{ Response: FilePart }>(
      await this.putPartRaw(
        fileId,
        number,
        bytes as Uint8Array<ArrayBuffer>,
        withMd5 ? { "content-md5": md5Base64(bytes) } : {},
      ),
      "FilePartResponse",
    );
    expect(status).toBe(200);
    return body.Response;
  }

  statusRaw(fileId: string, uploadStatus: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.base}/files/${fileId}?uploadstatus=${uploadStatus}`, {
      method: "POST",
      ...init,
      headers: { ...this.headers, ...(init.headers as Record<string, string> | undefined) },
    });
  }

  async complete(fileId: string): Promise<File> {
    const { status, body } = await answer<{ Response: File }>(
      await this.statusRaw(fileId, "complete"),
      "FileResponse",
    );
    expect(status).toBe(201);
    return body.Response;
  }

  async getFile(fileId: string): Promise<Answer<{ Response: File }>> {
    return answer(await fetch(`${this.base}/files/${fileId}`, { headers: this.headers }), "FileResponse");
  }

  async download(fileId: string, headers: Record<string, string> = {}): Promise<Uint8Array> {
    const response = await fetch(`${this.base}/files/${fileId}/content?redirect=false`, {
      headers: { ...this.headers, ...headers },
    });
    expect(response.status).toBeLessThan(300);
    return new Uint8Array(await response.arrayBuffer());
  }

  async simpleUpload(
    appResultId: string,
    name: string,
    bytes: Uint8Array,
    contentType = "application/octet-stream",
  ): Promise<File> {
    const response = await fetch(
      `${this.base}/appresults/${appResultId}/files?name=${encodeURIComponent(name)}`,
      {
        method: "POST",
        headers: { ...this.headers, "content-type": contentType },
        body: bytes as Uint8Array<ArrayBuffer>,
      },
    );
    const { status, body } = await answer<{ Response: File }>(response, "FileResponse");
    expect(status).toBe(201);
    return body.Response;
  }
}

/** Fisher–Yates with an injected random source (fast-check supplies it). */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Cuts `bytes` into parts of `partSize` (the last one shorter), numbered from 1. */
export function cut(bytes: Uint8Array, partSize: number): { number: number; bytes: Uint8Array }[] {
  const parts: { number: number; bytes: Uint8Array }[] = [];
  for (let offset = 0, number = 1; offset < bytes.length || number === 1; offset += partSize, number++) {
    parts.push({ number, bytes: bytes.subarray(offset, Math.min(bytes.length, offset + partSize)) });
    if (bytes.length === 0) break;
  }
  return parts;
}

/**
 * A request through node:http, for what fetch cannot send: a header repeated on two lines (the
 * Java SDK's two Content-Types), or a body that is cut short.
 */
export function rawRequest(
  url: string,
  init: {
    method: string;
    headers: Record<string, string | string[]>;
    body?: string | Uint8Array;
  },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method, headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(init.body);
  });
}
