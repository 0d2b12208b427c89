/** The YouForce uploader: `upload(source, options)` on @partwise/client's `runUpload`. */

export {
  YOUFORCE_MAX_CONCURRENCY,
  type YouforceUploadOptions,
  type YouforceUploadProgress,
  type YouforceUploadResult,
  type YouforceUploadSettings,
} from "./options.ts";
export { md5FromEtag, type YouforceJournalUpload } from "./steps.ts";
export { upload, type YouforceJournal } from "./upload.ts";
