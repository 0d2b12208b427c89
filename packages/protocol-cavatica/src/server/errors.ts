/**
 * The platform error body (CV-ERROR-ENVELOPE): `{status, code, message, more_info}`, `status` equal
 * to the HTTP status, `code` a platform code (specs/cavatica.yaml `components.schemas.Error`, after
 * sbg/biocompute R/api-status-code.R and the error-code list of docs.sevenbridges.com), and the
 * message naming the rule id of specs/rules.yaml that the request broke.
 */
import { failureOf, Refusal } from "@partwise/node";

export const MORE_INFO: string = "https://docs.sevenbridges.com/reference/api-status-codes";

type CodeName =
  | "badRequest"
  | "unauthorized"
  | "forbidden"
  | "notFound"
  | "serviceUnavailable"
  | "methodNotAllowed"
  | "conflict"
  | "unsupportedMediaType"
  | "internalError"
  | "rateLimited"
  | "projectForbidden"
  | "fileForbidden"
  | "fileNotFound"
  | "folderDownload"
  | "parentNotFolder"
  | "missingTarget"
  | "bothTargets"
  | "uploadNotFound"
  | "uploadForbidden"
  | "fileExists"
  | "completeFailed"
  | "malformedProject"
  | "emptyUploadId"
  | "invalidPartNumber"
  | "invalidInit"
  | "invalidPartReport"
  | "invalidPartsList";

/** The platform codes the reference server answers (spec `Error` table). */
export const Code: Readonly<Record<CodeName, number>> = {
  badRequest: 90000,
  unauthorized: 90001,
  forbidden: 90002,
  notFound: 90003,
  serviceUnavailable: 90005,
  methodNotAllowed: 90006,
  conflict: 90007,
  unsupportedMediaType: 90008,
  internalError: 90009,
  rateLimited: 1000,
  projectForbidden: 3001,
  fileForbidden: 5001,
  fileNotFound: 5002,
  folderDownload: 5017,
  parentNotFolder: 5022,
  missingTarget: 5029,
  bothTargets: 5031,
  uploadForbidden: 8001,
  uploadNotFound: 8003,
  fileExists: 8005,
  completeFailed: 8007,
  malformedProject: 8010,
  emptyUploadId: 8011,
  invalidPartNumber: 8012,
  invalidInit: 8013,
  invalidPartReport: 8014,
  invalidPartsList: 8015,
};

/** The generic code of an HTTP status, for refusals (and injected faults) with no specific code. */
export function defaultCode(status: number): number {
  switch (status) {
    case 400:
      return Code.badRequest;
    case 401:
      return Code.unauthorized;
    case 403:
      return Code.forbidden;
    case 404:
      return Code.notFound;
    case 405:
      return Code.methodNotAllowed;
    case 409:
      return Code.conflict;
    case 415:
      return Code.unsupportedMediaType;
    case 429:
      return Code.rateLimited;
    // 90005, not 0: code 0 ("under maintenance") makes sevenbridges-python sleep 300 s.
    case 503:
      return Code.serviceUnavailable;
    default:
      return status >= 500 ? Code.internalError : Code.badRequest;
  }
}

/**
 * A refusal (the server kit's `Refusal` with its platform code): thrown by handlers, turned into
 * the error body by the dispatcher.
 */
export class CavaticaApiError extends Refusal {
  override readonly name: string = "CavaticaApiError";
  constructor(
    status: number,
    readonly platformCode: number,
    message: string,
    rule?: string | undefined,
    headers?: Readonly<Record<string, string>> | undefined,
  ) {
    super(status, message, rule, headers);
  }
}

/** `message (RULE-ID)`: every refusal names the rule it enforces. */
export function withRule(message: string, rule: string | undefined): string {
  return rule === undefined || message.includes(rule) ? message : `${message} (${rule})`;
}

export interface ErrorBody {
  readonly status: number;
  readonly code: number;
  readonly message: string;
  readonly more_info: string;
}

export function errorBody(status: number, code: number, message: string, rule?: string): ErrorBody {
  return { status, code, message: withRule(message, rule), more_info: MORE_INFO };
}

/**
 * The protocol's error response. `composeServer` calls it with `(status, message)` for injected
 * faults; handlers pass the rule id and the platform code.
 */
export function errorResponse(
  status: number,
  message: string,
  rule?: string,
  code: number = defaultCode(status),
  headers?: Readonly<Record<string, string>>,
): Response {
  return Response.json(errorBody(status, code, message, rule), { status, headers: { ...headers } });
}

export function toErrorResponse(error: CavaticaApiError): Response {
  return errorResponse(error.status, error.message, error.rule, error.platformCode, error.headers);
}

/**
 * Any failure as the error body: a refusal as it says, anything else with the status the server
 * kit's `FAILURE_STATUS` gives its kind and the generic platform code of that status.
 */
export function failureResponse(error: unknown): Response {
  if (error instanceof CavaticaApiError) return toErrorResponse(error);
  if (error instanceof Refusal)
    return errorResponse(error.status, error.message, error.rule, defaultCode(error.status), error.headers);
  const failure = failureOf(error);
  return errorResponse(
    failure.status,
    failure.message,
    failure.rule ?? "CV-ERROR-ENVELOPE",
    failure.status >= 500 ? Code.internalError : defaultCode(failure.status),
  );
}

// Shorthands for the refusals handlers throw most.
export const badRequest = (code: number, message: string, rule?: string): CavaticaApiError =>
  new CavaticaApiError(400, code, message, rule);
export const conflict = (code: number, message: string, rule?: string): CavaticaApiError =>
  new CavaticaApiError(409, code, message, rule);
/** Unknown, another token's, completed or aborted: one answer for all, so nothing leaks. */
export const uploadNotFound = (): CavaticaApiError =>
  new CavaticaApiError(
    404,
    Code.uploadNotFound,
    "Requested upload does not exist (CV-AUTH-ISOLATION, CV-ABORT, CV-COMPLETE-TERMINAL).",
  );
export const fileNotFound = (): CavaticaApiError =>
  new CavaticaApiError(404, Code.fileNotFound, "Requested file does not exist.", "CV-AUTH-ISOLATION");
