/**
 * @partwise/client — the client runtime shared by the three protocol packages: the upload driver
 * over the engine's `UploadSession`, the fetch transport (undici in Node, fetch in browsers), the
 * retry classification, the client error base class and the resume journal format.
 */

export { createFetch, transportName } from "#fetch";
export {
  type BatchFile,
  type BatchFileContext,
  type BatchOutcome,
  type BatchProgress,
  type BatchResult,
  type BatchState,
  BatchStateError,
  type BatchStore,
  type UploadBatchOptions,
  uploadBatch,
} from "./batch.ts";
export {
  classifyFailure,
  isAbortError,
  isNetworkError,
  isRetryableStatus,
  parseRetryAfter,
} from "./classify.ts";
export { type Clock, systemClock } from "./clock.ts";
export { type DriveOptions, driveUpload, type UploadDriver, type UploadProgress } from "./drive.ts";
export { ClientError, type ClientErrorKind, type ClientErrorOptions } from "./errors.ts";
export {
  createPartFeed,
  type FeedOptions,
  fingerprintSource,
  isBlob,
  isRandomAccessSource,
  type PartFeed,
  type UploadSource,
} from "./feed.ts";
export type { FetchLike, TransportOptions } from "./fetch.ts";
export {
  type JournalPart,
  type JournalStore,
  memoryJournal,
  type SourceFingerprint,
  type UploadJournal,
} from "./journal.ts";
export type { JournalStage, RunJournal } from "./runner/journal-state.ts";
export {
  DEFAULT_UPLOAD_RETRY,
  GaveUpError,
  resolveUploadRetry,
  retrying,
  type UploadRetryOptions,
} from "./runner/retry.ts";
export {
  AbortUpload,
  type RunErrors,
  type RunUploadOptions,
  type RunUploadResult,
  runUpload,
  type UploadProgressEvent,
} from "./runner/run.ts";
export { createRequestSlots, type RequestSlots } from "./runner/slots.ts";
export type { AcceptedPart, Expected, Lookup, PartBytes, StepContext, UploadSteps } from "./runner/steps.ts";
export { WholeFileMd5, type WholeFileMd5Options } from "./whole-file-md5.ts";
