/**
 * The options of `upload`, checked and resolved before anything is sent: a bad option is a
 * `PW_CAVATICA_USAGE` error that creates nothing on the server.
 */
import {
  type Clock,
  isBlob,
  type JournalStore,
  type SourceFingerprint,
  systemClock,
  type UploadSource,
} from "@partwise/client";
import { type RetryOptions, type RetryPolicy, UploadSession } from "@partwise/engine";
import { type CavaticaClient, type CavaticaClientOptions, createCavaticaClient } from "../client/client.ts";
import { CavaticaError } from "../client/errors.ts";
import type { File } from "../generated/schemas.ts";
import { CAVATICA_RECOMMENDED_PART_SIZE } from "../limits.ts";
import type { CavaticaTarget } from "./journal.ts";

/** Where to upload: a client, or what `createCavaticaClient` needs to make one. */
export type CavaticaConnection =
  | { readonly client: CavaticaClient }
  | (CavaticaClientOptions & { readonly client?: undefined });

/** `project` (`owner/project`) or `parent` (a folder id), exactly one (CV-INIT-TARGET). */
export type CavaticaTargetOption =
  | { readonly project: string; readonly parent?: undefined }
  | { readonly parent: string; readonly project?: undefined };

export interface CavaticaUploadProgress {
  /** Bytes of every storage request this run that finished sending, retries included. */
  readonly bytesSent: number;
  /** Bytes of the parts storage accepted with a matching ETag (resumed parts included). */
  readonly bytesAccepted: number;
  /** Bytes of the parts the API recorded as reported (resumed parts included). */
  readonly bytesReported: number;
  readonly partsDone: number;
  readonly partsReported: number;
  /** Parts of the file, once known (a stream's only at its end). */
  readonly partsTotal: number | undefined;
  /** Size of the file, once known (a stream's only at its end). */
  readonly bytesTotal: number | undefined;
  readonly inFlight: number;
}

export type CavaticaUploadOptions = CavaticaConnection &
  CavaticaTargetOption & {
    /** The file name in the target (CV-INIT-NAME); default the `File`'s name or the source's `path` basename. */
    readonly name?: string | undefined;
    /** Replace a file of the same name when the upload completes (CV-INIT-OVERWRITE). */
    readonly overwrite?: boolean | undefined;
    /** Preferred part size; the server's answered `part_size` wins. Default 32 MiB. */
    readonly partSize?: number | undefined;
    /** Parts in flight at most; default 4 (1 when the server answers `parallel_uploads: false`). */
    readonly concurrency?: number | undefined;
    /** Retries of parts, reports and complete: capped exponential backoff with full jitter. */
    readonly retry?: RetryOptions | undefined;
    /** Stops the upload promptly and aborts it on the server. */
    readonly signal?: AbortSignal | undefined;
    /** Progress; a callback that throws stops the upload with its error. */
    readonly onProgress?: ((progress: CavaticaUploadProgress) => void) | undefined;
    /** Resume journal: saved after each accepted part; a later call with it continues the upload. */
    readonly journal?: JournalStore | undefined;
    /**
     * Abort the upload on the server when it fails (not when aborted: `signal` always aborts).
     * Default: true without a journal, false with one — the journal is there to resume it.
     */
    readonly abortOnFailure?: boolean | undefined;
    /** Parts per report request (CV-REPORT-BATCH); default 50. */
    readonly reportBatchSize?: number | undefined;
    /** Longest wait before accepted parts are reported, in ms; default 2000. */
    readonly reportIntervalMs?: number | undefined;
    /** Clock for retries, report batching and URL expiry; tests pass a fake one. */
    readonly clock?: Clock | undefined;
    /** Uniform in [0, 1) for retry jitter; default `Math.random`. */
    readonly random?: (() => number) | undefined;
    /**
     * Also compute the whole file's MD5 (returned as `md5`). Default false: every byte is hashed
     * once, for the part's ETag check; with true, a second MD5 runs over the same bytes as they are
     * read (plus, on resume, over the parts the server already has).
     */
    readonly wholeFileMd5?: boolean | undefined;
  };

/** The created File, with what the uploader knows about it. */
export type CavaticaUploadResult = File & {
  /** Lowercase hex MD5 of the whole file, computed locally; only with `wholeFileMd5: true`. */
  readonly md5?: string | undefined;
  /** Number of parts. */
  readonly parts: number;
  readonly uploadId: string;
  /** Part size the server chose (CV-PART-SIZE). */
  readonly partSize: number;
};

/** The options, checked, with their defaults. */
export interface UploadSettings {
  readonly client: CavaticaClient;
  readonly target: CavaticaTarget;
  readonly name: string;
  readonly overwrite: boolean;
  readonly preferredPartSize: number;
  readonly concurrency: number;
  readonly retry: RetryOptions | undefined;
  readonly policy: RetryPolicy;
  readonly batchSize: number;
  readonly intervalMs: number;
  readonly clock: Clock;
  readonly random: () => number;
  readonly signal: AbortSignal | undefined;
  readonly onProgress: ((progress: CavaticaUploadProgress) => void) | undefined;
  readonly journal: JournalStore | undefined;
  readonly abortOnFailure: boolean;
  readonly wholeFileMd5: boolean;
}

export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_REPORT_BATCH_SIZE = 50;
export const DEFAULT_REPORT_INTERVAL_MS = 2_000;

export const usageError = (message: string): CavaticaError =>
  new CavaticaError("PW_CAVATICA_USAGE", message, { operation: "upload" });

export const sourceChangedError = (message: string): CavaticaError =>
  new CavaticaError("PW_CAVATICA_SOURCE_CHANGED", `resume refused: ${message}`, { operation: "upload" });

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw usageError(`${name} must be an integer >= 1`);
  return value;
}

function targetFrom(options: CavaticaTargetOption): CavaticaTarget {
  const { project, parent } = options as { project?: unknown; parent?: unknown };
  if ((project !== undefined) === (parent !== undefined))
    throw usageError("give exactly one of project and parent (CV-INIT-TARGET)");
  if (project !== undefined) {
    if (typeof project !== "string" || !/^[^/]+\/[^/]+$/.test(project))
      throw usageError("project must be <owner>/<project-name> (CV-INIT-TARGET)");
    return { project };
  }
  if (typeof parent !== "string" || parent === "")
    throw usageError("parent must be a folder id (CV-INIT-TARGET)");
  return { parent };
}

/** The given name, else a `File`'s name, else the last segment of a file source's `path` (CV-INIT-NAME). */
function nameFrom(source: UploadSource, given: string | undefined): string {
  const { name: fileName, path } = source as { name?: unknown; path?: unknown };
  let name = given;
  if (name === undefined && typeof fileName === "string") name = fileName;
  if (name === undefined && typeof path === "string") name = path.split(/[\\/]/).pop();
  if (name === undefined || name === "") throw usageError("name is required (CV-INIT-NAME)");
  if ([...name].length > 255 || name.includes("/") || name === "." || name === "..")
    throw usageError('name must be 1 to 255 characters without "/" (CV-INIT-NAME)');
  return name;
}

export function resolveOptions(source: UploadSource, options: CavaticaUploadOptions): UploadSettings {
  const target = targetFrom(options);
  const name = nameFrom(source, options.name);
  const concurrency = positiveInteger("concurrency", options.concurrency, DEFAULT_CONCURRENCY);
  const intervalMs = options.reportIntervalMs ?? DEFAULT_REPORT_INTERVAL_MS;
  if (!(Number.isFinite(intervalMs) && intervalMs >= 0))
    throw usageError("reportIntervalMs must be a number >= 0");
  const random = options.random ?? Math.random;
  // The session checks `retry` (and `random`); checked here, nothing exists on the server yet.
  const policy = new UploadSession({ parts: [], concurrency, retry: options.retry, random }).retryPolicy;
  return {
    client: options.client !== undefined ? options.client : createCavaticaClient(options),
    target,
    name,
    overwrite: options.overwrite === true,
    preferredPartSize: positiveInteger("partSize", options.partSize, CAVATICA_RECOMMENDED_PART_SIZE),
    concurrency,
    retry: options.retry,
    policy,
    batchSize: positiveInteger("reportBatchSize", options.reportBatchSize, DEFAULT_REPORT_BATCH_SIZE),
    intervalMs,
    clock: options.clock ?? systemClock,
    random,
    signal: options.signal,
    onProgress: options.onProgress,
    journal: options.journal,
    abortOnFailure: options.abortOnFailure ?? options.journal === undefined,
    wholeFileMd5: options.wholeFileMd5 === true,
  };
}

/** What identifies a source beyond its bytes, for the journal: a file's modification time. */
export function identityOf(source: UploadSource): Partial<SourceFingerprint> {
  const { mtimeMs, lastModified } = source as { mtimeMs?: unknown; lastModified?: unknown };
  if (typeof mtimeMs === "number") return { mtimeMs };
  if (isBlob(source) && typeof lastModified === "number") return { mtimeMs: lastModified };
  return {};
}
