/**
 * `YouforceError`: the one error class of the YouForce client and uploader, in the style of
 * undici's errors. Users match on the stable literal `code`, not on `instanceof` or messages:
 *
 * | code                            | kind               | when                                                     |
 * |---------------------------------|--------------------|----------------------------------------------------------|
 * | `PW_YOUFORCE_HTTP`              | `http`             | the server answered an error status (envelope, rule)     |
 * | `PW_YOUFORCE_NETWORK`           | `network`          | no answer: refused, reset, DNS, TLS                      |
 * | `PW_YOUFORCE_INVALID_RESPONSE`  | `invalid-response` | an answer that does not match specs/youforce.yaml        |
 * | `PW_YOUFORCE_CORRUPT`           | `invalid-response` | the stored file's MD5 is not the local one (retryable)   |
 * | `PW_YOUFORCE_ABORTED`           | `aborted`          | the caller's `AbortSignal` fired                         |
 * | `PW_YOUFORCE_USAGE`             | `usage`            | bad input caught before any request (a rule the caller broke) |
 *
 * `retryable` follows @partwise/client's policy (network, 5xx, 408, 429; other 4xx are rule
 * violations that fail at once), plus 499, which the official PowerShell clients retry
 * (specs/youforce.yaml `ClientClosedRequest`). `rule` is the rule id of specs/rules.yaml the server
 * named in its envelope (`Message: "… (YF-NAME-CHARSET)"`) or the local check that failed.
 *
 * Secrets: messages are built from the operation, the status and the server's `Message` (with the
 * bearer token cut out should a gateway ever echo it); never from URLs or request headers.
 */
import { ClientError, type ClientErrorKind, isRetryableStatus, parseRetryAfter } from "@partwise/client";
import { isPartwiseError } from "@partwise/engine";
import { youforceSchemas } from "../schemas.ts";

/** The code of each kind; a new kind cannot go unmapped. */
export const YOUFORCE_ERROR_CODES = {
  http: "PW_YOUFORCE_HTTP",
  network: "PW_YOUFORCE_NETWORK",
  "invalid-response": "PW_YOUFORCE_INVALID_RESPONSE",
  aborted: "PW_YOUFORCE_ABORTED",
  usage: "PW_YOUFORCE_USAGE",
} as const satisfies Record<ClientErrorKind, string>;

export type YouforceErrorCode = (typeof YOUFORCE_ERROR_CODES)[ClientErrorKind] | "PW_YOUFORCE_CORRUPT";

/** The spec's operationIds, plus the uploader's own steps. */
export type YouforceOperation =
  | "uploadFile"
  | "uploadChunk"
  | "listFiles"
  | "downloadFile"
  | "headFile"
  | "deleteFile"
  | "upload";

export interface YouforceErrorOptions {
  readonly kind: ClientErrorKind;
  /** Defaults to the kind's code; `PW_YOUFORCE_CORRUPT` is the only override. */
  readonly code?: YouforceErrorCode | undefined;
  readonly operation: YouforceOperation;
  readonly status?: number | undefined;
  readonly envelope?: unknown;
  readonly retryable: boolean;
  readonly retryAfterMs?: number | undefined;
  readonly rule?: string | undefined;
  readonly cause?: unknown;
}

export class YouforceError extends ClientError {
  readonly code: YouforceErrorCode;
  declare readonly operation: YouforceOperation;

  constructor(message: string, options: YouforceErrorOptions) {
    super(message, options);
    this.code = options.code ?? YOUFORCE_ERROR_CODES[options.kind];
  }
}

/** True for a `YouforceError`, also from another installed copy of this package. */
export function isYouforceError(value: unknown): value is YouforceError {
  return (
    isPartwiseError(value) &&
    typeof (value as { code?: unknown }).code === "string" &&
    (value as { code: string }).code.startsWith("PW_YOUFORCE_")
  );
}

/** Rule ids of specs/rules.yaml as servers cite them: `(YF-NAME-CHARSET)`, `[MIME-BOUNDARY-LENGTH]`. */
const RULE_ID = /\b(?:YF|MIME)-[A-Z0-9]+(?:-[A-Z0-9]+)*\b/g;

/**
 * The rule a server message names. The reference server appends the rule it enforces last
 * ("… (YF-TWO-PARTS)"), after any rule quoted from an engine error, so the last id wins.
 */
export function ruleFromMessage(message: string | undefined): string | undefined {
  if (message === undefined) return undefined;
  const ids = message.match(RULE_ID);
  return ids === null ? undefined : ids[ids.length - 1];
}

/** The human-readable text of an error body: the [S4] `Message`, or a gateway's `message` / `error.message`. */
function messageOf(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const record = body as Record<string, unknown>;
  for (const value of [
    record.Message,
    record.message,
    (record.error as Record<string, unknown> | undefined)?.message,
  ]) {
    if (typeof value === "string") return value;
  }
  return undefined;
}

function clip(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Removes `secret` from text that came from the network, should a gateway ever echo it. */
export function scrub(text: string, secret: string | undefined): string {
  return secret === undefined || secret.length < 4 ? text : text.split(secret).join("[redacted]");
}

/** `value` (parsed JSON) with `secret` cut out of every string in it. */
function scrubJson(value: unknown, secret: string | undefined): unknown {
  if (typeof value === "string") return scrub(value, secret);
  if (Array.isArray(value)) return value.map((item) => scrubJson(item, secret));
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubJson(item, secret)]));
  return value;
}

/**
 * The error for a non-2xx answer. Reads at most 64 KiB of the body; the envelope is the parsed
 * [S4] `Error` when it matches, else whatever JSON a gateway sent (or undefined).
 */
export async function httpError(
  operation: YouforceOperation,
  response: Response,
  secret: string | undefined,
): Promise<YouforceError> {
  const status = response.status;
  let envelope: unknown;
  try {
    const text = operation === "headFile" ? "" : await readText(response, 64 * 1024);
    if (text.trim() !== "") envelope = scrubJson(JSON.parse(text), secret);
  } catch {
    // A body that is not JSON (a proxy's HTML page) leaves the status to speak.
  }
  const checked = youforceSchemas.validate("Error", envelope);
  const serverMessage = messageOf(envelope);
  const rule = ruleFromMessage(serverMessage);
  const retryable = isRetryableStatus(status) || status === 499;
  let text = serverMessage === undefined ? response.statusText : scrub(clip(serverMessage), secret);
  // The error appends ` [RULE]` itself; drop the server's trailing `(RULE)` so it is not said twice.
  if (rule !== undefined) text = text.replace(new RegExp(`\\s*\\(${rule}\\)\\.?\\s*$`), "");
  return new YouforceError(`${operation}: HTTP ${status}${text ? `: ${text}` : ""}`, {
    kind: "http",
    operation,
    status,
    envelope: checked.ok ? checked.value : envelope,
    retryable,
    retryAfterMs: retryable ? parseRetryAfter(response.headers.get("retry-after")) : undefined,
    rule,
  });
}

async function readText(response: Response, limit: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(Math.min(size, limit));
  let at = 0;
  for (const chunk of chunks) {
    const piece = chunk.subarray(0, all.length - at);
    all.set(piece, at);
    at += piece.length;
  }
  return new TextDecoder().decode(all);
}
