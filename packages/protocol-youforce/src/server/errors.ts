/**
 * The YouForce error envelope (YF-ERROR-ENVELOPE, [S4]) and the mapping of every failure to it.
 *
 *     { "CorrelationId": "rrt-…", "Message": "…", "ErrorCode": "400", "Exception": null }
 *
 * `ErrorCode` is the HTTP status as text and `Exception` is null, as in every known answer. Each
 * refusal names the rule of specs/rules.yaml it enforces in `Message`, in parentheses, as the
 * spec's own examples do ("… (YF-NAME-CHARSET)"). Tokens never reach a message: nothing here sees
 * one, and request text quoted in a message is cut short.
 */
import { failureOf, Refusal } from "@partwise/node";

/** A refusal on its way to the client (the server kit's `Refusal`): status, message, rule. */
export class YouforceHttpError extends Refusal {
  override readonly name: string = "YouforceHttpError";
}

/** Shorthand for throwing a refusal from anywhere in a handler. */
export function refuse(
  status: number,
  message: string,
  rule?: string,
  headers?: Readonly<Record<string, string>>,
): never {
  throw new YouforceHttpError(status, message, rule, headers);
}

function correlationId(): string {
  // The [S4] ids look like `rrt-06f2e934a3cbdb710-a-de-13067-4959526-1`; any unique text will do.
  return `rrt-${globalThis.crypto.randomUUID().replaceAll("-", "")}`;
}

/**
 * The protocol's error answer: the envelope with `ErrorCode` = status, the rule id appended to the
 * message unless the message already names it. Also what `composeServer` uses for injected faults.
 */
export function errorResponse(
  status: number,
  message: string,
  rule?: string,
  headers: Readonly<Record<string, string>> = {},
): Response {
  const text = rule === undefined || message.includes(rule) ? message : `${message} (${rule})`;
  return Response.json(
    { CorrelationId: correlationId(), Message: text, ErrorCode: String(status), Exception: null },
    { status, headers: { "cache-control": "no-store", ...headers } },
  );
}

/** Shortens request text quoted in a message, so an error never echoes a large or odd input. */
export function quote(text: string, max = 80): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}

/**
 * Any failure as the envelope: a refusal as it says; anything else with the status the server
 * kit's `FAILURE_STATUS` gives its kind, so every multipart/related framing error answers 400
 * naming its MIME-* rule and anything unexpected is a 500 that says nothing about its cause.
 * (Handlers turn a `BlobTooLargeError` into a 413 naming the size rule that applied; the fallback
 * here cannot know it.)
 */
export function toErrorResponse(error: unknown): Response {
  if (error instanceof Refusal) return errorResponse(error.status, error.message, error.rule, error.headers);
  const failure = failureOf(error);
  if (failure.kind === "framing") return errorResponse(failure.status, mimeMessage(failure), failure.rule);
  return errorResponse(failure.status, failure.message, failure.rule);
}

/**
 * The message for an engine error: the [S4] wording for framing errors, the engine's own reason
 * (which already ends with `[RULE]`), and the YouForce rule a MIME limit stands for where one does.
 */
function mimeMessage(error: { readonly message: string; readonly rule?: string | undefined }): string {
  const base = `Error reading body of request. Please, check all the boundaries of the request: ${error.message}`;
  switch (error.rule) {
    case "MIME-LIMIT-PARTS":
      return `${base}. The body has exactly two parts, metadata then media (YF-TWO-PARTS)`;
    case "MIME-TRANSPORT-PADDING":
      return `${base}. A delimiter line holds only the boundary and transport padding; the boundary must not occur at the start of a line inside a part (MIME-BOUNDARY-IN-CONTENT)`;
    case "MIME-CONTENT-TYPE":
      return `${base}. Content-Type must be multipart/related with a boundary (YF-CONTENT-TYPE)`;
    default:
      return base;
  }
}
