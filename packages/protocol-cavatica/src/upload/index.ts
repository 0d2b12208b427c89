/** The CAVATICA uploader: `upload(source, options)` on @partwise/client's `runUpload`. */

// The resume journal and source types of @partwise/client, so callers need no second import.
export {
  type JournalStore,
  memoryJournal,
  type UploadJournal,
  type UploadSource,
} from "@partwise/client";
export type {
  CavaticaConnection,
  CavaticaTargetOption,
  CavaticaUploadOptions,
  CavaticaUploadProgress,
  CavaticaUploadResult,
} from "./options.ts";
export { expiryOf } from "./part.ts";
export type { CavaticaJournalUpload, CavaticaTarget } from "./steps.ts";
export { type CavaticaJournal, upload } from "./upload.ts";
