/**
 * What `upload` takes and returns, and the checks made before any request. Every option that
 * breaks a protocol rule is refused with a `PW_YOUFORCE_USAGE` error naming the rule.
 */
import type { Clock, JournalStore, UploadProgress, UploadSource } from "@partwise/client";
import { isBlob, isRandomAccessSource } from "@partwise/client";
import type { RetryOptions } from "@partwise/engine";
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

export interface YouforceUploadProgress extends UploadProgress {
  /** `multipart` (one request) or `resumable` (chunks). */
  readonly uploadType: "multipart" | "resumable";
  /**
   * False while a stream of unknown length is still being read: `bytesTotal`/`partsTotal` then
   * count only the chunks read so far.
   */
  readonly totalKnown: boolean;
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
  /** The session's retry policy (capped exponential backoff, full jitter). */
  readonly retry?: RetryOptions | undefined;
  /** Stops the upload promptly. YouForce has no server-side abort: a started session is left behind. */
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: YouforceUploadProgress) => void) | undefined;
  /**
   * Resume state of a resumable upload (random-access sources only): upload token, chunk size and
   * accepted positions, saved after each accepted chunk and removed on success.
   */
  readonly journal?: JournalStore | undefined;
  /**
   * Also compute the whole file's MD5 (returned as `md5`). Default false: by default every byte is
   * hashed once at most (for a resumable chunk's journal entry) and nothing is verified. True also
   * turns `verify` on unless it is set to false.
   */
  readonly wholeFileMd5?: boolean | undefined;
  /**
   * After the upload, `HEAD` the file and compare an MD5 `ETag` (the reference server sends one;
   * the vendor documents none) with the local whole-file MD5. A mismatch re-uploads (see README).
   * It needs the whole file's MD5, so `verify: true` computes it (and returns it as `md5`) even
   * without `wholeFileMd5`. Default: `wholeFileMd5`, i.e. false.
   */
  readonly verify?: boolean | undefined;
  /** YF-NAME-EXTENSION list checked locally; default `YOUFORCE_DENIED_EXTENSIONS`. */
  readonly deniedExtensions?: readonly string[] | undefined;
  /** `x-raet-tenant-id` for multi-tenant tokens. */
  readonly tenantId?: string | undefined;
  /** For tests: the driver's clock and the jitter's randomness. */
  readonly clock?: Clock | undefined;
  readonly random?: (() => number) | undefined;
}

/** A client, or what it takes to create one. */
export type YouforceUploadOptions = YouforceUploadSettings &
  ({ readonly client: YouforceClient } | YouforceClientOptions);

/** The stored file (`File` of specs/youforce.yaml) and what the uploader knows about it. */
export interface YouforceUploadResult extends File {
  /** Hex MD5 of the whole file, computed locally; only with `wholeFileMd5: true` or `verify: true`. */
  readonly md5?: string | undefined;
  /** Chunks sent: 1 for multipart. */
  readonly parts: number;
  readonly uploadType: "multipart" | "resumable";
  /** True when the server's MD5 `ETag` was compared with `md5` and matched. */
  readonly verified: boolean;
  /** True when a journal let this call skip chunks accepted earlier. */
  readonly resumed: boolean;
}

export interface ResolvedSettings {
  readonly businessTypeId: number;
  readonly fileName: string;
  readonly customMetadata: Readonly<Record<string, string>> | undefined;
  readonly multipartThreshold: number;
  readonly chunkSize: number;
  readonly chunkSizeGiven: boolean;
  readonly concurrency: number;
  /** Compute the whole file's MD5: `wholeFileMd5` or `verify` asks for it. */
  readonly wholeFileMd5: boolean;
  /** HEAD the stored file and compare its MD5 ETag: `verify`, defaulting to `wholeFileMd5`. */
  readonly verify: boolean;
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
    wholeFileMd5: options.wholeFileMd5 === true || options.verify === true,
    verify: options.verify ?? options.wholeFileMd5 === true,
  };
}
