/**
 * The typed BaseSpace v1pre3 client (specs/basespace.yaml): one function per operationId, answers
 * validated against the spec's schemas, failures as `BasespaceError` with a stable `code`.
 */
export {
  type BasespaceClient,
  type BasespaceClientOptions,
  type CreateAppResultFileParams,
  createBasespaceClient,
  type FileContent,
  type GetFileContentMetaParams,
  type GetFileContentParams,
  type GetFileParams,
  type ListAppResultFilesParams,
  type RequestOptions,
  type SetFileUploadStatusParams,
  type UploadFilePartParams,
} from "./client.ts";
export {
  BasespaceError,
  type BasespaceErrorCode,
  type BasespaceErrorOptions,
  isBasespaceError,
} from "./errors.ts";
export type { BasespaceOperation, TokenCarrier } from "./transport.ts";
