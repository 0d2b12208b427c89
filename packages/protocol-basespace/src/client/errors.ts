/**
 * The one error class of the BaseSpace client and uploader, in the style of undici's errors:
 * `BasespaceError`, a `ClientError` whose literal `code` names the
 * failure kind, with the HTTP status, the server's error envelope (BS-ERROR-ENVELOPE: the
 * ServiceStack `ResponseStatus`, or the bare `{ErrorCode, MessageFormatted}` shape), the rule id
 * the server named in `ErrorCode` (the Partwise reference server puts the broken rule there), and
 * whether a retry can help (@partwise/client's policy: network, 5xx, 408, 429; BaseSpace adds
 * BS-PART-MD5, a part corrupted in transit).
 *
 * Secrets: messages are built from the operationId, the status and the server's message with the
 * token scrubbed out — never from URLs or request headers — and a transport failure's `cause` is a
 * scrubbed copy of the original chain, so no token can reach a log through an error.
 */
import { ClientError, type ClientErrorKind, type ClientErrorOptions } from "@partwise/client";
import { isPartwiseError } from "@partwise/engine";
import type { ErrorBody } from "../generated/schemas.ts";

/** Stable codes users match on; one per failure kind, plus a resume journal that cannot be written. */
export type BasespaceErrorCode =
  | "PW_BASESPACE_HTTP"
  | "PW_BASESPACE_NETWORK"
  | "PW_BASESPACE_INVALID_RESPONSE"
  | "PW_BASESPACE_ABORTED"
  | "PW_BASESPACE_USAGE"
  | "PW_BASESPACE_JOURNAL";

/** Every kind maps to a code, so a new kind cannot go unmapped. */
const CODE_OF_KIND = {
  http: "PW_BASESPACE_HTTP",
  network: "PW_BASESPACE_NETWORK",
  "invalid-response": "PW_BASESPACE_INVALID_RESPONSE",
  aborted: "PW_BASESPACE_ABORTED",
  usage: "PW_BASESPACE_USAGE",
} as const satisfies Record<ClientErrorKind, BasespaceErrorCode>;

export interface BasespaceErrorOptions extends ClientErrorOptions {
  /** Overrides the kind's code; only `PW_BASESPACE_JOURNAL` (kind `usage`) does so. */
  readonly code?: "PW_BASESPACE_JOURNAL" | undefined;
  readonly envelope?: ErrorBody | undefined;
  /** `ResponseStatus.ErrorCode` (or the bare shape's `ErrorCode`) as the server sent it. */
  readonly serverCode?: string | undefined;
}

export class BasespaceError extends ClientError {
  readonly code: BasespaceErrorCode;
  declare readonly envelope: ErrorBody | undefined;
  /** The server's `ErrorCode` (`BS-PART-MD5`, `NotFound`…), when it sent one; `rule` when it is a rule id. */
  readonly serverCode: string | undefined;

  constructor(message: string, options: BasespaceErrorOptions) {
    super(message, options);
    this.code = options.code ?? CODE_OF_KIND[options.kind];
    this.serverCode = options.serverCode;
  }
}

/** True for a `BasespaceError` from this copy of the package or another one (match on `code`). */
export function isBasespaceError(value: unknown): value is BasespaceError {
  return (
    isPartwiseError(value) &&
    typeof (value as { code?: unknown }).code === "string" &&
    (value as { code: string }).code.startsWith("PW_BASESPACE_")
  );
}

/** Rule ids of specs/rules.yaml (`BS-PART-MD5`, `MIME-BOUNDARY-LENGTH`), as opposed to `NotFound`. */
const RULE_ID = /^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$/;

/** The rule id a server named in its error code, or undefined for ServiceStack-style codes. */
export function ruleOf(serverCode: string | undefined): string | undefined {
  return serverCode !== undefined && RULE_ID.test(serverCode) ? serverCode : undefined;
}

/** The `ErrorCode` and message of either error shape. */
export function describeErrorBody(body: ErrorBody): {
  code: string | undefined;
  message: string | undefined;
} {
  if ("ResponseStatus" in body)
    return { code: body.ResponseStatus.ErrorCode, message: body.ResponseStatus.Message };
  return { code: body.ErrorCode, message: body.MessageFormatted };
}

/** Removes every occurrence of `secret` from `text`. */
export function scrub(text: string, secret: string): string {
  return secret === "" ? text : text.split(secret).join("[redacted]");
}

/** A copy of a JSON value with `secret` scrubbed from every string in it (server bodies are untrusted). */
export function scrubJson<T>(value: T, secret: string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return scrub(v, secret);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === "object" && v !== null)
      return Object.fromEntries(Object.entries(v).map(([key, item]) => [scrub(key, secret), walk(item)]));
    return v;
  };
  return secret === "" ? value : (walk(value) as T);
}

/**
 * A transport failure's cause chain as plain errors carrying only name, code and a scrubbed
 * message (undici errors can hold sockets and request state; none of that may travel further).
 */
export function scrubCause(error: unknown, secret: string, depth = 0): Error | undefined {
  if (error === undefined || error === null || depth > 4) return undefined;
  const source = error as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown };
  const message = typeof source.message === "string" ? source.message : String(error);
  const copy = new Error(scrub(message, secret), { cause: scrubCause(source.cause, secret, depth + 1) });
  if (typeof source.name === "string") copy.name = source.name;
  if (typeof source.code === "string" || typeof source.code === "number")
    Object.defineProperty(copy, "code", { value: source.code, enumerable: true });
  return copy;
}
