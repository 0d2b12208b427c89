/**
 * `uploadBatch`: many files in one call, for any protocol (the caller's `upload` sends one file,
 * e.g. a protocol package's `upload()`). It owns what a batch adds to one upload:
 *
 * - one limit on requests in flight shared by every file (`concurrency`, through `RequestSlots`:
 *   the parts of several files take turns in the same slots), and files started at most
 *   `filesInFlight` at a time;
 * - one resume state for the whole batch (`state`): each file's upload journal lives in it, and a
 *   finished file is recorded with its result, so a rerun skips files finished before (same key,
 *   size and modification time) and resumes unfinished ones; a file changed since it was recorded
 *   starts over;
 * - one outcome per file (uploaded, skipped, failed, interrupted, not started): a failing file does
 *   not stop the others; `signal` stops the batch (files in flight pause when there is a state);
 * - progress over the whole batch.
 *
 * Browser-safe: the state is any `BatchStore` (a file in Node with `@partwise/node`'s
 * `fileJournal`, memory, IndexedDB…), each save a whole document, atomic in the store.
 */
import { PartwiseError } from "@partwise/engine";
import type { JournalStore } from "./journal.ts";
import type { UploadProgressEvent } from "./runner/run.ts";
import { createRequestSlots, type RequestSlots } from "./runner/slots.ts";

/** Where the batch state is kept; `save` must be atomic (a reader sees the old or the new state). */
export interface BatchStore {
  load(): Promise<unknown | undefined>;
  save(state: BatchState): Promise<void>;
  remove(): Promise<void>;
}

/** One file of a batch: `key` names it in the state (unique, e.g. its relative path). */
export interface BatchFile {
  readonly key: string;
  readonly size: number;
  readonly mtimeMs?: number | undefined;
}

/** What `upload` gets for one file. */
export interface BatchFileContext {
  /** The file's journal inside the batch state (undefined without `state`). */
  readonly journal: JournalStore | undefined;
  /** The batch's shared request limit: pass it to the uploader (`slots`). */
  readonly slots: RequestSlots;
  readonly signal: AbortSignal;
  /** Give it the file's upload progress (only `bytesAccepted` is read). */
  readonly onProgress: (progress: Pick<UploadProgressEvent, "bytesAccepted">) => void;
}

export type BatchOutcome<F, R> =
  /** Uploaded (and verified) by this run. */
  | { readonly status: "uploaded"; readonly file: F; readonly result: R }
  /** Finished by an earlier run of the same state: `result` is what that run recorded. */
  | { readonly status: "skipped"; readonly file: F; readonly result: R }
  | { readonly status: "failed"; readonly file: F; readonly error: unknown }
  /** Stopped by `signal` (paused when the batch has a state). */
  | { readonly status: "interrupted"; readonly file: F; readonly error: unknown }
  /** Not started: `signal` fired first. */
  | { readonly status: "not-started"; readonly file: F };

export interface BatchProgress {
  readonly bytesAccepted: number;
  readonly bytesTotal: number;
  /** Files uploaded or skipped. */
  readonly filesDone: number;
  readonly filesFailed: number;
  readonly filesTotal: number;
}

export interface UploadBatchOptions<F extends BatchFile, R> {
  readonly files: readonly F[];
  /** Uploads one file; its result must be JSON-serialisable (it is recorded in the state). */
  upload(file: F, context: BatchFileContext): Promise<R>;
  /** Requests carrying bytes in flight at most, over all files. Default 4. */
  readonly concurrency?: number | undefined;
  /** Files being uploaded at once. Default `concurrency`. */
  readonly filesInFlight?: number | undefined;
  readonly state?: BatchStore | undefined;
  /** How errors name the state (its file path). */
  readonly stateName?: string | undefined;
  /** What the state must have been written for (protocol, target…): another one is refused. */
  readonly target?: Readonly<Record<string, unknown>> | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: BatchProgress) => void) | undefined;
  /** Called as each file ends (skipped files first, in order). */
  readonly onFile?: ((outcome: BatchOutcome<F, R>) => void) | undefined;
}

export interface BatchResult<F, R> {
  /** One per file, in the order of `files`. */
  readonly outcomes: readonly BatchOutcome<F, R>[];
  readonly interrupted: boolean;
}

/** The batch state cannot be used for this batch (another target, not a batch state). */
export class BatchStateError extends PartwiseError {
  readonly code = "PW_BATCH_STATE" as const;
}

interface FileRecord {
  size: number;
  mtimeMs?: number | undefined;
  journal?: unknown;
  result?: unknown;
}

export interface BatchState {
  readonly format: "partwise.batch-state";
  readonly version: 1;
  readonly target: Readonly<Record<string, unknown>>;
  readonly files: Record<string, FileRecord>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    isRecord(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .filter((k) => v[k] !== undefined)
            .map((k) => [k, v[k]]),
        )
      : v,
  );

function checkState(
  saved: unknown,
  target: Readonly<Record<string, unknown>>,
  name: string,
): BatchState | undefined {
  if (saved === undefined) return undefined;
  if (
    !isRecord(saved) ||
    saved.format !== "partwise.batch-state" ||
    saved.version !== 1 ||
    !isRecord(saved.files) ||
    Object.values(saved.files).some((f) => !isRecord(f) || typeof f.size !== "number")
  )
    throw new BatchStateError(
      `${name} is not a batch state this version can resume; remove it to start over`,
    );
  if (canonical(saved.target ?? {}) !== canonical(target))
    throw new BatchStateError(
      `${name} was written for another target or settings (${canonical(saved.target ?? {})}); remove it to start over`,
    );
  return saved as unknown as BatchState;
}

export async function uploadBatch<F extends BatchFile, R>(
  options: UploadBatchOptions<F, R>,
): Promise<BatchResult<F, R>> {
  const keys = new Set<string>();
  for (const file of options.files) {
    if (keys.has(file.key)) throw new RangeError(`two files of the batch have the key ${file.key}`);
    keys.add(file.key);
  }
  const concurrency = options.concurrency ?? 4;
  const slots = createRequestSlots(concurrency);
  const filesInFlight = options.filesInFlight ?? concurrency;
  const signal = options.signal ?? new AbortController().signal;
  const target = options.target ?? {};
  const name = options.stateName === undefined ? "the batch state" : `the batch state ${options.stateName}`;
  const store = options.state;
  const state: BatchState = checkState(await store?.load(), target, name) ?? {
    format: "partwise.batch-state",
    version: 1,
    target,
    files: {},
  };
  const persist = () => store?.save(state) ?? Promise.resolve();

  const outcomes: (BatchOutcome<F, R> | undefined)[] = options.files.map(() => undefined);
  const accepted = new Map<string, number>();
  let filesDone = 0;
  let filesFailed = 0;
  const bytesTotal = options.files.reduce((sum, f) => sum + f.size, 0);
  const progress = () => {
    let bytes = 0;
    for (const b of accepted.values()) bytes += b;
    options.onProgress?.({
      bytesAccepted: bytes,
      bytesTotal,
      filesDone,
      filesFailed,
      filesTotal: options.files.length,
    });
  };
  const end = (index: number, outcome: BatchOutcome<F, R>) => {
    outcomes[index] = outcome;
    if (outcome.status === "uploaded" || outcome.status === "skipped") {
      filesDone += 1;
      accepted.set(outcome.file.key, outcome.file.size);
    } else if (outcome.status === "failed") filesFailed += 1;
    options.onFile?.(outcome);
    progress();
  };

  // Files finished by an earlier run, unchanged since, are skipped; changed ones start over.
  const queue: number[] = [];
  options.files.forEach((file, index) => {
    const record = state.files[file.key];
    const same = record !== undefined && record.size === file.size && record.mtimeMs === file.mtimeMs;
    if (same && record.result !== undefined)
      end(index, { status: "skipped", file, result: record.result as R });
    else {
      if (!same) state.files[file.key] = { size: file.size, mtimeMs: file.mtimeMs };
      queue.push(index);
    }
  });
  if (store !== undefined) await persist();
  progress();

  const journalOf = (key: string): JournalStore => ({
    load: async () => state.files[key]?.journal,
    save: async (journal) => {
      (state.files[key] as FileRecord).journal = journal;
      await persist();
    },
    remove: async () => {
      delete (state.files[key] as FileRecord).journal;
      await persist();
    },
  });

  const one = async (index: number): Promise<void> => {
    const file = options.files[index] as F;
    try {
      const result = await options.upload(file, {
        journal: store === undefined ? undefined : journalOf(file.key),
        slots,
        signal,
        onProgress: (p) => {
          accepted.set(file.key, p.bytesAccepted);
          progress();
        },
      });
      const record = state.files[file.key] as FileRecord;
      record.result = result;
      delete record.journal;
      if (store !== undefined) await persist();
      end(index, { status: "uploaded", file, result });
    } catch (error) {
      accepted.delete(file.key);
      end(index, signal.aborted ? { status: "interrupted", file, error } : { status: "failed", file, error });
    }
  };
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      if (signal.aborted) {
        end(next, { status: "not-started", file: options.files[next] as F });
        continue;
      }
      await one(next);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(filesInFlight, queue.length)) }, worker));
  return { outcomes: outcomes as BatchOutcome<F, R>[], interrupted: signal.aborted };
}
