/**
 * The BaseSpace uploader: `upload(source, options)`, BaseSpace's steps on @partwise/client's
 * `runUpload` (see upload.ts for the protocol rules it keeps).
 */

// The journal contract comes from @partwise/client; re-exported so callers need one import.
export { type JournalStore, memoryJournal, type UploadJournal } from "@partwise/client";
export type {
  BasespaceUploadOptions,
  BasespaceUploadProgress,
  BasespaceUploadResult,
  BasespaceUploadSettings,
} from "./options.ts";
export type { BasespaceJournalUpload } from "./steps.ts";
export { type BasespaceJournal, upload } from "./upload.ts";
