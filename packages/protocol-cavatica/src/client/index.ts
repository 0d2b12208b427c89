/** The CAVATICA API client: one typed function per operationId of specs/cavatica.yaml. */
export {
  type CallOptions,
  type CavaticaClient,
  type CavaticaClientOptions,
  createCavaticaClient,
  type GetUploadQuery,
  type InitUploadQuery,
  type ListFilesQuery,
  type StorageGetOptions,
  type StoragePartResult,
  successCodesOf,
  unquoteEtag,
} from "./client.ts";
export {
  CavaticaError,
  type CavaticaErrorCode,
  type CavaticaErrorOptions,
  isCavaticaError,
  ruleOf,
} from "./errors.ts";
