/**
 * A typed client for specs/cavatica.yaml: one function per operationId, typed parameters, and
 * every response validated against the generated TypeBox schemas (a response that does not match
 * is `PW_CAVATICA_INVALID_RESPONSE`). The transport is `createFetch` from @partwise/client: undici
 * on a keep-alive agent in Node, the platform's fetch in browsers.
 *
 * Two kinds of requests (spec "Flow", tag `Storage`):
 * - API calls go to `baseUrl` (which ends in `/v2`) with `X-SBG-Auth-Token` (CV-AUTH);
 * - storage calls go to the pre-signed URLs that `getPartUrl` and `getDownloadInfo` return — another
 *   origin in production (S3), so they never carry the token. `storagePutPart` follows the part
 *   URL response verbatim (CV-PART-URL): its `method`, `url` and `headers`, its success codes
 *   (`report.success_codes`, else the top-level `success_codes`, else `[200]`; CV-SUCCESS-CODES), and
 *   collects the response headers `report.headers` names (CV-REPORT-HEADERS).
 */
import { createFetch, type FetchLike } from "@partwise/client";
import { type PartLimits, parse as parseSchema, SchemaValidationError } from "@partwise/engine";
import { type Static, type TObject, type TSchema, Type } from "@sinclair/typebox";
import {
  type CompleteUploadRequest,
  type DownloadInfo,
  DownloadInfoSchema,
  type File,
  type FileList,
  FileListSchema,
  FileSchema,
  type MultipartUpload,
  type MultipartUploadInit,
  MultipartUploadSchema,
  type PartReport,
  type PartReportAnswer,
  PartReportAnswerSchema,
  type PartReportBatchResult,
  PartReportBatchResultSchema,
  type PartReportList,
  type PartUrl,
  PartUrlSchema,
  type UploadDetails,
  UploadDetailsSchema,
  type UploadList,
  UploadListSchema,
} from "../generated/schemas.ts";
import { cavaticaLimits } from "../limits.ts";
import { CavaticaError, httpError, transportError } from "./errors.ts";

export interface CavaticaClientOptions {
  /** The API base URL, `/v2` included: `https://cavatica-api.sbgenomics.com/v2`. */
  readonly baseUrl: string;
  /** The platform authentication token, sent as `X-SBG-Auth-Token`. */
  readonly token: string;
  /** A fetch to use as is (a browser's, a test's recorder). */
  readonly fetch?: FetchLike | undefined;
  /** Node only: an undici `Dispatcher` for the default fetch. */
  readonly dispatcher?: unknown;
  /**
   * The server's part limits when it is a test server with smaller ones (the reference server's
   * `limits` option). The spec's limits are the default; an answered `part_size` outside these
   * limits is an invalid response.
   */
  readonly limits?: Partial<Omit<PartLimits, "rules">> | undefined;
}

/** Per-call options. */
export interface CallOptions {
  readonly signal?: AbortSignal | undefined;
}

export interface InitUploadQuery {
  /** Replace a file of the same name when the upload completes (CV-INIT-OVERWRITE). */
  readonly overwrite?: boolean | undefined;
}

export interface GetUploadQuery {
  /** Include the reported parts (CV-LIST-PARTS). */
  readonly list_parts?: boolean | undefined;
}

/** The query of `listFiles`: exactly one of `project` and `parent` (CV-FILES-QUERY). */
export type ListFilesQuery = ({ readonly project: string } | { readonly parent: string }) & {
  /** Only the items of this name. */
  readonly name?: string | undefined;
  /** Page size, 1..100 (the platform's default is 50). */
  readonly limit?: number | undefined;
  readonly offset?: number | undefined;
};

/** What `storagePutPart` collected from a successful storage answer. */
export interface StoragePartResult {
  readonly status: number;
  /**
   * The response headers named by `report.headers`, keyed by the names as listed there, ready
   * to be reported (`response.headers` of a `PartReport`). An ETag's surrounding quotes are
   * removed, as the SDKs do.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** The ETag without quotes, when the storage sent one. */
  readonly etag: string | undefined;
}

export interface StorageGetOptions extends CallOptions {
  /** A `Range` header value (`bytes=0-99`). */
  readonly range?: string | undefined;
}

export interface CavaticaClient {
  /** The part limits this client validates `part_size` against (the spec's unless overridden). */
  readonly limits: PartLimits;
  /** POST /upload/multipart */
  initUpload(
    body: MultipartUploadInit,
    query?: InitUploadQuery,
    options?: CallOptions,
  ): Promise<MultipartUpload>;
  /** GET /upload/multipart */
  listUploads(options?: CallOptions): Promise<UploadList>;
  /** GET /upload/multipart/{upload_id} */
  getUpload(uploadId: string, query?: GetUploadQuery, options?: CallOptions): Promise<UploadDetails>;
  /** POST /upload/multipart/{upload_id} — several part reports [S2]. */
  reportParts(uploadId: string, body: PartReportList, options?: CallOptions): Promise<PartReportBatchResult>;
  /** DELETE /upload/multipart/{upload_id} — 204. */
  abortUpload(uploadId: string, options?: CallOptions): Promise<void>;
  /** GET /upload/multipart/{upload_id}/part/{part_number} [S3] */
  getPartUrl(uploadId: string, partNumber: number, options?: CallOptions): Promise<PartUrl>;
  /** POST /upload/multipart/{upload_id}/part — one part report. */
  reportPart(uploadId: string, body: PartReport, options?: CallOptions): Promise<PartReportAnswer>;
  /** POST /upload/multipart/{upload_id}/complete — no body unless `body` is given. */
  completeUpload(uploadId: string, body?: CompleteUploadRequest, options?: CallOptions): Promise<File>;
  /** GET /files — one page of the files and folders directly in a project or folder. */
  listFiles(query: ListFilesQuery, options?: CallOptions): Promise<FileList>;
  /** GET /files/{file_id} */
  getFile(fileId: string, options?: CallOptions): Promise<File>;
  /** GET /files/{file_id}/download_info */
  getDownloadInfo(fileId: string, options?: CallOptions): Promise<DownloadInfo>;
  /**
   * The storage request of a part: `partUrl.method partUrl.url` with `partUrl.headers` and the
   * bytes (a known `Content-Length`), without the API token. Throws `PW_CAVATICA_HTTP` for a
   * status outside the success codes, `PW_CAVATICA_INVALID_RESPONSE` (retryable) when a header
   * `report.headers` names is missing.
   */
  storagePutPart(partUrl: PartUrl, body: Uint8Array, options?: CallOptions): Promise<StoragePartResult>;
  /** GET of a download URL (`getDownloadInfo`), without the API token: the file's bytes. */
  storageGetFile(download: DownloadInfo | string, options?: StorageGetOptions): Promise<Uint8Array>;
}

/** The success codes of a part URL response (CV-SUCCESS-CODES). */
export function successCodesOf(partUrl: PartUrl): readonly number[] {
  return partUrl.report.success_codes ?? partUrl.success_codes ?? [200];
}

/** `"abc"` → `abc`; also a weak `W/"abc"`. */
export function unquoteEtag(value: string): string {
  const trimmed = value.trim().replace(/^W\//, "");
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')
    ? trimmed.slice(1, -1)
    : trimmed;
}

/** The schemas whose `part_size` the limits bound, rebuilt when a test server's limits differ. */
function partSizeSchemas(limits: PartLimits): { upload: TSchema; details: TSchema } {
  if (limits.minPartSize === cavaticaLimits.minPartSize && limits.maxPartSize === cavaticaLimits.maxPartSize)
    return { upload: MultipartUploadSchema, details: UploadDetailsSchema };
  const partSize = Type.Object({
    part_size: Type.Integer({ minimum: Math.max(1, limits.minPartSize), maximum: limits.maxPartSize }),
  });
  const relax = (schema: TObject) => Type.Composite([Type.Omit(schema, ["part_size"]), partSize]);
  return { upload: relax(MultipartUploadSchema), details: relax(UploadDetailsSchema) };
}

const segment = (value: string | number): string => encodeURIComponent(String(value));

export function createCavaticaClient(options: CavaticaClientOptions): CavaticaClient {
  if (typeof options.baseUrl !== "string" || !/^https?:\/\//i.test(options.baseUrl))
    throw new CavaticaError("PW_CAVATICA_USAGE", "baseUrl must be an http(s) URL ending in /v2", {
      operation: "createCavaticaClient",
    });
  if (typeof options.token !== "string" || options.token.trim() === "")
    throw new CavaticaError("PW_CAVATICA_USAGE", "a non-empty token is required", {
      operation: "createCavaticaClient",
    });
  const base = options.baseUrl.replace(/\/+$/, "");
  const token = options.token;
  const fetch = createFetch({ fetch: options.fetch, dispatcher: options.dispatcher });
  const limits: PartLimits = { ...cavaticaLimits, ...options.limits, rules: cavaticaLimits.rules };
  const schemas = partSizeSchemas(limits);
  const secrets = [token];

  /** Sends, and turns a missing answer or an error status into a `CavaticaError`. */
  async function send(operation: string, url: string, init: RequestInit, signal: AbortSignal | undefined) {
    let response: Response;
    try {
      response = await fetch(url, { ...init, ...(signal === undefined ? {} : { signal }) });
    } catch (error) {
      throw transportError(operation, error, signal, secrets);
    }
    return response;
  }

  async function readText(operation: string, response: Response, signal: AbortSignal | undefined) {
    try {
      return await response.text();
    } catch (error) {
      throw transportError(operation, error, signal, secrets);
    }
  }

  function validated<S extends TSchema>(
    operation: string,
    schema: S,
    name: string,
    value: unknown,
  ): Static<S> {
    try {
      return parseSchema(schema, value, name);
    } catch (error) {
      if (!(error instanceof SchemaValidationError)) throw error;
      throw new CavaticaError("PW_CAVATICA_INVALID_RESPONSE", `${operation}: ${error.message}`, {
        operation,
        cause: error,
      });
    }
  }

  /** One API call; `schema` undefined means no body is expected (204). */
  async function call<S extends TSchema>(
    operation: string,
    method: string,
    path: string,
    request: {
      readonly query?: Readonly<Record<string, string>>;
      readonly body?: unknown;
      readonly schema: S | undefined;
      readonly schemaName: string;
      /** An empty 2xx body reads as this value (reportParts: the docs show no body). */
      readonly emptyAs?: unknown;
      readonly signal: AbortSignal | undefined;
    },
  ): Promise<Static<S>> {
    const query = request.query === undefined ? "" : `?${new URLSearchParams(request.query).toString()}`;
    const headers: Record<string, string> = { "x-sbg-auth-token": token, accept: "application/json" };
    const init: RequestInit = { method, headers };
    if (request.body !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(request.body);
    }
    const response = await send(operation, `${base}${path}${query}`, init, request.signal);
    if (!response.ok) throw await httpError(operation, response);
    const text = await readText(operation, response, request.signal);
    if (request.schema === undefined) return undefined as Static<S>;
    let value: unknown;
    if (text.trim() === "" && request.emptyAs !== undefined) value = request.emptyAs;
    else {
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new CavaticaError("PW_CAVATICA_INVALID_RESPONSE", `${operation}: the answer is not JSON`, {
          operation,
          status: response.status,
          cause: error,
        });
      }
    }
    return validated(operation, request.schema, request.schemaName, value);
  }

  const uploadPath = (uploadId: string) => `/upload/multipart/${segment(uploadId)}`;

  return {
    limits,

    initUpload: (body, query = {}, options = {}) =>
      call("initUpload", "POST", "/upload/multipart", {
        // sevenbridges-python sends `overwrite` only when true.
        ...(query.overwrite === true ? { query: { overwrite: "true" } } : {}),
        body,
        schema: schemas.upload,
        schemaName: "MultipartUpload",
        signal: options.signal,
      }) as Promise<MultipartUpload>,

    listUploads: (options = {}) =>
      call("listUploads", "GET", "/upload/multipart", {
        schema: UploadListSchema,
        schemaName: "UploadList",
        signal: options.signal,
      }),

    getUpload: (uploadId, query = {}, options = {}) =>
      call("getUpload", "GET", uploadPath(uploadId), {
        ...(query.list_parts === undefined ? {} : { query: { list_parts: String(query.list_parts) } }),
        schema: schemas.details,
        schemaName: "UploadDetails",
        signal: options.signal,
      }) as Promise<UploadDetails>,

    reportParts: (uploadId, body, options = {}) =>
      call("reportParts", "POST", uploadPath(uploadId), {
        body,
        schema: PartReportBatchResultSchema,
        schemaName: "PartReportBatchResult",
        emptyAs: {},
        signal: options.signal,
      }),

    abortUpload: async (uploadId, options = {}) => {
      await call("abortUpload", "DELETE", uploadPath(uploadId), {
        schema: undefined,
        schemaName: "",
        signal: options.signal,
      });
    },

    getPartUrl: (uploadId, partNumber, options = {}) =>
      call("getPartUrl", "GET", `${uploadPath(uploadId)}/part/${segment(partNumber)}`, {
        schema: PartUrlSchema,
        schemaName: "PartUrl",
        signal: options.signal,
      }),

    reportPart: (uploadId, body, options = {}) =>
      call("reportPart", "POST", `${uploadPath(uploadId)}/part`, {
        body,
        schema: PartReportAnswerSchema,
        schemaName: "PartReportAnswer",
        emptyAs: {},
        signal: options.signal,
      }),

    completeUpload: (uploadId, body, options = {}) =>
      call("completeUpload", "POST", `${uploadPath(uploadId)}/complete`, {
        ...(body === undefined ? {} : { body }),
        schema: FileSchema,
        schemaName: "File",
        signal: options.signal,
      }),

    listFiles: (query, options = {}) => {
      const params: Record<string, string> = {};
      for (const [key, value] of Object.entries(query)) if (value !== undefined) params[key] = String(value);
      return call("listFiles", "GET", "/files", {
        query: params,
        schema: FileListSchema,
        schemaName: "FileList",
        signal: options.signal,
      });
    },

    getFile: (fileId, options = {}) =>
      call("getFile", "GET", `/files/${segment(fileId)}`, {
        schema: FileSchema,
        schemaName: "File",
        signal: options.signal,
      }),

    getDownloadInfo: (fileId, options = {}) =>
      call("getDownloadInfo", "GET", `/files/${segment(fileId)}/download_info`, {
        schema: DownloadInfoSchema,
        schemaName: "DownloadInfo",
        signal: options.signal,
      }),

    async storagePutPart(partUrl, body, options = {}) {
      const operation = "storagePutPart";
      // Exactly the headers the part URL response lists, nothing of ours: the token must never
      // reach storage, and S3 signatures may cover headers.
      const response = await send(
        operation,
        partUrl.url,
        { method: partUrl.method, headers: { ...partUrl.headers }, body: body as Uint8Array<ArrayBuffer> },
        options.signal,
      );
      const codes = successCodesOf(partUrl);
      if (!codes.includes(response.status)) {
        // A retry of a part is always safe: 5xx/408/429 and network failures retry; a 403 is the
        // caller's to judge (an expired URL is fetched anew; a bad signature is final).
        throw await httpError(operation, response);
      }
      await readText(operation, response, options.signal);
      const headers: Record<string, string> = {};
      for (const name of partUrl.report.headers) {
        const value = response.headers.get(name);
        if (value === null)
          throw new CavaticaError(
            "PW_CAVATICA_INVALID_RESPONSE",
            `${operation}: the storage answer lacks the ${name} header that report.headers names`,
            { operation, status: response.status, rule: "CV-REPORT-HEADERS", retryable: true },
          );
        headers[name] = name.toLowerCase() === "etag" ? unquoteEtag(value) : value;
      }
      const etag = response.headers.get("etag");
      return { status: response.status, headers, etag: etag === null ? undefined : unquoteEtag(etag) };
    },

    async storageGetFile(download, options = {}) {
      const operation = "storageGetFile";
      const url = typeof download === "string" ? download : download.url;
      const init: RequestInit = { method: "GET" };
      if (options.range !== undefined) init.headers = { range: options.range };
      const response = await send(operation, url, init, options.signal);
      if (!response.ok) throw await httpError(operation, response);
      try {
        return new Uint8Array(await response.arrayBuffer());
      } catch (error) {
        throw transportError(operation, error, options.signal, secrets);
      }
    },
  };
}
