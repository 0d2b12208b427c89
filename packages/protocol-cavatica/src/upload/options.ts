/**
 * The options of `upload`, checked and resolved before anything is sent: a bad option is a
 * `PW_CAVATICA_USAGE` error that creates nothing on the server.
 */
import {
  type Clock,
  isBlob,
  type JournalStore,
  resolveUploadRetry,
  type SourceFingerprint,
  systemClock,
  type UploadProgressEvent,
  type UploadRetryOptions,
  type UploadSource,
} from "@partwise/client";
import { type CavaticaClient, type CavaticaClientOptions, createCavaticaClient } from "../client/client.ts";
import { CavaticaError } from "../client/errors.ts";
import type { File } from "../generated/schemas.ts";
import { CAVATICA_RECOMMENDED_PART_SIZE } from "../limits.ts";
import type { CavaticaTarget } from "./steps.ts";

/** Where to upload: a client, or what `createCavaticaClient` needs to make one. */
export type CavaticaConnection =
  | { readonly client: CavaticaClient }
  | (CavaticaClientOptions & { readonly client?: undefined });

/** `project` (`owner/project`) or `parent` (a folder id), exactly one (CV-INIT-TARGET). */
export type CavaticaTargetOption =
  | { readonly project: string; readonly parent?: undefined }
  | { readonly parent: string; readonly project?: undefined };

/** The one progress event of every Partwise uploader (accepted = storage took the part). */
export type CavaticaUploadProgress = UploadProgressEvent;

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
    /**
     * The retry policy of every request (init, part URLs, storage, reports, complete, look-ups):
     * at most `retries` retries (default 30) and none later than `retryForMs` (default 120 s)
     * after the request first failed.
     */
    readonly retry?: UploadRetryOptions | undefined;
    /**
     * Stops the upload promptly. With a `journal` it pauses (the upload and the journal are kept
     * for a rerun); without one, or with an `AbortUpload` reason, the upload is aborted (CV-ABORT).
     */
    readonly signal?: AbortSignal | undefined;
    /** Progress. */
    readonly onProgress?: ((progress: CavaticaUploadProgress) => void) | undefined;
    /**
     * Resume journal: saved after each accepted part; a later call with it continues the upload.
     * A failure keeps it (and the upload on the server); without one a failed upload is aborted.
     */
    readonly journal?: JournalStore | undefined;
    /** How errors name the journal (its file path). */
    readonly journalName?: string | undefined;
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
  /** True when a journal let this call skip work done before (parts, or the whole upload). */
  readonly resumed: boolean;
  /**
   * `by-name` when the completion's answer was lost and the file was then found by its name, with
   * `GET /files` (CV-FILES-QUERY). On a server without that listing it is found by a probe, which
   * gives no id: `id` and `href` are then empty.
   */
  readonly found?: "by-name" | undefined;
};

/** The options, checked, with their defaults. */
export interface UploadSettings {
  readonly client: CavaticaClient;
  readonly target: CavaticaTarget;
  readonly name: string;
  readonly overwrite: boolean;
  readonly preferredPartSize: number;
  readonly concurrency: number;
  readonly retry: UploadRetryOptions | undefined;
  readonly batchSize: number;
  readonly intervalMs: number;
  readonly clock: Clock;
  readonly random: () => number;
  readonly signal: AbortSignal | undefined;
  readonly onProgress: ((progress: CavaticaUploadProgress) => void) | undefined;
  readonly journal: JournalStore | undefined;
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
  // Checked here, before anything exists on the server.
  try {
    resolveUploadRetry(options.retry);
  } catch (error) {
    throw usageError((error as Error).message);
  }
  return {
    client: options.client !== undefined ? options.client : createCavaticaClient(options),
    target,
    name,
    overwrite: options.overwrite === true,
    preferredPartSize: positiveInteger("partSize", options.partSize, CAVATICA_RECOMMENDED_PART_SIZE),
    concurrency,
    retry: options.retry,
    batchSize: positiveInteger("reportBatchSize", options.reportBatchSize, DEFAULT_REPORT_BATCH_SIZE),
    intervalMs,
    clock: options.clock ?? systemClock,
    random,
    signal: options.signal,
    onProgress: options.onProgress,
    journal: options.journal,
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
