/**
 * What `upload` takes and returns, and the checks on what it takes: a caller's mistake is a
 * `PW_BASESPACE_USAGE` error before any request, naming the rule it would break where there is
 * one (BS-PART-MIN-SIZE / BS-PART-MAX-SIZE for `partSize`).
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
import { blobSource, type PartLimits, type RandomAccessSource } from "@partwise/engine";
import type { BasespaceClient, BasespaceClientOptions } from "../client/client.ts";
import { BasespaceError } from "../client/errors.ts";
import type { File as BasespaceFile } from "../generated/schemas.ts";
import { BASESPACE_SIMPLE_UPLOAD_MAX, basespaceLimits } from "../limits.ts";

/** The one progress event of every Partwise uploader. */
export type BasespaceUploadProgress = UploadProgressEvent;

export interface BasespaceUploadSettings {
  /** The AppResult that receives the file (`appresults/{id}/files`). */
  readonly appResultId: string;
  /** The file's name; required for streams and plain random-access sources, defaults to a `File`'s name. */
  readonly name?: string | undefined;
  /** Directory inside the AppResult; the File's `Path` becomes `directory/name`. */
  readonly directory?: string | undefined;
  /** The file's media type; default the Blob's `type`, else `application/octet-stream`. */
  readonly contentType?: string | undefined;
  /** Part size of a multipart upload, within `basespaceLimits` (5 MiB … 25,000,000 bytes); default 8 MiB. */
  readonly partSize?: number | undefined;
  /** Parts in flight at most; default 4. */
  readonly concurrency?: number | undefined;
  /**
   * The retry policy of every request (initiation, parts, completion, look-ups): at most `retries`
   * retries (default 30) and none later than `retryForMs` (default 120 s) after the request first
   * failed; capped exponential backoff with full jitter, `Retry-After` honoured.
   */
  readonly retry?: UploadRetryOptions | undefined;
  /**
   * Stops the upload: requests in flight are cancelled. With a `journal` the upload pauses (it
   * stays pending on the server, the journal is kept for a rerun); without one, or with an
   * `AbortUpload` reason, it is aborted on the server (BS-ABORT).
   */
  readonly signal?: AbortSignal | undefined;
  /** How errors name the journal (its file path). */
  readonly journalName?: string | undefined;
  readonly onProgress?: ((progress: BasespaceUploadProgress) => void) | undefined;
  /**
   * Resume journal, saved after each accepted part of a multipart upload. Given the same source
   * and journal, a new `upload` continues and re-sends only the parts not yet accepted (with the
   * journal's part size, whatever `partSize` says); it refuses a source that changed since.
   * A failure keeps it (and the pending upload). Removed once the stored file is verified. Needs a
   * source of known size; a rerun after a lost answer to a simple upload finds the stored file.
   */
  readonly journal?: JournalStore | undefined;
  /**
   * Also compute the whole file's MD5 (returned as `md5`). Default false: every byte is hashed
   * once, for the per-part `Content-MD5` and ETag check; with true, a second MD5 runs over the
   * same bytes as they are read (plus, on resume, over the parts an earlier run sent).
   */
  readonly wholeFileMd5?: boolean | undefined;
  /** Advanced: part limits to plan with; default `basespaceLimits`. */
  readonly limits?: PartLimits | undefined;
  /**
   * Advanced: the largest file sent as a simple upload; default 25,000,000
   * (`BASESPACE_SIMPLE_UPLOAD_MAX`, the Python SDK's switch). Negative: always multipart.
   */
  readonly simpleUploadMax?: number | undefined;
  /** Advanced: uniform in [0, 1) for the retry jitter; default `Math.random`. */
  readonly random?: (() => number) | undefined;
  /** Advanced: the clock of the retry timer. */
  readonly clock?: Clock | undefined;
  /**
   * Advanced: a limit on requests in flight shared with other uploads (`createRequestSlots`, as
   * `uploadBatch` passes it); each request carrying bytes takes a slot before they are read.
   */
  readonly slots?: RequestSlots | undefined;
}

/** Where to upload: a client, or what `createBasespaceClient` takes. */
export type BasespaceUploadOptions = BasespaceUploadSettings &
  ({ readonly client: BasespaceClient } | BasespaceClientOptions);

export interface BasespaceUploadResult {
  /** The File's `Id`. */
  readonly id: string;
  readonly name: string;
  /** Bytes stored, as the server reports (`Size`) and the source had. */
  readonly size: number;
  /** Hex MD5 of the whole file; only with `wholeFileMd5: true`. */
  readonly md5?: string | undefined;
  /** Requests that carried bytes: the parts of a multipart upload, 1 for a simple upload. */
  readonly parts: number;
  /** `directory/name`, or `name`. */
  readonly path: string;
  readonly contentType: string;
  readonly method: "simple" | "multipart";
  /** True when an earlier run's journal was continued. */
  readonly resumed: boolean;
  /** The File as the server last described it. */
  readonly file: BasespaceFile;
}

/** A source narrowed to how it is read. */
export type ResolvedSource =
  | { readonly kind: "random"; readonly source: RandomAccessSource; readonly original: UploadSource }
  | { readonly kind: "stream"; readonly source: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array> };

export interface ResolvedSettings {
  readonly appResultId: string;
  readonly name: string;
  readonly directory: string | undefined;
  readonly contentType: string;
  readonly partSize: number | undefined;
  readonly concurrency: number;
  readonly limits: PartLimits;
  readonly simpleUploadMax: number;
  readonly wholeFileMd5: boolean;
}

export function usageError(message: string, rule?: string): BasespaceError {
  return new BasespaceError(message, { kind: "usage", operation: "upload", retryable: false, rule });
}

const isStream = (source: unknown): source is ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> =>
  typeof source === "object" &&
  source !== null &&
  (typeof (source as { getReader?: unknown }).getReader === "function" ||
    typeof (source as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function");

/** A `File`'s name, or the last segment of a file source's `path` (`@partwise/node`'s `fileSource`). */
function nameOf(source: UploadSource): string | undefined {
  if (typeof File !== "undefined" && source instanceof File && source.name !== "") return source.name;
  const path = (source as { path?: unknown }).path;
  if (typeof path === "string") return path.split(/[\\/]/).pop() || undefined;
  return undefined;
}

export function resolveSource(source: UploadSource): ResolvedSource {
  if (isBlob(source) || isRandomAccessSource(source)) {
    const random = isBlob(source) ? blobSource(source) : source;
    return { kind: "random", source: random, original: source };
  }
  if (isStream(source)) return { kind: "stream", source };
  throw usageError(
    "source must be a Blob, a RandomAccessSource (Node: `await fileSource(path)` from @partwise/node), a ReadableStream or an AsyncIterable of Uint8Array",
  );
}

const positiveInteger = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 1;

export function resolveSettings(source: UploadSource, options: BasespaceUploadSettings): ResolvedSettings {
  if (typeof options.appResultId !== "string" || options.appResultId === "")
    throw usageError("appResultId is required");
  const name = options.name ?? nameOf(source);
  if (name === undefined || name === "")
    throw usageError("name is required (it defaults only to the name of a File)", "BS-INIT-NAME");
  const limits = options.limits ?? basespaceLimits;
  const partSize = options.partSize;
  if (partSize !== undefined) {
    if (!positiveInteger(partSize))
      throw usageError(`partSize must be a positive integer, got ${String(partSize)}`);
    if (partSize < limits.minPartSize)
      throw usageError(
        `partSize ${partSize} is below the minimum of ${limits.minPartSize} bytes`,
        limits.rules?.minPartSize,
      );
    if (partSize > limits.maxPartSize)
      throw usageError(
        `partSize ${partSize} is above the maximum of ${limits.maxPartSize} bytes`,
        limits.rules?.maxPartSize,
      );
  }
  const concurrency = options.concurrency ?? 4;
  if (!positiveInteger(concurrency))
    throw usageError(`concurrency must be a positive integer, got ${String(concurrency)}`);
  const simpleUploadMax = options.simpleUploadMax ?? BASESPACE_SIMPLE_UPLOAD_MAX;
  if (typeof simpleUploadMax !== "number" || !Number.isSafeInteger(simpleUploadMax))
    throw usageError("simpleUploadMax must be an integer (negative: always multipart)");
  const blobType = isBlob(source) ? source.type : "";
  return {
    appResultId: options.appResultId,
    name,
    directory: options.directory === "" ? undefined : options.directory,
    contentType: options.contentType ?? (blobType !== "" ? blobType : "application/octet-stream"),
    partSize,
    concurrency,
    limits,
    simpleUploadMax,
    wholeFileMd5: options.wholeFileMd5 === true,
  };
}
