/** The typed YouForce File API client: one function per operation of specs/youforce.yaml. */
export {
  type ByteRange,
  type CallOptions,
  type ContentRange,
  createYouforceClient,
  type DownloadFileParams,
  type FileParams,
  type ListFilesParams,
  type UploadChunkParams,
  type UploadFileMetadata,
  type UploadFileParams,
  type UploadMedia,
  type UploadType,
  type YouforceClient,
  type YouforceClientOptions,
  type YouforceDownload,
  type YouforceFileHeaders,
  type YouforceRole,
} from "./client.ts";
export {
  isYouforceError,
  ruleFromMessage,
  YOUFORCE_ERROR_CODES,
  YouforceError,
  type YouforceErrorCode,
  type YouforceErrorOptions,
  type YouforceOperation,
} from "./errors.ts";
export { checkFileName, YOUFORCE_DENIED_EXTENSIONS } from "./file-name.ts";
