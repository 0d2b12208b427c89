/**
 * Where a reference server keeps its blobs, and what a server may ask of an S3-backed store,
 * without loading the AWS SDK: the SDK (some 26 MiB of RSS and a slower start) is imported by
 * `openStore` only when a server is really opened on S3 (s3-store.ts, also `@partwise/node/s3`).
 * Servers reach the S3 operations through the `ObjectStore` interface (`isObjectStore`), never
 * through the class, so a disk-only server never loads it.
 */
import { DiskStore, type Store } from "./store.ts";

/** Where the blobs go: an S3 endpoint, a bucket and an optional key prefix. */
export interface S3StorageOptions {
  /** The S3 endpoint, e.g. `http://127.0.0.1:7480` (path-style addressing is used). */
  readonly endpoint: string;
  readonly bucket: string;
  /** Prepended to every object key (`prefix/` when it does not end with `/`). Default none. */
  readonly prefix?: string | undefined;
  /** Default: `AWS_REGION`, else `us-east-1`. */
  readonly region?: string | undefined;
  /** Default: `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (the SDK's default chain). */
  readonly accessKeyId?: string | undefined;
  readonly secretAccessKey?: string | undefined;
  /**
   * Browser origins allowed to PUT parts to and GET files from presigned URLs: when given, a
   * bucket without a CORS configuration gets one (`ETag` exposed). Default none.
   */
  readonly corsOrigins?: readonly string[] | undefined;
}

/** How a server stores: `disk` (default) or `s3`. */
export type StorageOptions = { readonly kind: "disk" } | ({ readonly kind: "s3" } & S3StorageOptions);

export interface S3StoreOptions extends S3StorageOptions {
  /** fsync the state documents (as `DiskStore`'s option). */
  readonly fsync?: boolean | undefined;
}

/** An S3 failure other than a missing object: unreachable, throttled, refused or out of quota. */
export class S3StoreError extends Error {
  override readonly name = "S3StoreError";
  /** `PW_STORE_S3_UNAVAILABLE` (503), `PW_STORE_S3_QUOTA` (507) or `PW_STORE_S3_FAILED` (500). */
  readonly code: "PW_STORE_S3_UNAVAILABLE" | "PW_STORE_S3_QUOTA" | "PW_STORE_S3_FAILED";
  /** S3's error code (`SlowDown`, `AccessDenied`, …) or the network error's. */
  readonly s3Code: string;
  readonly status: number | undefined;

  constructor(operation: string, cause: unknown) {
    const s3Code = errorCode(cause) ?? "Unknown";
    const status = httpStatus(cause);
    super(`S3 ${operation} failed: ${s3Code}${status === undefined ? "" : ` (HTTP ${status})`}`, { cause });
    this.s3Code = s3Code;
    this.status = status;
    this.code =
      s3Code === "QuotaExceeded" || s3Code === "EntityTooLarge"
        ? "PW_STORE_S3_QUOTA"
        : status === undefined || status === 503 || status === 500 || s3Code === "SlowDown"
          ? "PW_STORE_S3_UNAVAILABLE"
          : "PW_STORE_S3_FAILED";
  }
}

/** S3's error code (an SDK service exception's `name`), else a network error's `code`. */
export function errorCode(error: unknown): string | undefined {
  const e = error as { name?: unknown; code?: unknown; $metadata?: unknown } | null;
  if (e?.$metadata !== undefined && typeof e.name === "string") return e.name;
  return typeof e?.code === "string" ? e.code : typeof e?.name === "string" ? e.name : undefined;
}

export function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

/** True for S3's "no such object" answers (404 to GET and HEAD, whose body is empty). */
export function isNotFound(error: unknown): boolean {
  const code = errorCode(error);
  return code === "NoSuchKey" || code === "NotFound" || httpStatus(error) === 404;
}

/** A part of a multipart upload as S3 returned it (`ETag` quoted, as S3 answers it). */
export interface CompletedPart {
  readonly partNumber: number;
  readonly etag: string;
}

/**
 * A store whose blobs are S3 objects (`S3Store`), with the S3 operations a server needs to hand
 * out presigned URLs as the real services do (CAVATICA's part URLs, BaseSpace's `redirect=meta`).
 * `S3StoreError` carries S3's refusals (`s3Code`).
 */
export interface ObjectStore extends Store {
  readonly kind: "s3";
  readonly bucket: string;
  readonly prefix: string;
  readonly endpoint: string;
  /** The object key of a blob key (`<prefix><key>`). */
  objectKey(key: string): string;
  /**
   * A presigned GET of a blob, valid `ttlSeconds`; `filename` sets the download's
   * `Content-Disposition` (`response-content-disposition`).
   */
  presignGet(key: string, ttlSeconds: number, filename?: string, signingDate?: Date): Promise<string>;
  /** Starts an S3 multipart upload of `key`; returns S3's upload id. */
  createMultipartUpload(key: string): Promise<string>;
  /** A presigned `UploadPart` URL (PUT) valid `ttlSeconds`. */
  presignUploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    ttlSeconds: number,
    signingDate?: Date,
  ): Promise<string>;
  /**
   * Completes a multipart upload with `parts` (ascending part numbers, ETags as reported) and
   * returns the object's size and ETag. S3's refusals (`InvalidPart`, `InvalidPartOrder`,
   * `EntityTooSmall`, `NoSuchUpload`) come back as `S3StoreError` with that `s3Code`.
   */
  completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: readonly CompletedPart[],
  ): Promise<{ size: number; etag: string }>;
  /**
   * The parts S3 holds for a multipart upload, ascending, with their sizes and ETags (quoted, as S3
   * answers them). `NoSuchUpload` comes back as `S3StoreError` with that `s3Code`.
   */
  listParts(key: string, uploadId: string): Promise<(CompletedPart & { readonly size: number })[]>;
  /**
   * Joins blobs, in the order given, into the blob `target` without the bytes passing through this
   * process (server-side copies); returns the joined blob's size.
   */
  join(keys: readonly string[], target: string): Promise<number>;
  /** Aborts a multipart upload; one S3 no longer knows is already gone. */
  abortMultipartUpload(key: string, uploadId: string): Promise<void>;
  /** Releases the S3 client's sockets. */
  close(): void;
}

/** True when `store` keeps its blobs in S3 (and so offers presigned URLs). */
export const isObjectStore = (store: Store): store is ObjectStore => store.kind === "s3";

/**
 * Opens the store `storage` names in `dir`: a `DiskStore` (the default) or an S3 store whose
 * objects go under `storage.prefix`, else `defaultPrefix` (a server sweeps the blobs it does not
 * know under its prefix, so two servers must not share one). The AWS SDK is loaded only here, and
 * only for S3.
 */
export async function openStore(
  dir: string,
  storage: StorageOptions | undefined,
  options: {
    readonly fsync?: boolean | undefined;
    readonly corsOrigins?: readonly string[] | undefined;
    readonly defaultPrefix?: string | undefined;
  } = {},
): Promise<DiskStore | ObjectStore> {
  if (storage === undefined || storage.kind === "disk")
    return DiskStore.open(dir, { fsync: options.fsync ?? false });
  const { S3Store } = await import("./s3-store.ts");
  return S3Store.open(dir, {
    ...storage,
    prefix: storage.prefix ?? options.defaultPrefix,
    corsOrigins: storage.corsOrigins ?? options.corsOrigins,
    fsync: options.fsync,
  });
}
