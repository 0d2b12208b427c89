/**
 * Request parameters the way BaseSpace's SDKs send them (BS-PARAMS-ANYWHERE): `name`,
 * `directory`, `multipart` and `uploadstatus` come from the query string, a JSON body (Python
 * repeats its query as `{"name":…,"multipart":"true"}`; C# sends the PascalCase DTO
 * `{Name, Directory, MultiPart}` / `{Id, UploadStatus}`) or an urlencoded form (Java), names
 * matched case-insensitively; the query wins when both carry a name (specs/basespace.yaml,
 * "Conventions"). Parameter bodies are bounded and refused while they stream in.
 */
import type { RequestContext, ServerContext } from "./context.ts";
import { BasespaceHttpError, refuse } from "./errors.ts";

/** Largest body read as parameters (a JSON DTO or form is a few hundred bytes). */
export const MAX_PARAMS_BODY = 1024 * 1024;

/** Parameters by lower-cased name; the first occurrence of a name wins. */
export type Params = ReadonlyMap<string, unknown>;

export function queryParams(url: URL): Params {
  return searchParams(url.searchParams);
}

function searchParams(search: URLSearchParams): Map<string, unknown> {
  const params = new Map<string, unknown>();
  for (const [key, value] of search) {
    const name = key.toLowerCase();
    if (!params.has(name)) params.set(name, value);
  }
  return params;
}

/** The first value found for `name` (lower case), looking through `sources` in order. */
export function lookup(name: string, ...sources: readonly (Params | undefined)[]): unknown {
  for (const source of sources) if (source?.has(name)) return source.get(name);
  return undefined;
}

/**
 * An upload parameter (`name`, `directory`, `multipart`, `uploadstatus`) as the server's reading
 * finds it: from the query, then `body`, any letter case (BS-PARAMS-ANYWHERE); in the strict
 * reading from the query only and spelt exactly as documented (lower case) [S0][S1].
 */
export function param(
  ctx: ServerContext,
  rctx: RequestContext,
  name: string,
  body: Params | undefined,
): unknown {
  if (!ctx.policy.exactParams) return lookup(name, rctx.query, ctx.policy.paramsInBody ? body : undefined);
  for (const [key, value] of rctx.url.searchParams) if (key === name) return value;
  return undefined;
}

/**
 * Reads a whole body of at most `max` bytes, refusing with 413 (and `rule`) the moment it grows
 * past that, before the rest is read. A body that breaks off mid-way is a 400.
 */
export async function readBounded(
  chunks: AsyncIterable<Uint8Array>,
  max: number,
  rule: string,
): Promise<Uint8Array> {
  const kept: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of chunks) {
      size += chunk.length;
      if (size > max) refuse(413, `The request body may not be larger than ${max} bytes`, rule);
      kept.push(chunk);
    }
  } catch (error) {
    if (error instanceof BasespaceHttpError) throw error;
    refuse(400, "The request body ended before it was complete");
  }
  return joinChunks(kept, size);
}

/** One array of the chunks' bytes (no copy when there is a single chunk). */
export function joinChunks(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/** The media types of a Content-Type header, lower-cased essence first (`application/json`). */
export interface MediaType {
  /** `type/subtype`, lower case, without parameters. */
  readonly essence: string;
  /** The value as sent (parameters included), trimmed. */
  readonly value: string;
}

/**
 * Splits a Content-Type header into its values. One is usual; the Java SDK sends two headers on
 * initiation, the form's type and the file's (`application/x-www-form-urlencoded` and e.g.
 * `application/zip`), which arrive joined by a comma. Commas inside quoted parameters are kept.
 */
export function mediaTypes(header: string | null): MediaType[] {
  if (header === null) return [];
  const values: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const c = header[i]!;
    if (c === '"') quoted = !quoted;
    if (c === "\\" && quoted && i + 1 < header.length) {
      current += c + header[++i]!;
      continue;
    }
    if (c === "," && !quoted) {
      values.push(current);
      current = "";
    } else current += c;
  }
  values.push(current);
  return values
    .map((value) => value.trim())
    .filter((value) => value !== "")
    .map((value) => ({ value, essence: value.split(";", 1)[0]!.trim().toLowerCase() }));
}

export function isJsonType(essence: string): boolean {
  return essence === "application/json" || essence.endsWith("+json");
}

export function isFormType(essence: string): boolean {
  return essence === "application/x-www-form-urlencoded";
}

/** True when the request's media types say its body is parameters (a JSON object or a form). */
export function isParamsType(types: readonly MediaType[]): boolean {
  return types.some((type) => isJsonType(type.essence) || isFormType(type.essence));
}

function jsonObject(text: string): Map<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const params = new Map<string, unknown>();
  for (const [key, entry] of Object.entries(value)) {
    const name = key.toLowerCase();
    if (!params.has(name)) params.set(name, entry);
  }
  return params;
}

function form(text: string): Map<string, unknown> {
  return searchParams(new URLSearchParams(text));
}

/**
 * The parameters in a body. A body declared as JSON must be a JSON object (else 400 when
 * `strict`, as for a parameter body that could be nothing else); a declared form is parsed as
 * one; any other media type — the Python SDK declares the file's type, e.g. `text/plain`, on a
 * JSON body — is tried as JSON, then as a form. Returns undefined when nothing parses.
 */
export function parseParamsBody(
  bytes: Uint8Array,
  types: readonly MediaType[],
  strict: boolean,
): Params | undefined {
  if (bytes.length === 0) return undefined;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    if (strict && isParamsType(types))
      refuse(400, "The parameter body is not valid UTF-8", "BS-PARAMS-ANYWHERE");
    return undefined;
  }
  const declaredJson = types.some((type) => isJsonType(type.essence));
  const declaredForm = types.some((type) => isFormType(type.essence));
  if (declaredJson) {
    const params = jsonObject(text);
    if (params === undefined && strict)
      refuse(400, "The request body is declared as JSON but is not a JSON object", "BS-PARAMS-ANYWHERE");
    return params;
  }
  if (declaredForm) return form(text);
  return jsonObject(text) ?? form(text);
}

/** `true`/`false` in any letter case, or a JSON boolean; undefined when absent or null. */
export function booleanParam(name: string, value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    const lower = value.trim().toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
  }
  refuse(400, `The ${name} parameter must be true or false`, "BS-PARAMS-ANYWHERE");
}
