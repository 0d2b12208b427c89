/**
 * Failures of a protocol client. Each protocol package has one error class (`BasespaceError`,
 * `CavaticaError`, `YouforceError`) extending `ClientError`, with a stable literal `code` per
 * failure kind, the HTTP status and the server's error envelope when there was an answer, the rule
 * id when the server (or a local check) named one, and whether a retry can help.
 */
import { PartwiseError, type PartwiseErrorOptions } from "@partwise/engine";

export type ClientErrorKind =
  /** The server answered with an error status. */
  | "http"
  /** No answer: connection refused, reset, DNS, TLS. */
  | "network"
  /** An answer that does not match the spec (schema, missing header, wrong ETag). */
  | "invalid-response"
  /** The caller aborted. */
  | "aborted"
  /** Bad input to the client itself (a rule the caller broke before sending). */
  | "usage";

export interface ClientErrorOptions extends PartwiseErrorOptions {
  readonly kind: ClientErrorKind;
  /** The spec's operationId of the failed request. */
  readonly operation: string;
  readonly status?: number | undefined;
  /** The server's parsed error body (the protocol's envelope) or undefined. */
  readonly envelope?: unknown;
  readonly retryable: boolean;
  readonly retryAfterMs?: number | undefined;
}

export abstract class ClientError extends PartwiseError {
  readonly kind: ClientErrorKind;
  readonly operation: string;
  readonly status: number | undefined;
  readonly envelope: unknown;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: ClientErrorOptions) {
    super(message, { ...options, side: options.side ?? (options.kind === "usage" ? "local" : "remote") });
    this.kind = options.kind;
    this.operation = options.operation;
    this.status = options.status;
    this.envelope = options.envelope;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}
