/**
 * What a check gets from the runner: the target, an HTTP client that records every exchange (with
 * credentials redacted) so a failure can show the one that broke the rule, fast-check properties
 * run with the suite's seed and run count, the data budget, clean-up hooks and a seeded random.
 */
import { redact } from "@partwise/node";
import fc from "fast-check";
import {
  CheckError,
  CheckSkipped,
  ConformanceFailure,
  type Exchange,
  PropertyFailure,
  type Protocol,
} from "./check.ts";
import { credentialValues, describeBody, redactHeaders } from "./exchange.ts";
import { infrastructureCause } from "./preflight.ts";

/** The server under test and the identities and resources the checks may use. */
export interface Target {
  readonly protocol: Protocol;
  /** The API root: `…/v1pre3`, `…/v2` or `…/v1.0`. */
  readonly baseUrl: string;
  readonly token: string;
  /** A second identity, for isolation checks; they are skipped without it. */
  readonly otherToken?: string | undefined;
  /** BaseSpace: the AppResult the checks upload to (the token must have WRITE access). */
  readonly appResultId?: string | undefined;
  /** CAVATICA: the project (`owner/project`) or folder the checks upload to. */
  readonly project?: string | undefined;
  readonly parent?: string | undefined;
  /** YouForce: the business type the checks upload to. */
  readonly businessTypeId?: number | undefined;
  /**
   * How long a check may wait for the server's own clock (a part URL's expiry, a rate-limit window),
   * in ms (`--wait`). Checks that would need longer are skipped; default 15 s.
   */
  readonly maxWaitMs?: number | undefined;
  /**
   * The target's request rate limit per client credential, when known (YF-RATE-LIMIT): at most
   * `requests` in a fixed window of `windowMs`, for `token` (default the target's token). Unknown by
   * default; the rate-limit check then only skips when it finds none.
   */
  readonly rateLimit?:
    | { readonly requests: number; readonly windowMs: number; readonly token?: string | undefined }
    | undefined;
}

export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly body?: Uint8Array | string | Blob | ReadableStream<Uint8Array> | undefined;
  /**
   * A well-behaved client waits out a 429 and tries again: a 429 with a `Retry-After` of at most the
   * target's `maxWaitMs` is retried after that wait (up to 5 times), unless the body is a stream or
   * this is false (the rate-limit check sees its 429s).
   */
  readonly retryRateLimited?: boolean | undefined;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly bytes: Uint8Array;
  readonly exchange: Exchange;
  text(): string;
  /** The body as JSON, or undefined when it is not JSON. */
  json<T = unknown>(): T | undefined;
}

export interface Http {
  /** Sends a request; the whole answer is read. A network failure rejects (and is recorded). */
  request(request: HttpRequest): Promise<HttpAnswer>;
  /** The exchanges of the current check (or of the current property run). */
  readonly exchanges: readonly Exchange[];
}

export interface PropertyOptions {
  /** Runs of this property; default the suite's `--num-runs`. Heavy properties use fewer. */
  readonly numRuns?: number | undefined;
  /**
   * Shrink a counterexample (default true). A property whose every run moves megabytes turns it
   * off: it then reports the first failing case as generated, which its seed and path replay.
   */
  readonly shrink?: boolean | undefined;
}

export interface CheckContext {
  readonly target: Target;
  readonly http: Http;
  /** Seeded uniform [0, 1) for example choices outside properties. */
  readonly random: () => number;
  readonly signal: AbortSignal;
  /**
   * Runs a fast-check property with the suite's seed (and `--path` when replaying). The predicate
   * throws (`ctx.fail`) or returns false on a violation; the failure is reported with the shrunk
   * counterexample, the seed and path, and the last exchange of the failing run.
   */
  property<T>(
    arbitrary: fc.Arbitrary<T>,
    predicate: (value: T) => Promise<boolean | void>,
    options?: PropertyOptions,
  ): Promise<void>;
  /** Reports a violation of the rule. */
  fail(message: string, exchange?: Exchange): never;
  /** Reports that the rule cannot be tested against this target. */
  skip(reason: string): never;
  /** Charges bytes to the data budget (`--max-bytes`); skips the check when it is spent. */
  spend(bytes: number): void;
  /** Runs after the check, pass or fail (abort what it started on the server). */
  onCleanup(cleanup: () => Promise<void>): void;
}

export interface ContextOptions {
  readonly target: Target;
  readonly seed: number;
  readonly numRuns: number;
  /** A fast-check path to replay one failure (`--path`). */
  readonly path?: string | undefined;
  /** Time budget of one property, in ms. */
  readonly propertyTimeMs: number;
  /** Bytes left in the data budget, shared by all checks of a run. */
  readonly budget: { remaining: number };
  readonly signal: AbortSignal;
  readonly fetch?: typeof fetch | undefined;
  /** Receives every exchange as it completes, with the index of the property run (0 outside one). */
  readonly onExchange?: ((exchange: Exchange, run: number) => void) | undefined;
}

const EXCERPT = 400;

function excerpt(bytes: Uint8Array | string | undefined, secrets: readonly string[]): string | undefined {
  if (bytes === undefined) return undefined;
  const view = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  if (view.length === 0) return "";
  const head = view.subarray(0, EXCERPT);
  const printable = head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 128);
  if (!printable) return `<${view.length} bytes of binary>`;
  const text = new TextDecoder().decode(head);
  return redact(view.length > EXCERPT ? `${text}… (${view.length} bytes)` : text, secrets);
}

/** A `Retry-After` value (seconds or an HTTP date, RFC 9110 §10.2.3) in ms, or undefined. */
export function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export function createContext(
  options: ContextOptions,
): CheckContext & { cleanup(): Promise<void>; readonly secrets: readonly string[] } {
  const { target } = options;
  // Grows with every credential the server hands out (signed URLs), so that a value seen once stays
  // redacted even where it no longer sits behind its name (a tampered URL).
  const secrets = [target.token, ...(target.otherToken ? [target.otherToken] : [])];
  const harvest = (text: string): void => {
    for (const value of credentialValues(text)) if (!secrets.includes(value)) secrets.push(value);
  };
  const doFetch = options.fetch ?? fetch;
  let exchanges: Exchange[] = [];
  let run = 0;
  const record = (exchange: Exchange): void => {
    exchanges.push(exchange);
    options.onExchange?.(exchange, run);
  };
  const cleanups: (() => Promise<void>)[] = [];
  let seedState = options.seed >>> 0 || 1;
  const random = () => {
    // xorshift32: a few lines of seeded randomness for example choices.
    seedState ^= seedState << 13;
    seedState ^= seedState >>> 17;
    seedState ^= seedState << 5;
    return (seedState >>> 0) / 4294967296;
  };

  const http: Http = {
    get exchanges() {
      return exchanges;
    },
    async request(request) {
      const answer = await send(request);
      if (request.retryRateLimited === false || request.body instanceof ReadableStream) return answer;
      let last = answer;
      for (let retry = 0; retry < 5 && last.status === 429; retry++) {
        const wait = retryAfterMs(last.headers.get("retry-after"));
        if (wait === undefined || wait > (target.maxWaitMs ?? 15_000)) break;
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, wait);
          options.signal.addEventListener(
            "abort",
            () => {
              clearTimeout(timer);
              reject(options.signal.reason);
            },
            { once: true },
          );
        });
        last = await send(request);
      }
      return last;
    },
  };

  async function send(request: HttpRequest): Promise<HttpAnswer> {
    harvest(request.url);
    const startedAt = new Date();
    const started = performance.now();
    const requestHeaders = Object.entries(request.headers ?? {});
    const requestType = requestHeaders.find(([name]) => name.toLowerCase() === "content-type")?.[1];
    const base: Omit<Exchange, "status"> = {
      method: request.method,
      url: redact(request.url, secrets),
      requestExcerpt:
        typeof request.body === "string" || request.body instanceof Uint8Array
          ? excerpt(request.body, secrets)
          : request.body === undefined
            ? undefined
            : "<streamed body>",
      startedAt: startedAt.toISOString(),
      requestHeaders: redactHeaders(requestHeaders, secrets),
      ...(request.body === undefined
        ? {}
        : { requestBody: describeBody(request.body, requestType, secrets) }),
    };
    let response: Response;
    try {
      response = await doFetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body as BodyInit | undefined,
        redirect: "manual",
        signal: options.signal,
        ...(request.body instanceof ReadableStream ? { duplex: "half" } : {}),
      } as RequestInit);
    } catch (error) {
      const exchange: Exchange = {
        ...base,
        status: "network-error",
        responseExcerpt: redact(String(error), secrets),
        durationMs: Math.round(performance.now() - started),
      };
      record(exchange);
      throw error;
    }
    const bytes =
      request.method === "HEAD" ? new Uint8Array(0) : new Uint8Array(await response.arrayBuffer());
    if (bytes.length > 0 && bytes.length < 1024 * 1024) harvest(new TextDecoder().decode(bytes));
    for (const [, value] of response.headers) harvest(value);
    const exchange: Exchange = {
      ...base,
      status: response.status,
      responseExcerpt: excerpt(bytes, secrets),
      durationMs: Math.round(performance.now() - started),
      responseHeaders: redactHeaders(response.headers, secrets),
      ...(request.method === "HEAD"
        ? {}
        : {
            responseBody: describeBody(bytes, response.headers.get("content-type") ?? undefined, secrets),
          }),
    };
    record(exchange);
    return {
      status: response.status,
      headers: response.headers,
      bytes,
      exchange,
      text: () => new TextDecoder().decode(bytes),
      json: <T>() => {
        try {
          return JSON.parse(new TextDecoder().decode(bytes)) as T;
        } catch {
          return undefined;
        }
      },
    };
  }

  const fail = (message: string, exchange?: Exchange): never => {
    throw new ConformanceFailure(redact(message, secrets), exchange ?? exchanges.at(-1));
  };

  return {
    secrets,
    target,
    http,
    random,
    signal: options.signal,
    fail,
    skip(reason) {
      throw new CheckSkipped(reason);
    },
    spend(bytes) {
      if (options.budget.remaining < bytes)
        throw new CheckSkipped(`data budget spent (needs ${bytes} more bytes; raise --max-bytes)`);
      options.budget.remaining -= bytes;
    },
    onCleanup(cleanup) {
      cleanups.push(cleanup);
    },
    async cleanup() {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
    },
    async property(arbitrary, predicate, propertyOptions) {
      let failing: { exchanges: Exchange[]; error: unknown } | undefined;
      const property = fc.asyncProperty(arbitrary, async (value) => {
        exchanges = [];
        run += 1;
        try {
          const result = await predicate(value);
          if (result === false) {
            failing = {
              exchanges,
              error: new ConformanceFailure("the property returned false", exchanges.at(-1)),
            };
            return false;
          }
          return true;
        } catch (error) {
          if (error instanceof CheckSkipped) throw error;
          failing = { exchanges, error };
          throw error;
        }
      });
      const details = await fc.check(property, {
        seed: options.seed,
        numRuns: propertyOptions?.numRuns ?? options.numRuns,
        ...(options.path === undefined ? {} : { path: options.path }),
        interruptAfterTimeLimit: options.propertyTimeMs,
        markInterruptAsFailure: false,
        endOnFailure: propertyOptions?.shrink === false,
      });
      if (!details.failed) return;
      const cause = details.errorInstance ?? failing?.error;
      if (cause instanceof CheckSkipped) throw cause;
      // A network failure or timeout inside a run is no counterexample: the check ends as an error.
      const infrastructure = infrastructureCause(cause);
      if (infrastructure !== undefined)
        throw new CheckError(redact(infrastructure, secrets), failing?.exchanges.at(-1));
      const message = cause instanceof Error ? cause.message : String(cause ?? "the property failed");
      const exchange =
        cause instanceof ConformanceFailure && cause.exchange ? cause.exchange : failing?.exchanges.at(-1);
      throw new PropertyFailure(
        redact(message, secrets),
        exchange,
        details.counterexample?.[0],
        details.seed,
        details.counterexamplePath ?? "",
        failing?.exchanges ?? [],
      );
    },
  };
}
