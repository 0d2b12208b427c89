/**
 * The one error class of the CAVATICA client and uploader, in the style of undici's errors: a stable
 * literal `code` per failure kind, the HTTP status, the platform's error body (CV-ERROR-ENVELOPE:
 * `{status, code, message, more_info}`), the rule id of specs/rules.yaml when the server named one
 * in its message (the reference server writes "… (CV-PART-NUMBER)"), and whether a retry can help.
 *
 * Retry policy (@partwise/client, after tus-js-client): network failures, 5xx, 408 and 429 are
 * retryable (429 honouring `Retry-After`, else `X-RateLimit-Reset`); other 4xx are not — except
 * 409 with platform code 8008, "failed to reserve part; retry" (specs/cavatica.yaml `getPartUrl`).
 *
 * Secrets never reach an error: messages name the operation, never a URL (part URLs are
 * pre-signed credentials) or a header, and a transport failure's `cause` is a copy holding only
 * its name, code and message.
 */
import { ClientError, type ClientErrorKind, isRetryableStatus, parseRetryAfter } from "@partwise/client";
import type { Error as ErrorEnvelope } from "../generated/schemas.ts";

/** What went wrong, as users match on it. */
export type CavaticaErrorCode =
  /** The API or the storage answered an error status. */
  | "PW_CAVATICA_HTTP"
  /** No answer: connection refused or reset, DNS, TLS. */
  | "PW_CAVATICA_NETWORK"
  /** An answer that does not match specs/cavatica.yaml (schema, missing report header). */
  | "PW_CAVATICA_INVALID_RESPONSE"
  /** The storage's ETag is not the MD5 of the bytes sent: the part was corrupted in transit. */
  | "PW_CAVATICA_CORRUPT_PART"
  /** The caller aborted (`AbortSignal`). */
  | "PW_CAVATICA_ABORTED"
  /** Bad input to the client or uploader, found before sending. */
  | "PW_CAVATICA_USAGE"
  /** Resume refused: the source is not the one the journal was written for. */
  | "PW_CAVATICA_SOURCE_CHANGED";

const KIND = {
  PW_CAVATICA_HTTP: "http",
  PW_CAVATICA_NETWORK: "network",
  PW_CAVATICA_INVALID_RESPONSE: "invalid-response",
  PW_CAVATICA_CORRUPT_PART: "invalid-response",
  PW_CAVATICA_ABORTED: "aborted",
  PW_CAVATICA_USAGE: "usage",
  PW_CAVATICA_SOURCE_CHANGED: "usage",
} as const satisfies Record<CavaticaErrorCode, ClientErrorKind>;

export interface CavaticaErrorOptions {
  /** The spec's operationId (`initUpload`, `storagePutPart` …) or `upload`. */
  readonly operation: string;
  readonly status?: number | undefined;
  readonly envelope?: ErrorEnvelope | undefined;
  readonly rule?: string | undefined;
  readonly retryable?: boolean | undefined;
  readonly retryAfterMs?: number | undefined;
  readonly cause?: unknown;
}

export class CavaticaError extends ClientError {
  readonly code: CavaticaErrorCode;
  override readonly envelope: ErrorEnvelope | undefined;
  /** The platform's error code from the envelope (`8003`, `8007` …), when there was one. */
  readonly platformCode: number | undefined;

  constructor(code: CavaticaErrorCode, message: string, options: CavaticaErrorOptions) {
    super(message, {
      kind: KIND[code],
      operation: options.operation,
      status: options.status,
      envelope: options.envelope,
      retryable: options.retryable ?? false,
      retryAfterMs: options.retryAfterMs,
      rule: options.rule,
      cause: options.cause,
    });
    this.code = code;
    this.envelope = options.envelope;
    this.platformCode = options.envelope?.code;
  }
}

/** True for an error of this package, also from another installed copy of it. */
export function isCavaticaError(value: unknown): value is CavaticaError {
  return (
    value instanceof CavaticaError ||
    (typeof value === "object" &&
      value !== null &&
      typeof (value as { code?: unknown }).code === "string" &&
      (value as { code: string }).code.startsWith("PW_CAVATICA_"))
  );
}

const RULE_ID = /\bCV-[A-Z0-9]+(?:-[A-Z0-9]+)*\b/;

/** The first rule id (`CV-…`) a server message names. */
export function ruleOf(message: string | undefined): string | undefined {
  return message === undefined ? undefined : RULE_ID.exec(message)?.[0];
}

/** The platform code that says "retry" although its status is a 4xx. */
const RETRY_CODES = new Set([8008]);

function isEnvelope(value: unknown): value is ErrorEnvelope {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    (typeof v.status === "number" || typeof v.status === "string") &&
    typeof v.message === "string" &&
    (v.code === undefined || (typeof v.code === "number" && Number.isInteger(v.code))) &&
    (v.more_info === undefined || typeof v.more_info === "string")
  );
}

/** `Retry-After`, or for a 429 without it `X-RateLimit-Reset` (epoch seconds), in ms. */
function retryAfterOf(response: Response, now: number): number | undefined {
  const retryAfter = parseRetryAfter(response.headers.get("retry-after"), now);
  if (retryAfter !== undefined || response.status !== 429) return retryAfter;
  const reset = Number(response.headers.get("x-ratelimit-reset") ?? Number.NaN);
  if (!Number.isFinite(reset)) return undefined;
  return Math.min(Math.max(0, reset * 1000 - now), 3_600_000);
}

/**
 * The error for a non-success answer. The body is read as the platform's error envelope when it
 * is one (storage errors from S3 are XML and are not parsed; clients must not depend on them).
 */
export async function httpError(
  operation: string,
  response: Response,
  options: { readonly retryable?: boolean | undefined; readonly now?: number | undefined } = {},
): Promise<CavaticaError> {
  let envelope: ErrorEnvelope | undefined;
  try {
    const text = await response.text();
    const parsed: unknown = text === "" ? undefined : JSON.parse(text);
    if (isEnvelope(parsed)) envelope = parsed;
  } catch {
    // Not JSON, or the body broke off: the status alone decides.
  }
  const status = response.status;
  const retryable =
    options.retryable ??
    (isRetryableStatus(status) || (envelope?.code !== undefined && RETRY_CODES.has(envelope.code)));
  const detail = envelope === undefined ? "" : `: ${envelope.message}`;
  const platform = envelope?.code === undefined ? "" : ` (code ${envelope.code})`;
  return new CavaticaError("PW_CAVATICA_HTTP", `${operation}: HTTP ${status}${platform}${detail}`, {
    operation,
    status,
    envelope,
    rule: ruleOf(envelope?.message),
    retryable,
    retryAfterMs: retryAfterOf(response, options.now ?? Date.now()),
  });
}

/** A copy of a transport failure without anything that could carry a URL or header. */
function scrub(error: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof error !== "object" || error === null) return error;
  const source = error as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
  let message = typeof source.message === "string" ? source.message : "";
  for (const secret of secrets) if (secret !== "") message = message.split(secret).join("[redacted]");
  message = message.replace(/https?:\/\/\S+/g, "[url]");
  const copy = new (error instanceof TypeError ? TypeError : Error)(message);
  if (typeof source.name === "string") Object.defineProperty(copy, "name", { value: source.name });
  if (typeof source.code === "string") Object.assign(copy, { code: source.code });
  if (source.cause !== undefined && depth < 4)
    Object.defineProperty(copy, "cause", { value: scrub(source.cause, secrets, depth + 1) });
  return copy;
}

/** The error for a request that got no answer: aborted by the caller, or a transport failure. */
export function transportError(
  operation: string,
  error: unknown,
  signal: AbortSignal | undefined,
  secrets: readonly string[],
): CavaticaError {
  if (signal?.aborted || (error as { name?: unknown })?.name === "AbortError")
    return new CavaticaError("PW_CAVATICA_ABORTED", `${operation}: aborted`, {
      operation,
      cause: signal?.aborted ? signal.reason : undefined,
    });
  const scrubbed = scrub(error, secrets);
  const what = (scrubbed as { message?: string }).message || "network failure";
  let code: unknown;
  for (let e: unknown = scrubbed, depth = 0; e && code === undefined && depth < 5; depth++) {
    code = (e as { code?: unknown }).code;
    e = (e as { cause?: unknown }).cause;
  }
  const why = typeof code === "string" ? `${what} (${code})` : what;
  return new CavaticaError("PW_CAVATICA_NETWORK", `${operation}: no answer: ${why}`, {
    operation,
    retryable: true,
    cause: scrubbed,
  });
}
