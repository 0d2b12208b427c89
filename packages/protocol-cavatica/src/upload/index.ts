/** The CAVATICA uploader: `upload(source, options)` over the engine's session and the client. */

// The resume journal and source types of @partwise/client, so callers need no second import.
export {
  type JournalStore,
  memoryJournal,
  type UploadJournal,
  type UploadSource,
} from "@partwise/client";
export type {
  CavaticaJournal,
  CavaticaJournalPart,
  CavaticaJournalUpload,
  CavaticaTarget,
} from "./journal.ts";
export type {
  CavaticaConnection,
  CavaticaTargetOption,
  CavaticaUploadOptions,
  CavaticaUploadProgress,
  CavaticaUploadResult,
} from "./options.ts";
export { expiryOf } from "./part.ts";
export { upload } from "./upload.ts";
