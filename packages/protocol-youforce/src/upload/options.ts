/**
 * What `upload` takes and returns, and the checks made before any request. Every option that
 * breaks a protocol rule is refused with a `PW_YOUFORCE_USAGE` error naming the rule.
 */
import type {
  Clock,
  JournalStore,
  RequestSlots,
  UploadProgressEvent,
  UploadRetryOptions,
  UploadSource,
} from "@partwise/client";
import { isBlob, isRandomAccessSource } from "@partwise/client";
import type { YouforceClient, YouforceClientOptions } from "../client/client.ts";
import { YouforceError } from "../client/errors.ts";
import type { File } from "../generated/schemas.ts";
import {
  YOUFORCE_MULTIPART_MAX_SIZE,
  YOUFORCE_RECOMMENDED_CHUNK_SIZE,
  youforceResumableLimits,
} from "../limits.ts";

/** The .NET SDK's `ConcurrentConnectionsCount`: default and maximum 6 chunks in flight. */
export const YOUFORCE_MAX_CONCURRENCY = 6;

export interface YouforceUploadProgress extends UploadProgressEvent {
  /** `multipart` (one request) or `resumable` (chunks). */
  readonly uploadType: "multipart" | "resumable";
}

export interface YouforceUploadSettings {
  /** `BusinessTypeId` of the metadata (YF-METADATA-BUSINESS-TYPE); 7100 is the sandbox. */
  readonly businessTypeId: number;
  /** `FileName`; defaults to a `File`'s name, or the last segment of a file source's `path`. */
  readonly name?: string | undefined;
  readonly customMetadata?: Readonly<Record<string, string>> | undefined;
  /**
   * Files up to this size go in one `uploadType=multipart` request; larger files (and streams of
   * unknown length) go `resumable`. Default and maximum `YOUFORCE_MULTIPART_MAX_SIZE` (100 MB).
   */
  readonly multipartThreshold?: number | undefined;
  /** Resumable chunk size, 1..9,000,000 bytes (YF-RESUMABLE-CHUNK-SIZE); default 4 MiB. */
  readonly chunkSize?: number | undefined;
  /** Chunks in flight, 1..6; default 6. */
  readonly concurrency?: number | undefined;
  /**
   * The retry policy of every request (network errors, 5xx, 408, 429 with `Retry-After`): at most
   * `retries` retries (default 30) and none later than `retryForMs` (default 120 s) after the
   * request first failed.
   */
  readonly retry?: UploadRetryOptions | undefined;
  /**
   * Stops the upload promptly. With a `journal` it pauses: the journal keeps the upload token and
   * a rerun continues. YouForce has no server-side abort: an unclosed session never becomes a file.
   */
  readonly signal?: AbortSignal | undefined;
  /** How errors name the journal (its file path). */
  readonly journalName?: string | undefined;
  readonly onProgress?: ((progress: YouforceUploadProgress) => void) | undefined;
  /**
   * Resume state (random-access sources only): upload token, chunk size, accepted positions and,
   * once closed, the stored file; saved after each accepted chunk and removed once verified.
   */
  readonly journal?: JournalStore | undefined;
  /**
   * Kept for compatibility: the whole file's MD5 is always computed now, because every upload is
   * verified against the stored file (its MD5 `ETag`, or the file read back).
   */
  readonly wholeFileMd5?: boolean | undefined;
  /** Kept for compatibility: every upload is verified; `false` is refused. */
  readonly verify?: boolean | undefined;
  /** Uploads of a file found corrupt (it stays listed: publishers cannot delete). Default 5. */
  readonly reuploads?: number | undefined;
  /** YF-NAME-EXTENSION list checked locally; default `YOUFORCE_DENIED_EXTENSIONS`. */
  readonly deniedExtensions?: readonly string[] | undefined;
  /** `x-raet-tenant-id` for multi-tenant tokens. */
  readonly tenantId?: string | undefined;
  /** For tests: the driver's clock and the jitter's randomness. */
  readonly clock?: Clock | undefined;
  readonly random?: (() => number) | undefined;
  /**
   * Advanced: a limit on requests in flight shared with other uploads (`createRequestSlots`, as
   * `uploadBatch` passes it); each request carrying bytes takes a slot before they are read.
   */
  readonly slots?: RequestSlots | undefined;
}

/** A client, or what it takes to create one. */
export type YouforceUploadOptions = YouforceUploadSettings &
  ({ readonly client: YouforceClient } | YouforceClientOptions);

/** The stored file (`File` of specs/youforce.yaml) and what the uploader knows about it. */
export interface YouforceUploadResult extends File {
  /** Hex MD5 of the whole file, computed locally and equal to the stored file's. */
  readonly md5: string;
  /** Chunks of the file: 1 for multipart. */
  readonly parts: number;
  readonly uploadType: "multipart" | "resumable";
  /** Always true: the stored file's MD5 (its `ETag`, or the file read back) equals `md5`. */
  readonly verified: true;
  /** True when a journal let this call skip work done earlier (chunks, or the whole upload). */
  readonly resumed: boolean;
  /** Ids of stored copies found corrupt and uploaded again (publishers cannot delete them). */
  readonly discarded: readonly string[];
}

export interface ResolvedSettings {
  readonly businessTypeId: number;
  readonly fileName: string;
  readonly customMetadata: Readonly<Record<string, string>> | undefined;
  readonly multipartThreshold: number;
  readonly chunkSize: number;
  readonly chunkSizeGiven: boolean;
  readonly concurrency: number;
}

export function usage(message: string, rule?: string): YouforceError {
  return new YouforceError(message, { kind: "usage", operation: "upload", retryable: false, rule });
}

function integerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= min && value <= max;
}

/** The `FileName` to send: the option, a `File`'s name, or the basename of a source's `path`. */
function defaultName(source: UploadSource): string | undefined {
  const named = source as { name?: unknown; path?: unknown };
  if (isBlob(source) && typeof named.name === "string" && named.name !== "") return named.name;
  if (typeof named.path === "string" && named.path !== "") return named.path.split(/[\\/]/).pop();
  if (typeof named.name === "string" && named.name !== "") return named.name;
  return undefined;
}

export function isStream(source: unknown): source is ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> {
  return (
    typeof source === "object" &&
    source !== null &&
    (typeof (source as ReadableStream).getReader === "function" ||
      typeof (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === "function")
  );
}

export function resolveSettings(source: UploadSource, options: YouforceUploadSettings): ResolvedSettings {
  if (!isBlob(source) && !isRandomAccessSource(source) && !isStream(source))
    throw usage("source must be a Blob, a RandomAccessSource, a ReadableStream or an AsyncIterable of bytes");
  if (!integerIn(options.businessTypeId, 0, Number.MAX_SAFE_INTEGER))
    throw usage("businessTypeId must be an integer >= 0", "YF-METADATA-BUSINESS-TYPE");
  const fileName = options.name ?? defaultName(source);
  if (fileName === undefined)
    throw usage(
      "name is required: the source has no file name (YF-METADATA-FILENAME)",
      "YF-METADATA-FILENAME",
    );
  const multipartThreshold = options.multipartThreshold ?? YOUFORCE_MULTIPART_MAX_SIZE;
  if (!integerIn(multipartThreshold, 0, YOUFORCE_MULTIPART_MAX_SIZE))
    throw usage(
      `multipartThreshold must be an integer from 0 to ${YOUFORCE_MULTIPART_MAX_SIZE}`,
      "YF-MULTIPART-MAX-SIZE",
    );
  const limits = youforceResumableLimits;
  const chunkSize = options.chunkSize ?? YOUFORCE_RECOMMENDED_CHUNK_SIZE;
  if (!integerIn(chunkSize, Math.max(1, limits.minPartSize), limits.maxPartSize))
    throw usage(
      `chunkSize must be an integer from ${Math.max(1, limits.minPartSize)} to ${limits.maxPartSize} bytes`,
      "YF-RESUMABLE-CHUNK-SIZE",
    );
  const concurrency = options.concurrency ?? YOUFORCE_MAX_CONCURRENCY;
  if (!integerIn(concurrency, 1, YOUFORCE_MAX_CONCURRENCY))
    throw usage(`concurrency must be an integer from 1 to ${YOUFORCE_MAX_CONCURRENCY}`);
  if (options.verify === false)
    throw usage("verify: false is not offered: an upload is done only once the stored file is verified");
  if (options.customMetadata !== undefined) {
    for (const [key, value] of Object.entries(options.customMetadata))
      if (typeof value !== "string") throw usage(`customMetadata.${key} must be a string`);
  }
  return {
    businessTypeId: options.businessTypeId,
    fileName,
    customMetadata: options.customMetadata,
    multipartThreshold,
    chunkSize,
    chunkSizeGiven: options.chunkSize !== undefined,
    concurrency,
  };
}
