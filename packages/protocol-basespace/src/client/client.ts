/**
 * The typed BaseSpace v1pre3 client: one function per operation of specs/basespace.yaml, named
 * after its operationId, each returning the answer's envelope validated against the spec's
 * schema (BS-ENVELOPE) or throwing a `BasespaceError` (transport.ts).
 *
 * Requests follow the documented forms [S0][S1]: parameters in the query (`name`, `directory`,
 * `multipart=true`, `uploadstatus=…`), the file's media type as the `Content-Type` of the simple
 * upload and of the initiation, and `Content-MD5` (RFC 1864, BS-PART-MD5) on every part and simple
 * upload — computed here when the caller does not give it.
 */
import type { TransportOptions } from "@partwise/client";
import { md5, toBase64 } from "@partwise/engine";
import type { components } from "../generated/openapi.ts";
import type {
  FileContentMetaResponse,
  FileListResponse,
  FilePartResponse,
  FileResponse,
} from "../generated/schemas.ts";
import { BasespaceError } from "./errors.ts";
import { type Call, isRedirect, type TokenCarrier, Transport } from "./transport.ts";

type Param = components["parameters"];

export interface BasespaceClientOptions extends TransportOptions {
  /** The API root, version included: `https://api.basespace.illumina.com/v1pre3`, or `${url}/v1pre3`. */
  readonly baseUrl: string;
  readonly token: string;
  /** `"header"` (default): `x-access-token: T`; `"bearer"`: `Authorization: Bearer T`. Never the query. */
  readonly tokenCarrier?: TokenCarrier | undefined;
}

export interface RequestOptions {
  readonly signal?: AbortSignal | undefined;
}

export interface CreateAppResultFileParams {
  readonly appResultId: Param["AppResultId"];
  readonly name: Param["Name"];
  readonly directory?: Param["Directory"] | undefined;
  /** `true` initiates a multipart upload (no body); absent or `false` is a simple upload of `body`. */
  readonly multipart?: Param["Multipart"] | undefined;
  /** The file's media type, sent as the request's `Content-Type`; default `application/octet-stream`. */
  readonly contentType?: string | undefined;
  /** Simple upload only: the whole file (empty when absent). */
  readonly body?: Uint8Array | Blob | ReadableStream<Uint8Array> | undefined;
  /** Base64 MD5 of `body`; computed when absent and `body` is bytes. */
  readonly contentMd5?: Param["ContentMD5"] | undefined;
}

export interface ListAppResultFilesParams {
  readonly appResultId: Param["AppResultId"];
  readonly Offset?: Param["Offset"] | undefined;
  readonly Limit?: Param["Limit"] | undefined;
  readonly SortBy?: Param["SortBy"] | undefined;
  readonly SortDir?: Param["SortDir"] | undefined;
  readonly Extensions?: Param["Extensions"] | undefined;
}

export interface UploadFilePartParams {
  readonly fileId: Param["FileId"];
  readonly partNumber: Param["PartNumber"];
  readonly body: Uint8Array;
  /** Base64 MD5 of `body` (BS-PART-MD5); computed when absent. */
  readonly contentMd5?: Param["ContentMD5"] | undefined;
}

export interface SetFileUploadStatusParams {
  readonly fileId: Param["FileId"];
  readonly uploadstatus: Param["UploadStatusParam"];
}

export interface GetFileParams {
  readonly fileId: Param["FileId"];
}

export interface GetFileContentMetaParams {
  readonly fileId: Param["FileId"];
  readonly redirect: "meta";
}

export interface GetFileContentParams {
  readonly fileId: Param["FileId"];
  /**
   * `"false"`/`"proxy"`: the API serves the bytes. `"true"` (the spec's default): the API redirects
   * to storage, and the client follows *without* the token; a browser cannot read a redirect's
   * target, so there use `"false"` or `"meta"`.
   */
  readonly redirect?: "true" | "false" | "proxy" | undefined;
  /** A single byte range, `bytes=0-1023` (RFC 9110 §14.2). */
  readonly range?: Param["Range"] | undefined;
}

/** A file's bytes (`redirect=false`, or the storage URL a redirect named). */
export interface FileContent {
  readonly status: 200 | 206;
  readonly contentType: string | undefined;
  readonly contentLength: number | undefined;
  /** `bytes 0-1023/5000` on a 206. */
  readonly contentRange: string | undefined;
  /** The bytes as they arrive; read either this or `bytes()`, once. */
  readonly body: ReadableStream<Uint8Array>;
  bytes(): Promise<Uint8Array>;
}

export interface BasespaceClient {
  /** `POST appresults/{id}/files`: a simple upload (201, or 200) or, with `multipart: true`, an initiation (200). */
  createAppResultFile(params: CreateAppResultFileParams, options?: RequestOptions): Promise<FileResponse>;
  /** `GET appresults/{id}/files`. */
  listAppResultFiles(params: ListAppResultFilesParams, options?: RequestOptions): Promise<FileListResponse>;
  /** `PUT files/{id}/parts/{partNumber}` with `Content-MD5`. */
  uploadFilePart(params: UploadFilePartParams, options?: RequestOptions): Promise<FilePartResponse>;
  /** `POST files/{id}?uploadstatus=complete|aborted` (complete: 201, or 200; aborted: 200). */
  setFileUploadStatus(params: SetFileUploadStatusParams, options?: RequestOptions): Promise<FileResponse>;
  /** `GET files/{id}`. */
  getFile(params: GetFileParams, options?: RequestOptions): Promise<FileResponse>;
  /** `GET files/{id}/content?redirect=meta`: the signed content URL. */
  getFileContent(
    params: GetFileContentMetaParams,
    options?: RequestOptions,
  ): Promise<FileContentMetaResponse>;
  /** `GET files/{id}/content`: the bytes. */
  getFileContent(params: GetFileContentParams, options?: RequestOptions): Promise<FileContent>;
}

const seg = (value: string | number): string => encodeURIComponent(String(value));
const OCTET_STREAM = "application/octet-stream";

export function createBasespaceClient(options: BasespaceClientOptions): BasespaceClient {
  const transport = Transport.create(options);

  const createAppResultFile = async (
    params: CreateAppResultFileParams,
    request: RequestOptions = {},
  ): Promise<FileResponse> => {
    const operation = "createAppResultFile";
    if (params.multipart === true && params.body !== undefined)
      throw new BasespaceError(
        "an initiation (multipart: true) has no body; send the parts with uploadFilePart",
        {
          kind: "usage",
          operation,
          retryable: false,
        },
      );
    const headers: Record<string, string> = { "content-type": params.contentType ?? OCTET_STREAM };
    let body: BodyInit | undefined;
    if (params.multipart !== true) {
      const bytes = params.body ?? new Uint8Array(0);
      body = bytes as BodyInit;
      const digest =
        params.contentMd5 ?? (bytes instanceof Uint8Array ? toBase64(await md5(bytes)) : undefined);
      if (digest !== undefined) headers["content-md5"] = digest;
    }
    const call: Call = {
      operation,
      method: "POST",
      path: `/appresults/${seg(params.appResultId)}/files`,
      query: {
        name: params.name,
        directory: params.directory,
        multipart: params.multipart === true ? "true" : undefined,
      },
      headers,
      body,
      signal: request.signal,
      expect: [200, 201],
    };
    return transport.json(call, "FileResponse");
  };

  const listAppResultFiles = (
    params: ListAppResultFilesParams,
    request: RequestOptions = {},
  ): Promise<FileListResponse> =>
    transport.json(
      {
        operation: "listAppResultFiles",
        method: "GET",
        path: `/appresults/${seg(params.appResultId)}/files`,
        query: {
          Offset: params.Offset,
          Limit: params.Limit,
          SortBy: params.SortBy,
          SortDir: params.SortDir,
          Extensions: params.Extensions,
        },
        signal: request.signal,
        expect: [200],
      },
      "FileListResponse",
    );

  const uploadFilePart = async (
    params: UploadFilePartParams,
    request: RequestOptions = {},
  ): Promise<FilePartResponse> =>
    transport.json(
      {
        operation: "uploadFilePart",
        method: "PUT",
        path: `/files/${seg(params.fileId)}/parts/${seg(params.partNumber)}`,
        headers: {
          "content-type": OCTET_STREAM,
          "content-md5": params.contentMd5 ?? toBase64(await md5(params.body)),
        },
        body: params.body as BodyInit,
        signal: request.signal,
        expect: [200],
      },
      "FilePartResponse",
    );

  const setFileUploadStatus = (
    params: SetFileUploadStatusParams,
    request: RequestOptions = {},
  ): Promise<FileResponse> =>
    transport.json(
      {
        operation: "setFileUploadStatus",
        method: "POST",
        path: `/files/${seg(params.fileId)}`,
        query: { uploadstatus: params.uploadstatus },
        signal: request.signal,
        expect: [200, 201],
      },
      "FileResponse",
    );

  const getFile = (params: GetFileParams, request: RequestOptions = {}): Promise<FileResponse> =>
    transport.json(
      {
        operation: "getFile",
        method: "GET",
        path: `/files/${seg(params.fileId)}`,
        signal: request.signal,
        expect: [200],
      },
      "FileResponse",
    );

  async function getFileContent(
    params: GetFileContentMetaParams,
    request?: RequestOptions,
  ): Promise<FileContentMetaResponse>;
  async function getFileContent(params: GetFileContentParams, request?: RequestOptions): Promise<FileContent>;
  async function getFileContent(
    params: GetFileContentMetaParams | GetFileContentParams,
    request: RequestOptions = {},
  ): Promise<FileContentMetaResponse | FileContent> {
    const redirect = params.redirect ?? "true";
    const range = "range" in params ? params.range : undefined;
    const call: Call = {
      operation: "getFileContent",
      method: "GET",
      path: `/files/${seg(params.fileId)}/content`,
      query: { redirect },
      headers: range === undefined || redirect === "true" ? {} : { range },
      signal: request.signal,
      expect: redirect === "meta" ? [200] : [200, 206],
    };
    if (redirect === "meta") return transport.json(call, "FileContentMetaResponse");
    let response = await transport.send(call, { allowRedirect: redirect === "true" });
    if (response.type === "opaqueredirect") {
      throw new BasespaceError(
        'this runtime hides redirect targets; use redirect: "false" or "meta" to read content',
        { kind: "usage", operation: call.operation, retryable: false },
      );
    }
    if (isRedirect(response.status)) {
      const location = response.headers.get("location");
      await response.body?.cancel().catch(() => {});
      let target: URL;
      try {
        target = new URL(location ?? "", response.url || `${transport.baseUrl}/`);
      } catch {
        throw transport.invalid(call, response.status, "a redirect without a usable Location");
      }
      if (location === null) throw transport.invalid(call, response.status, "a redirect without Location");
      // The target is signed storage: it gets no token.
      try {
        response = await transport.fetch(target, {
          method: "GET",
          headers: range === undefined ? {} : { range },
          ...(request.signal ? { signal: request.signal } : {}),
        });
      } catch (error) {
        throw transport.transportError(call, error);
      }
    }
    if (response.status !== 200 && response.status !== 206) throw await transport.statusError(call, response);
    const answer = response;
    const length = answer.headers.get("content-length");
    return {
      status: answer.status as 200 | 206,
      contentType: answer.headers.get("content-type") ?? undefined,
      contentLength: length !== null && /^\d+$/.test(length) ? Number(length) : undefined,
      contentRange: answer.headers.get("content-range") ?? undefined,
      body: answer.body ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() }),
      bytes: () => transport.readBytes(call, answer),
    };
  }

  return {
    createAppResultFile,
    listAppResultFiles,
    uploadFilePart,
    setFileUploadStatus,
    getFile,
    getFileContent,
  };
}
