/** The YouForce uploader: `upload(source, options)` over the engine's session and the client. */

export type { YouforceJournal, YouforceJournalUpload } from "./journal.ts";
export {
  YOUFORCE_MAX_CONCURRENCY,
  type YouforceUploadOptions,
  type YouforceUploadProgress,
  type YouforceUploadResult,
  type YouforceUploadSettings,
} from "./options.ts";
export { upload } from "./upload.ts";
