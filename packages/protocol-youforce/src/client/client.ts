/**
 * The typed YouForce File API v1.0 client: one function per operation of specs/youforce.yaml
 * (`uploadFile`, `uploadChunk`, `listFiles`, `downloadFile`, `headFile`, `deleteFile`), each taking
 * typed parameters and returning the answer validated against the generated schemas.
 *
 * - Transport: `createFetch` of @partwise/client (undici's keep-alive agent in Node, the platform's
 *   fetch in browsers; `fetch`/`dispatcher` injectable). No global HTTP mock, no global state.
 * - Auth: `Authorization: Bearer <token>` on every call (YF-AUTH). `token` may be a function, so a
 *   caller can refresh the one-hour Visma Connect token between calls.
 * - Request bodies of `uploadFile` are `multipart/related` (RFC 2387; [S4]) built by the engine's
 *   `encodeRelated`: the JSON metadata part first with `Content-Type: application/json;
 *   charset=UTF-8` and the documented keys `FileName` and `BusinessTypeId` (YF-METADATA-*), the
 *   media part second without headers, a boundary from `createBoundary` over
 *   `crypto.getRandomValues`, and `type="application/json"` (MIME-RELATED-TYPE). Under undici the
 *   body streams from the source with `duplex: "half"` and an exact `Content-Length`; elsewhere
 *   (browsers, whose fetch streams request bodies only over HTTP/2) it is sent as a Blob.
 * - Rules a caller can break are checked before any request and refused with a
 *   `PW_YOUFORCE_USAGE` error naming the rule (file name, business type id, position, chunk size).
 * - Failures are `YouforceError`s (see errors.ts); success statuses are accepted as the spec's
 *   leniency says (200 or 201 for `uploadFile`, any 2xx for `uploadChunk`).
 */
import {
  createFetch,
  type FetchLike,
  isNetworkError,
  type TransportOptions,
  transportName,
} from "@partwise/client";
import { createBoundary, encodeRelated, isPartwiseError, type RelatedPartInput } from "@partwise/engine";
import type { File, FileList, ResumableChunk, ResumableSession, SchemaName } from "../generated/schemas.ts";
import { YOUFORCE_MULTIPART_MAX_SIZE, youforceResumableLimits } from "../limits.ts";
import { youforceSchemas } from "../schemas.ts";
import { httpError, scrub, YouforceError, type YouforceOperation } from "./errors.ts";
import { checkFileName } from "./file-name.ts";

export type YouforceRole = "publisher" | "subscriber";

export interface YouforceClientOptions extends TransportOptions {
  /** The API root, e.g. `https://fileapi.youforce.com/v1.0` (a reference server: its URL + `/v1.0`). */
  readonly baseUrl: string;
  /** The bearer token, or a function returning the current one (called before each request). */
  readonly token: string | (() => string | Promise<string>);
  /** `x-raet-tenant-id` for multi-tenant tokens, sent on every call unless a call names its own. */
  readonly tenantId?: string | undefined;
  /**
   * Send upload bodies as streams (`duplex: "half"`). Default: true under undici (Node), false
   * elsewhere, where the body is first collected into a Blob.
   */
  readonly streamRequestBodies?: boolean | undefined;
}

/** Options every call takes. */
export interface CallOptions {
  readonly signal?: AbortSignal | undefined;
  /** `x-raet-tenant-id` for this call. */
  readonly tenantId?: string | undefined;
}

/** The metadata part of an upload, sent with the documented keys `FileName` and `BusinessTypeId`. */
export interface UploadFileMetadata {
  readonly fileName: string;
  readonly businessTypeId: number;
  /** Sent as `customMetadata` (.NET SDK v2.2.0; the wire name is not documented). */
  readonly customMetadata?: Readonly<Record<string, string>> | undefined;
}

/** The bytes of the media part: read as the body is sent, never all at once when streamed. */
export type UploadMedia = Blob | Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

export type UploadType = "multipart" | "resumable";

export interface UploadFileParams<T extends UploadType = UploadType> extends CallOptions {
  /** `multipart`: the whole file (≤ 100 MB); `resumable`: chunk 0 of a resumable upload (≤ 9 MB). */
  readonly uploadType: T;
  readonly metadata: UploadFileMetadata;
  readonly media: UploadMedia;
  /** Size of a streamed `media`, so the request carries `Content-Length`. */
  readonly mediaSize?: number | undefined;
  /** YF-NAME-EXTENSION deny list checked locally; default `YOUFORCE_DENIED_EXTENSIONS`. */
  readonly deniedExtensions?: readonly string[] | undefined;
}

export interface UploadChunkParams extends CallOptions {
  readonly uploadToken: string;
  /** 1 or more: position 0 travels in `uploadFile` (YF-RESUMABLE-POSITION). */
  readonly position: number;
  /** True on the final chunk: the server assembles the file and answers it (YF-RESUMABLE-CLOSE). */
  readonly close?: boolean | undefined;
  readonly body: Blob | Uint8Array;
}

export interface ListFilesParams extends CallOptions {
  readonly role: YouforceRole;
  readonly pageIndex?: number | undefined;
  /** 1..1000 (default 20 on the server). */
  readonly pageSize?: number | undefined;
  /** `$filter`, e.g. `startsWith(fileName, 'employee') and uploadDate gt 2023-08-08T11:02:00Z`. */
  readonly filter?: string | undefined;
  /** `$orderBy`, e.g. `uploadDate asc`. */
  readonly orderBy?: string | undefined;
}

/** One byte range (RFC 9110 §14.1.2): `start`..`end` inclusive (`end` open when absent), or the last `suffix` bytes. */
export type ByteRange =
  | { readonly start: number; readonly end?: number | undefined }
  | { readonly suffix: number };

export interface FileParams extends CallOptions {
  readonly fileId: string;
  /** Omitted: the reference server reads the caller's own upload as publisher, others as subscriber. */
  readonly role?: YouforceRole | undefined;
}

export interface DownloadFileParams extends FileParams {
  /** YF-DOWNLOAD-RANGE: answered 206, or 200 with the whole file by a server that ignores it. */
  readonly range?: ByteRange | undefined;
}

export interface ContentRange {
  readonly start: number;
  readonly end: number;
  readonly size: number;
}

export interface YouforceDownload {
  readonly status: 200 | 206;
  readonly contentLength: number | undefined;
  /** Present on a 206. */
  readonly contentRange: ContentRange | undefined;
  readonly etag: string | undefined;
  readonly contentDisposition: string | undefined;
  /** The bytes, streamed; read it (or `bytes()`) once. */
  readonly body: ReadableStream<Uint8Array>;
  /** Reads the whole body; failures are `YouforceError`s. */
  bytes(): Promise<Uint8Array>;
}

export interface YouforceFileHeaders {
  readonly contentLength: number;
  readonly acceptRanges: string | undefined;
  readonly contentDisposition: string | undefined;
  /** Not documented; the reference server sends the file's MD5 in quotes. */
  readonly etag: string | undefined;
}

export interface YouforceClient {
  readonly baseUrl: string;
  /** `POST /files?uploadType=…` (operation `uploadFile`). */
  uploadFile<T extends UploadType>(
    params: UploadFileParams<T>,
  ): Promise<T extends "multipart" ? File : ResumableSession>;
  /** `PUT /files?uploadType=resumable&uploadToken=…&position=n[&close=true]` (operation `uploadChunk`). */
  uploadChunk(params: UploadChunkParams & { readonly close: true }): Promise<File>;
  uploadChunk(params: UploadChunkParams): Promise<ResumableChunk | File>;
  /** `GET /files?role=…` (operation `listFiles`). */
  listFiles(params: ListFilesParams): Promise<FileList>;
  /** `GET /files/{fileId}` (operation `downloadFile`). */
  downloadFile(params: DownloadFileParams): Promise<YouforceDownload>;
  /** `HEAD /files/{fileId}` (operation `headFile`). */
  headFile(params: FileParams): Promise<YouforceFileHeaders>;
  /** `DELETE /files/{fileId}?role=subscriber` (operation `deleteFile`): deleted for this subscriber only. */
  deleteFile(params: FileParams): Promise<void>;
}

const randomBytes = (length: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(length));

function usage(operation: YouforceOperation, message: string, rule?: string): YouforceError {
  return new YouforceError(message, { kind: "usage", operation, retryable: false, rule });
}

function isSafeCount(value: unknown, min: number): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= min;
}

/** `fetch` rejected or a body failed to read: abort, a source error carried as `cause`, or the network. */
export function transportError(
  operation: YouforceOperation,
  error: unknown,
  signal: AbortSignal | undefined,
  secret: string | undefined,
): YouforceError {
  if (error instanceof YouforceError) return error;
  if (signal?.aborted) {
    return new YouforceError(`${operation}: aborted`, {
      kind: "aborted",
      operation,
      retryable: false,
      cause: signal.reason,
    });
  }
  // A body source that failed (a file that shrank, a boundary in the content) reaches us as
  // fetch's TypeError with the engine's error as cause: that is not the network.
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof YouforceError) return e;
    if (isPartwiseError(e)) {
      return new YouforceError(`${operation}: the request body could not be read: ${e.message}`, {
        kind: "usage",
        operation,
        retryable: false,
        cause: e,
      });
    }
  }
  let detail = "";
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") {
      detail = code;
      break;
    }
    if (e instanceof Error) detail = e.message;
  }
  const network = isNetworkError(error);
  return new YouforceError(
    `${operation}: ${network ? "network error" : "request failed"}${detail ? `: ${scrub(detail, secret)}` : ""}`,
    { kind: "network", operation, retryable: network, cause: error },
  );
}

function invalid(operation: YouforceOperation, message: string, cause?: unknown): YouforceError {
  return new YouforceError(`${operation}: ${message}`, {
    kind: "invalid-response",
    operation,
    retryable: false,
    cause,
  });
}

/** `bytes a-b/size` (RFC 9110 §14.4). */
export function parseContentRange(value: string | null): ContentRange | undefined {
  const match = value === null ? null : /^\s*bytes\s+(\d+)-(\d+)\/(\d+)\s*$/i.exec(value);
  if (!match) return undefined;
  const [start, end, size] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return start <= end && end < size ? { start, end, size } : undefined;
}

function optionalHeader(response: Response, name: string): string | undefined {
  return response.headers.get(name) ?? undefined;
}

function contentLength(response: Response): number | undefined {
  const raw = response.headers.get("content-length");
  return raw !== null && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

function rangeHeader(range: ByteRange, operation: YouforceOperation): string {
  if ("suffix" in range) {
    if (!isSafeCount(range.suffix, 1)) throw usage(operation, "range.suffix must be an integer >= 1");
    return `bytes=-${range.suffix}`;
  }
  if (!isSafeCount(range.start, 0)) throw usage(operation, "range.start must be an integer >= 0");
  if (range.end === undefined) return `bytes=${range.start}-`;
  if (!isSafeCount(range.end, range.start))
    throw usage(operation, "range.end must be an integer >= range.start");
  return `bytes=${range.start}-${range.end}`;
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}

export function createYouforceClient(options: YouforceClientOptions): YouforceClient {
  if (typeof options.baseUrl !== "string" || !/^https?:\/\//i.test(options.baseUrl))
    throw usage("upload", "baseUrl must be an http(s) URL, e.g. https://fileapi.youforce.com/v1.0");
  if (options.token === undefined || options.token === "")
    throw usage("upload", "token is required (YF-AUTH)", "YF-AUTH");
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const fetchImpl: FetchLike = createFetch(options);
  const streamBodies = options.streamRequestBodies ?? transportName === "undici";

  const tokenOf = async (): Promise<string> =>
    typeof options.token === "function" ? await options.token() : options.token;

  interface Sent {
    readonly response: Response;
    readonly secret: string;
  }

  const send = async (
    operation: YouforceOperation,
    method: string,
    path: string,
    query: Readonly<Record<string, string | number | boolean | undefined>>,
    call: CallOptions,
    init: { readonly headers?: Record<string, string>; readonly body?: BodyInit } = {},
  ): Promise<Sent> => {
    if (call.signal?.aborted) throw transportError(operation, call.signal.reason, call.signal, undefined);
    const secret = await tokenOf();
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
    const qs = search.toString();
    const url = `${baseUrl}${path}${qs === "" ? "" : `?${qs}`}`;
    const headers: Record<string, string> = { authorization: `Bearer ${secret}`, ...init.headers };
    const tenantId = call.tenantId ?? options.tenantId;
    if (tenantId !== undefined) headers["x-raet-tenant-id"] = tenantId;
    const request: RequestInit & { duplex?: "half" } = { method, headers };
    if (init.body !== undefined) {
      request.body = init.body;
      if (init.body instanceof ReadableStream) request.duplex = "half";
    }
    if (call.signal !== undefined) request.signal = call.signal;
    let response: Response;
    try {
      response = await fetchImpl(url, request);
    } catch (error) {
      throw transportError(operation, error, call.signal, secret);
    }
    if (!response.ok) throw await httpError(operation, response, secret);
    return { response, secret };
  };

  /** The answer's JSON, validated against `schema`; an empty body is `undefined`. */
  const readJson = async <K extends SchemaName>(
    operation: YouforceOperation,
    sent: Sent,
    schema: K,
    call: CallOptions,
    allowEmpty = false,
  ): Promise<unknown> => {
    let text: string;
    try {
      text = await sent.response.text();
    } catch (error) {
      throw transportError(operation, error, call.signal, sent.secret);
    }
    if (text.trim() === "" && allowEmpty) return {};
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw invalid(operation, `HTTP ${sent.response.status} answer is not JSON`, error);
    }
    const checked = youforceSchemas.validate(schema, value);
    if (!checked.ok) {
      const issue = checked.issues[0];
      throw invalid(
        operation,
        `HTTP ${sent.response.status} answer is not a valid ${schema}${issue ? ` at ${issue.path || "/"}: ${issue.message}` : ""}`,
      );
    }
    return checked.value;
  };

  const fileIdPath = (operation: YouforceOperation, fileId: string): string => {
    if (typeof fileId !== "string" || fileId === "") throw usage(operation, "fileId is required");
    return `/files/${encodeURIComponent(fileId)}`;
  };

  const uploadFile = async (params: UploadFileParams): Promise<File | ResumableSession> => {
    const operation = "uploadFile";
    const { metadata, uploadType } = params;
    if (uploadType !== "multipart" && uploadType !== "resumable")
      throw usage(operation, "uploadType must be multipart or resumable");
    checkFileName(metadata.fileName, params.deniedExtensions, operation);
    if (!isSafeCount(metadata.businessTypeId, 0))
      throw usage(operation, "businessTypeId must be an integer >= 0", "YF-METADATA-BUSINESS-TYPE");
    const media = params.media;
    const mediaSize =
      media instanceof Uint8Array
        ? media.length
        : typeof Blob !== "undefined" && media instanceof Blob
          ? media.size
          : params.mediaSize;
    const max =
      uploadType === "multipart" ? YOUFORCE_MULTIPART_MAX_SIZE : youforceResumableLimits.maxPartSize;
    if (mediaSize !== undefined && mediaSize > max) {
      throw usage(
        operation,
        uploadType === "multipart"
          ? `The file is ${mediaSize} bytes; a multipart upload takes at most ${max} (use uploadType=resumable)`
          : `Chunk 0 is ${mediaSize} bytes; a chunk is at most ${max}`,
        uploadType === "multipart" ? "YF-MULTIPART-MAX-SIZE" : "YF-RESUMABLE-CHUNK-SIZE",
      );
    }
    const json = JSON.stringify({
      FileName: metadata.fileName,
      BusinessTypeId: metadata.businessTypeId,
      ...(metadata.customMetadata === undefined ? {} : { customMetadata: metadata.customMetadata }),
    });
    const boundary = createBoundary(randomBytes);
    const metadataPart: RelatedPartInput = {
      headers: { "Content-Type": "application/json; charset=UTF-8" },
      body: json,
    };
    const related = { boundary, type: "application/json" };
    const encoded = encodeRelated([metadataPart, { body: media }], related);
    // The exact length: the framing (the same body with an empty media part) plus the media.
    const length =
      encoded.length ??
      (mediaSize === undefined
        ? undefined
        : (encodeRelated([metadataPart, { body: new Uint8Array(0) }], related).length ?? 0) + mediaSize);
    const headers: Record<string, string> = {
      "content-type": encoded.contentType,
      accept: "application/json",
    };
    let body: BodyInit;
    if (streamBodies) {
      body = encoded.body;
      if (length !== undefined) headers["content-length"] = String(length);
    } else {
      try {
        body = await new Response(encoded.body).blob();
      } catch (error) {
        throw transportError(operation, error, params.signal, undefined);
      }
    }
    const sent = await send(operation, "POST", "/files", { uploadType }, params, { headers, body });
    return (await readJson(
      operation,
      sent,
      uploadType === "multipart" ? "File" : "ResumableSession",
      params,
    )) as File | ResumableSession;
  };

  const uploadChunk = async (params: UploadChunkParams): Promise<ResumableChunk | File> => {
    const operation = "uploadChunk";
    if (typeof params.uploadToken !== "string" || params.uploadToken === "")
      throw usage(operation, "uploadToken is required", "YF-RESUMABLE-TOKEN");
    if (!isSafeCount(params.position, 1))
      throw usage(
        operation,
        "position must be an integer >= 1 (position 0 is sent by uploadFile)",
        "YF-RESUMABLE-POSITION",
      );
    const size = params.body instanceof Uint8Array ? params.body.length : params.body.size;
    if (size > youforceResumableLimits.maxPartSize)
      throw usage(
        operation,
        `The chunk is ${size} bytes; a chunk is at most ${youforceResumableLimits.maxPartSize}`,
        "YF-RESUMABLE-CHUNK-SIZE",
      );
    const close = params.close === true;
    const sent = await send(
      operation,
      "PUT",
      "/files",
      {
        uploadType: "resumable",
        uploadToken: params.uploadToken,
        position: params.position,
        close: close ? "true" : undefined,
      },
      params,
      {
        headers: { "content-type": "application/octet-stream", accept: "application/json" },
        body: params.body as BodyInit,
      },
    );
    // YF-RESUMABLE-CLOSE: the closing chunk answers the File; intermediate chunks any 2xx.
    return (await readJson(operation, sent, close ? "File" : "UploadChunkResult", params, !close)) as
      | ResumableChunk
      | File;
  };

  const listFiles = async (params: ListFilesParams): Promise<FileList> => {
    const operation = "listFiles";
    if (params.role !== "publisher" && params.role !== "subscriber")
      throw usage(operation, "role must be publisher or subscriber");
    if (params.pageIndex !== undefined && !isSafeCount(params.pageIndex, 0))
      throw usage(operation, "pageIndex must be an integer >= 0");
    if (params.pageSize !== undefined && !(isSafeCount(params.pageSize, 1) && params.pageSize <= 1000))
      throw usage(operation, "pageSize must be an integer from 1 to 1000");
    const sent = await send(
      operation,
      "GET",
      "/files",
      {
        role: params.role,
        pageIndex: params.pageIndex,
        pageSize: params.pageSize,
        $filter: params.filter,
        $orderBy: params.orderBy,
      },
      params,
      { headers: { accept: "application/json" } },
    );
    return (await readJson(operation, sent, "FileList", params)) as FileList;
  };

  const downloadFile = async (params: DownloadFileParams): Promise<YouforceDownload> => {
    const operation = "downloadFile";
    const path = fileIdPath(operation, params.fileId);
    const headers: Record<string, string> = { accept: "application/octet-stream" };
    if (params.range !== undefined) headers.range = rangeHeader(params.range, operation);
    const { response, secret } = await send(operation, "GET", path, { role: params.role }, params, {
      headers,
    });
    let contentRange: ContentRange | undefined;
    if (response.status === 206) {
      contentRange = parseContentRange(response.headers.get("content-range"));
      const asked = params.range;
      const matches =
        contentRange !== undefined &&
        asked !== undefined &&
        ("suffix" in asked
          ? contentRange.end === contentRange.size - 1
          : contentRange.start === asked.start && (asked.end === undefined || contentRange.end <= asked.end));
      if (!matches) {
        await response.body?.cancel().catch(() => {});
        throw invalid(operation, "a 206 answer whose Content-Range does not match the requested range");
      }
    } else if (response.status !== 200) {
      await response.body?.cancel().catch(() => {});
      throw invalid(operation, `unexpected status ${response.status}`);
    }
    const body = response.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    return {
      status: response.status as 200 | 206,
      contentLength: contentLength(response),
      contentRange,
      etag: optionalHeader(response, "etag"),
      contentDisposition: optionalHeader(response, "content-disposition"),
      body,
      async bytes() {
        try {
          return await collect(body);
        } catch (error) {
          throw transportError(operation, error, params.signal, secret);
        }
      },
    };
  };

  const headFile = async (params: FileParams): Promise<YouforceFileHeaders> => {
    const operation = "headFile";
    const path = fileIdPath(operation, params.fileId);
    const { response } = await send(operation, "HEAD", path, { role: params.role }, params, {
      headers: { accept: "application/octet-stream" },
    });
    await response.body?.cancel().catch(() => {});
    const length = contentLength(response);
    if (length === undefined) throw invalid(operation, "the answer has no Content-Length");
    return {
      contentLength: length,
      acceptRanges: optionalHeader(response, "accept-ranges"),
      contentDisposition: optionalHeader(response, "content-disposition"),
      etag: optionalHeader(response, "etag"),
    };
  };

  const deleteFile = async (params: FileParams): Promise<void> => {
    const operation = "deleteFile";
    const path = fileIdPath(operation, params.fileId);
    const { response } = await send(
      operation,
      "DELETE",
      path,
      { role: params.role ?? "subscriber" },
      params,
      {
        headers: { accept: "application/octet-stream" },
      },
    );
    await response.body?.cancel().catch(() => {});
  };

  return {
    baseUrl,
    uploadFile: uploadFile as YouforceClient["uploadFile"],
    uploadChunk: uploadChunk as YouforceClient["uploadChunk"],
    listFiles,
    downloadFile,
    headFile,
    deleteFile,
  };
}
