/**
 * @partwise/node — the Node.js adapters that several Partwise packages share, in one home: the
 * fetch-style HTTP listener, the atomic disk store, file sources, fault injection, CORS, secret
 * redaction, and the server kit the reference servers share (keyed mutex, `Range`, refusals and
 * the failure-to-status map, token identity). Nothing here knows a protocol.
 */

export { BlobDigest, BlobDigestClosedError, type BlobFeed, type DigestTarget } from "./blob-digest.ts";
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
export {
  BlobReadError,
  HashPool,
  HashPoolClosedError,
  type HashPoolOptions,
  type HashStream,
  HashWorkerError,
  retainSharedHashPool,
  sharedHashPool,
} from "./hash-pool.ts";
export { fileJournal } from "./journal.ts";
export {
  BODY_TIMEOUT_MESSAGE,
  FAILURE_STATUS,
  type Failure,
  type FailureKind,
  failureOf,
  Refusal,
} from "./kit/failure.ts";
export { bearerToken, isB64Token, TokenIdentity } from "./kit/identity.ts";
export { KeyedMutex } from "./kit/mutex.ts";
export {
  type BlobReader,
  type ByteRange,
  contentRange,
  parseRange,
  type RangeRequest,
  type Segment,
  segmentStream,
} from "./kit/range.ts";
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
  type ComposeOptions,
  composeServer,
  type ReferenceServer,
  type ReferenceServerOptions,
  resolveDataDir,
  type ServerLogEntry,
} from "./server.ts";
export { type FileSource, fileSource } from "./source.ts";
export {
  type CompletedPart,
  isObjectStore,
  type ObjectStore,
  openStore,
  type S3StorageOptions,
  S3StoreError,
  type S3StoreOptions,
  type StorageOptions,
} from "./storage.ts";
export {
  assertKey,
  BlobTooLargeError,
  DiskStore,
  type DiskStoreOptions,
  type IngestBody,
  type IngestOptions,
  InvalidStoreKeyError,
  isBodyAborted,
  isStorageError,
  STORAGE_ERROR_STATUS,
  type StagedBlob,
  type Store,
  storageFailure,
  type UnhashedBlob,
} from "./store.ts";
