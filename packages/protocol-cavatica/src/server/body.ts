/**
 * Request bodies and query flags of the API calls, read the way real clients send them
 * (spec "Wire quirks", sevenbridges-python http/client.py `_request`):
 *
 * - every request carries `Content-Type: application/json`, GET and DELETE included, and GET and
 *   the complete POST send the body `null`, DELETE `{}`: such bodies are drained and ignored;
 * - a body with a non-JSON Content-Type is refused with 415 / 90008; a missing Content-Type (and
 *   the [S2] page's misspelling `application_json`) is read as JSON;
 * - JSON bodies are bounded and refused while they stream in, never buffered past the bound;
 * - boolean query flags accept `true`/`True`/`TRUE`/`1` and `false`/`False`/`FALSE`/`0`
 *   (`BooleanQueryFlag`; Python `requests` sends `True`, CV-BOOLEAN-QUERY), anything else is
 *   400 / 90000.
 *
 * Readings (readings.ts): the lenient one reads a body of any Content-Type as JSON; the strict one
 * takes only the documented `true`/`false` (and handler.ts requires `Content-Type: application/json`,
 * which the documents list as required, on every API call).
 */
import { cavaticaSchemas } from "../schemas.ts";
import { badRequest, CavaticaApiError, Code } from "./errors.ts";

/** No JSON body of this API comes near it: 10,000 part reports are about 1 MiB. */
export const MAX_JSON_BYTES: number = 4 * 1024 * 1024;
/** Bodies the API ignores (`null`, `{}`) are drained up to this, then refused. */
export const MAX_IGNORED_BYTES: number = 64 * 1024;

const NO_BODY: unique symbol = Symbol("no body");
export type JsonBody = unknown | typeof NO_BODY;
export { NO_BODY };

/** Reads at most `limit` bytes of the body; more is a 400 before the rest is read. */
async function readBounded(request: Request, limit: number, rule: string | undefined): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit)
    throw badRequest(Code.badRequest, `Request body exceeds ${limit} bytes`, rule);
  if (request.body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > limit) throw badRequest(Code.badRequest, `Request body exceeds ${limit} bytes`, rule);
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    if (error instanceof CavaticaApiError) throw error;
    throw badRequest(Code.badRequest, "The request body could not be read (truncated?)", rule);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

function isJsonMediaType(contentType: string | null): boolean {
  if (contentType === null || contentType.trim() === "") return true;
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  // application/json, application/*+json, text/json, and the [S2] page's "application_json".
  return (
    type === "application/json" ||
    type === "application_json" ||
    type.endsWith("+json") ||
    type === "text/json"
  );
}

/**
 * The parsed JSON body, or `NO_BODY` when it is empty. `rule` is named in refusals (the rule of
 * the body's operation).
 */
export async function readJson(
  request: Request,
  rule: string,
  anyMediaType = false,
  limit: number = MAX_JSON_BYTES,
): Promise<JsonBody> {
  const bytes = await readBounded(request, limit, rule);
  if (bytes.length === 0) return NO_BODY;
  if (!anyMediaType && !isJsonMediaType(request.headers.get("content-type")))
    throw new CavaticaApiError(
      415,
      Code.unsupportedMediaType,
      "Unsupported media type; send application/json",
      rule,
    );
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw badRequest(Code.badRequest, "The request body is not valid UTF-8", rule);
  }
  if (text.trim() === "") return NO_BODY;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest(Code.badRequest, "The request body is not valid JSON", rule);
  }
}

/** Drains a body the operation ignores (`null` on GET, `{}` on DELETE), bounded. */
export async function ignoreBody(request: Request): Promise<void> {
  if (request.body !== null) await readBounded(request, MAX_IGNORED_BYTES, undefined);
}

/**
 * A boolean query flag (`overwrite`, `list_parts`); absent is false. `documentedOnly` (the strict
 * reading) takes only the documented `true` and `false` (CV-BOOLEAN-QUERY).
 */
export function booleanFlag(url: URL, name: string, rule: string, documentedOnly = false): boolean {
  const values = url.searchParams.getAll(name);
  if (values.length === 0) return false;
  const value = values.at(-1)!;
  if (documentedOnly && value !== "true" && value !== "false")
    throw badRequest(Code.badRequest, `Query parameter ${name} must be true or false`, "CV-BOOLEAN-QUERY");
  if (values.length > 1 || !cavaticaSchemas.validate("BooleanQueryFlag", value).ok)
    throw badRequest(
      Code.badRequest,
      `Query parameter ${name} must be one of true, True, TRUE, 1, false, False, FALSE, 0`,
      rule,
    );
  return value === "true" || value === "True" || value === "TRUE" || value === "1";
}

/** The media type of a Content-Type header, lowercased, or undefined. */
export function mediaTypeOf(contentType: string | null): string | undefined {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  return type === undefined || type === "" ? undefined : type;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
