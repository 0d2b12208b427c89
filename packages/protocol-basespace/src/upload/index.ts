/**
 * The BaseSpace uploader: `upload(source, options)` over the typed client, with concurrency,
 * retries, abort, progress and resume (see upload.ts for the protocol rules it keeps).
 */

// The journal contract comes from @partwise/client; re-exported so callers need one import.
export { type JournalStore, memoryJournal, type UploadJournal } from "@partwise/client";
export {
  type BasespaceJournal,
  type BasespaceJournalUpload,
  parseJournal as parseBasespaceJournal,
} from "./journal.ts";
export type {
  BasespaceUploadOptions,
  BasespaceUploadProgress,
  BasespaceUploadResult,
  BasespaceUploadSettings,
} from "./options.ts";
export { upload } from "./upload.ts";
