/**
 * The BaseSpace envelope on both sides of success (BS-ENVELOPE, BS-ERROR-ENVELOPE):
 * `{ Response, ResponseStatus, Notifications }` [S0][S1], with `ResponseStatus` the ServiceStack
 * shape (`ErrorCode`, `Message`, `Errors[]`) on failure. `ErrorCode` carries the id of the rule
 * the request broke (specs/rules.yaml), or a ServiceStack-style code when no rule applies
 * (specs/basespace.yaml, `ResponseStatus.ErrorCode`).
 */
import { failureOf, Refusal } from "@partwise/node";
import type { ResponseError } from "../generated/schemas.ts";

/** ServiceStack-style codes for refusals that no catalogued rule explains. */
const STATUS_CODES = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  409: "Conflict",
  413: "RequestEntityTooLarge",
  416: "RequestedRangeNotSatisfiable",
  429: "TooManyRequests",
  500: "InternalServerError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
} as const satisfies Record<number, string>;

function defaultCode(status: number): string {
  return (
    (STATUS_CODES as Record<number, string>)[status] ?? (status >= 500 ? "InternalServerError" : "Error")
  );
}

const JSON_TYPE = "application/json; charset=utf-8";

/** A success envelope: `ResponseStatus` is `{}` and `Notifications` is `[]` [S0][S1]. */
export function envelope(response: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ Response: response, ResponseStatus: {}, Notifications: [] }), {
    status,
    headers: { "content-type": JSON_TYPE, ...headers },
  });
}

/**
 * The error envelope for `status`. `rule` (a specs/rules.yaml id) becomes `ResponseStatus.ErrorCode`;
 * without one the code is ServiceStack's name for the status. Also used by composeServer for
 * injected faults (`status=503` → `ServiceUnavailable`).
 */
export function errorResponse(
  status: number,
  message: string,
  rule?: string,
  extra: { readonly errors?: readonly ResponseError[]; readonly headers?: Record<string, string> } = {},
): Response {
  const ResponseStatus = {
    ErrorCode: rule ?? defaultCode(status),
    Message: message,
    ...(extra.errors ? { Errors: extra.errors } : {}),
  };
  return new Response(JSON.stringify({ Response: null, ResponseStatus, Notifications: [] }), {
    status,
    headers: { "content-type": JSON_TYPE, ...extra.headers },
  });
}

/**
 * A refusal (the server kit's `Refusal`) raised anywhere below the router and answered with the
 * error envelope. `rule` names
 * the broken rule; the message never contains a token (tokens are not passed below auth).
 */
export class BasespaceHttpError extends Refusal {
  override readonly name: string = "BasespaceHttpError";
  constructor(
    status: number,
    message: string,
    rule?: string,
    readonly errors?: readonly ResponseError[],
    headers?: Record<string, string>,
  ) {
    super(status, message, rule, headers);
  }

  toResponse(): Response {
    return errorResponse(this.status, this.message, this.rule, {
      ...(this.errors ? { errors: this.errors } : {}),
      headers: { ...this.headers },
    });
  }
}

/**
 * Any failure as the error envelope: a refusal as it says, anything else with the status the
 * server kit's `FAILURE_STATUS` gives its kind (`ErrorCode` the rule it names, if any).
 */
export function failureResponse(error: unknown): Response {
  if (error instanceof BasespaceHttpError) return error.toResponse();
  if (error instanceof Refusal)
    return errorResponse(error.status, error.message, error.rule, { headers: { ...error.headers } });
  const failure = failureOf(error);
  return errorResponse(failure.status, failure.message, failure.rule);
}

/** Throws the refusal; reads as a statement at call sites (`refuse(400, "...", "BS-PART-NUMBER")`). */
export function refuse(status: number, message: string, rule?: string): never {
  throw new BasespaceHttpError(status, message, rule);
}
