/**
 * @partwise/node — the Node.js adapters that several Partwise packages share, in one home: the
 * fetch-style HTTP listener, the atomic disk store, file sources, fault injection, CORS and
 * secret redaction. Nothing here knows a protocol.
 */
export { type CorsOptions, withCors } from "./cors.ts";
export {
  corruptBody,
  type FaultAction,
  type FaultContext,
  type FaultSpec,
  FaultSpecError,
  type InjectedFault,
  parseFaultSpec,
  seededRandom,
  withFaults,
} from "./faults.ts";
export { fileJournal } from "./journal.ts";
export {
  ConnectionResetSignal,
  type FetchHandler,
  type ListenOptions,
  listen,
  type RunningServer,
  resetConnection,
  toRequest,
} from "./listen.ts";
export {
  MUTATION_CLASSES,
  type MutationCatalogue,
  type MutationClass,
  type MutationInfo,
  parseMutations,
  parseReading,
  READINGS,
  type Reading,
  type ReadingCatalogue,
  ruleOfMutation,
} from "./mutations.ts";
export { redact, redactUrl } from "./redact.ts";
export {
  type CompletedPart,
  openStore,
  type S3StorageOptions,
  S3Store,
  S3StoreError,
  type S3StoreOptions,
  type StorageOptions,
} from "./s3-store.ts";
export {
  type ComposeOptions,
  composeServer,
  type ReferenceServer,
  type ReferenceServerOptions,
  resolveDataDir,
  type ServerLogEntry,
} from "./server.ts";
export { type FileSource, fileSource } from "./source.ts";
export {
  assertKey,
  BlobTooLargeError,
  DiskStore,
  type DiskStoreOptions,
  type IngestOptions,
  InvalidStoreKeyError,
  isBodyAborted,
  isStorageError,
  STORAGE_ERROR_STATUS,
  type StagedBlob,
  type Store,
  storageFailure,
} from "./store.ts";
