/**
 * Public API of the upload session. The transition table and its
 * interpreter stay internal; `sessionStateDiagram()` is how they are shown.
 */
export type {
  AbortCommand,
  CompleteCommand,
  FailCommand,
  FailureInfo,
  NeedPartCommand,
  SendPartCommand,
  SessionCommand,
  SessionProgress,
  WaitCommand,
} from "./commands.ts";
export { sessionStateDiagram } from "./diagram.ts";
export {
  RetriesExhaustedError,
  SessionConfigError,
  SessionSnapshotError,
  SessionStateError,
} from "./errors.ts";
export {
  backoffCap,
  DEFAULT_RETRY_POLICY,
  type RetryOptions,
  type RetryPolicy,
  retryDelay,
} from "./retry.ts";
export {
  DEFAULT_CONCURRENCY,
  type PartSpec,
  type RestoreOptions,
  UploadSession,
  type UploadSessionOptions,
} from "./session.ts";
export { type SessionSnapshot, SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type SnapshotPart } from "./snapshot.ts";
export type { SessionState } from "./transitions.ts";
