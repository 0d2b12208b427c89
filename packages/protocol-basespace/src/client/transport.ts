/**
 * One BaseSpace request, end to end: URL under the v1pre3 base, the token in a header
 * (`x-access-token` or `Authorization: Bearer` [BS-V1] — never the `access_token` query, so it
 * cannot end up in access logs or error messages), the answer's status checked against the
 * operation's documented ones, and its JSON envelope validated with the spec's TypeBox schemas
 * (BS-ENVELOPE). Every failure becomes a `BasespaceError`:
 *
 * - an error status, or a success status whose `ResponseStatus` carries an `ErrorCode`/`Message`
 *   (specs/basespace.yaml: "treat a non-empty ResponseStatus.ErrorCode or Message as an error
 *   whatever the HTTP status") → `http`, with the envelope and the rule id it names
 *   (BS-ERROR-ENVELOPE);
 * - no answer → `network`; the caller's signal → `aborted`;
 * - an answer that breaks the spec (status, JSON, schema) → `invalid-response`.
 *
 * Redirects are never followed with the token attached (`redirect: "manual"`): a custom header
 * survives cross-origin redirects in fetch, and BaseSpace content redirects point at storage.
 */
import {
  createFetch,
  type FetchLike,
  isNetworkError,
  isRetryableStatus,
  parseRetryAfter,
} from "@partwise/client";
import type { Static } from "@sinclair/typebox";
import type { operations } from "../generated/openapi.ts";
import type { ErrorBody, schemas } from "../generated/schemas.ts";
import { BasespaceError, describeErrorBody, ruleOf, scrub, scrubCause, scrubJson } from "./errors.ts";
import { basespaceSchemas } from "./schemas.ts";

/** The spec's operationIds. */
export type BasespaceOperation = keyof operations;

/** Where the token goes: `x-access-token: T` (default, as the seed examples) or `Authorization: Bearer T`. */
export type TokenCarrier = "header" | "bearer";

export interface TransportConfig {
  readonly baseUrl: string;
  readonly token: string;
  readonly tokenCarrier: TokenCarrier;
  readonly fetch: FetchLike;
}

export interface Call {
  readonly operation: BasespaceOperation;
  readonly method: "GET" | "POST" | "PUT";
  /** Path under the base URL, segments already encoded: `/files/7/parts/1`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>> | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  // RequestInit["body"] rather than BodyInit: the same type, and also declared by @types/node, so the
  // published types need no DOM lib.
  readonly body?: RequestInit["body"] | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Success statuses the spec documents for this call. */
  readonly expect: readonly number[];
}

export const isRedirect = (status: number): boolean => status >= 300 && status < 400;

/** Names of the spec's success envelopes (`FileResponse`, `FilePartResponse`…). */
export type EnvelopeName = Exclude<
  keyof typeof schemas & `${string}Response`,
  "ErrorResponse" | "FormattedErrorResponse"
>;

export class Transport {
  readonly #config: TransportConfig;

  constructor(config: TransportConfig) {
    this.#config = config;
  }

  static create(options: {
    baseUrl: string;
    token: string;
    tokenCarrier?: TokenCarrier | undefined;
    fetch?: FetchLike | undefined;
    dispatcher?: unknown;
  }): Transport {
    const usage = (message: string) =>
      new BasespaceError(message, { kind: "usage", operation: "createBasespaceClient", retryable: false });
    if (typeof options.token !== "string" || options.token.trim() === "")
      throw usage("token must be a non-empty string");
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw usage("baseUrl must be an absolute URL such as https://api.basespace.illumina.com/v1pre3");
    }
    if (base.protocol !== "http:" && base.protocol !== "https:")
      throw usage("baseUrl must be an http: or https: URL");
    if (base.search !== "" || base.hash !== "") throw usage("baseUrl must not have a query or fragment");
    const carrier = options.tokenCarrier ?? "header";
    if (carrier !== "header" && carrier !== "bearer")
      throw usage('tokenCarrier must be "header" or "bearer"');
    return new Transport({
      baseUrl: base.href.replace(/\/+$/, ""),
      token: options.token,
      tokenCarrier: carrier,
      fetch: createFetch({ fetch: options.fetch, dispatcher: options.dispatcher }),
    });
  }

  get baseUrl(): string {
    return this.#config.baseUrl;
  }

  get token(): string {
    return this.#config.token;
  }

  get fetch(): FetchLike {
    return this.#config.fetch;
  }

  /** Sends the call and returns the answer once its status is one of `call.expect` (or a 3xx, for content). */
  async send(call: Call, options: { readonly allowRedirect?: boolean } = {}): Promise<Response> {
    const url = new URL(`${this.#config.baseUrl}${call.path}`);
    for (const [key, value] of Object.entries(call.query ?? {}))
      if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { ...call.headers };
    if (this.#config.tokenCarrier === "bearer") headers.authorization = `Bearer ${this.#config.token}`;
    else headers["x-access-token"] = this.#config.token;
    let response: Response;
    try {
      response = await this.#config.fetch(url, {
        method: call.method,
        headers,
        redirect: "manual",
        ...(call.body === undefined ? {} : { body: call.body }),
        ...(call.body instanceof ReadableStream ? { duplex: "half" } : {}),
        ...(call.signal ? { signal: call.signal } : {}),
      } as RequestInit);
    } catch (error) {
      throw this.transportError(call, error);
    }
    if (call.expect.includes(response.status)) return response;
    if (options.allowRedirect && (isRedirect(response.status) || response.type === "opaqueredirect"))
      return response;
    throw await this.statusError(call, response);
  }

  /** Sends the call and returns its JSON body validated against `schema` (a success envelope). */
  async json<K extends EnvelopeName>(call: Call, schema: K): Promise<Static<(typeof schemas)[K]>> {
    const response = await this.send(call);
    return this.parseEnvelope(call, response, schema);
  }

  /** Reads and validates a success envelope already received. */
  async parseEnvelope<K extends EnvelopeName>(
    call: Call,
    response: Response,
    schema: K,
  ): Promise<Static<(typeof schemas)[K]>> {
    const text = await this.readText(call, response);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw this.invalid(call, response.status, "the answer is not JSON");
    }
    // A success status can still carry an error envelope (the Python SDK checks it whatever the status).
    const asError = basespaceSchemas.validate("ErrorBody", body);
    if (asError.ok) throw this.httpError(call, response, asError.value);
    const checked = basespaceSchemas.validate(schema, body);
    if (!checked.ok) {
      const first = checked.issues[0];
      const where = first ? ` at ${first.path === "" ? "/" : first.path}: ${first.message}` : "";
      throw this.invalid(call, response.status, `the answer is not a valid ${schema}${where}`);
    }
    return checked.value;
  }

  /** The whole body as text; a connection that breaks while it is read is a network failure. */
  async readText(call: Call, response: Response): Promise<string> {
    try {
      return await response.text();
    } catch (error) {
      throw this.transportError(call, error);
    }
  }

  /** The whole body as bytes; a connection that breaks while it is read is a network failure. */
  async readBytes(call: Call, response: Response): Promise<Uint8Array> {
    try {
      return new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw this.transportError(call, error);
    }
  }

  /** A failure before any answer: the caller's abort, or the network. */
  transportError(call: Call, error: unknown): BasespaceError {
    const cause = scrubCause(error, this.#config.token);
    if (call.signal?.aborted || (error as { name?: unknown } | null)?.name === "AbortError")
      return new BasespaceError(`${call.operation} was aborted`, {
        kind: "aborted",
        operation: call.operation,
        retryable: false,
        cause,
      });
    const retryable = isNetworkError(error);
    const detail = cause
      ? `: ${cause.message}${cause.cause instanceof Error ? ` (${cause.cause.message})` : ""}`
      : "";
    return new BasespaceError(`${call.operation} got no answer${detail}`, {
      kind: "network",
      operation: call.operation,
      retryable,
      cause,
    });
  }

  /** The answer's status is not one the spec documents for the call. */
  async statusError(call: Call, response: Response): Promise<BasespaceError> {
    if (response.status < 400) {
      await response.body?.cancel().catch(() => {});
      return this.invalid(call, response.status, `unexpected status ${response.status}`);
    }
    let envelope: ErrorBody | undefined;
    try {
      const checked = basespaceSchemas.validate("ErrorBody", JSON.parse(await response.text()));
      if (checked.ok) envelope = checked.value;
    } catch {
      // Not JSON, or the connection broke while reading the error: the status alone tells.
    }
    return this.httpError(call, response, envelope);
  }

  httpError(call: Call, response: Response, raw: ErrorBody | undefined): BasespaceError {
    const token = this.#config.token;
    const envelope = raw === undefined ? undefined : scrubJson(raw, token);
    const described = raw ? describeErrorBody(raw) : { code: undefined, message: undefined };
    const code = described.code === undefined ? undefined : scrub(described.code, token);
    const message = described.message === undefined ? undefined : scrub(described.message, token);
    const rule = ruleOf(code);
    const status = response.status;
    // BS-PART-MD5: the bytes the server received differ from what was sent — corrupted in transit.
    const retryable = isRetryableStatus(status) || rule === "BS-PART-MD5";
    const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
    const said = message === undefined ? "" : `: ${message.slice(0, 500)}`;
    const label = code === undefined || code === rule ? "" : ` ${code.slice(0, 100)}`;
    return new BasespaceError(`${call.operation} failed with HTTP ${status}${label}${said}`, {
      kind: "http",
      operation: call.operation,
      status,
      envelope,
      serverCode: code,
      rule,
      retryable,
      retryAfterMs,
    });
  }

  invalid(call: Call, status: number | undefined, problem: string, retryable = false): BasespaceError {
    return new BasespaceError(`${call.operation}: invalid response: ${scrub(problem, this.#config.token)}`, {
      kind: "invalid-response",
      operation: call.operation,
      status,
      retryable,
    });
  }
}
