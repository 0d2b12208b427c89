/**
 * A conformance check: the executable form of one rule of specs/rules.yaml (its `check` field).
 * One check per rule id; the runner looks the rule's level up in the catalogue.
 *
 * A check throws to report a violation: `ConformanceFailure` (via `ctx.fail`/`ctx.expect…`), or a
 * fast-check property failure through `ctx.property`, which carries the shrunk counterexample and
 * the `seed`/`path` that replay it. It throws `CheckSkipped` when the target cannot be tested for
 * this rule (no second token for isolation, data budget spent, expiry too long to wait for).
 */
import type { CheckContext } from "./context.ts";
import type { BodyInfo, HeaderList } from "./exchange.ts";

export type Protocol = "basespace" | "cavatica" | "youforce";

export interface Check {
  /** The rule id of specs/rules.yaml this check tests. */
  readonly id: string;
  /** The protocol whose server is tested (MIME rules run against YouForce's multipart/related upload). */
  readonly protocol: Protocol;
  /** One line shown in reports. */
  readonly title: string;
  /** What the check needs of the target beyond the token (shown by `--list`); default nothing. */
  readonly needs?: readonly Need[] | undefined;
  run(ctx: CheckContext): Promise<void>;
}

/**
 * `second-token`: a second identity (`--other-token`), else skipped · `data`: uploads of several MiB
 * (counts against `--max-bytes`) · `waiting`: waits for the server's clock (`--wait`).
 */
export type Need = "second-token" | "data" | "waiting";

/** One HTTP request and its answer, as shown for a failure (credentials redacted). */
export interface Exchange {
  readonly method: string;
  /** URL with tokens, signatures and other credentials redacted. */
  readonly url: string;
  readonly status: number | "network-error";
  /** The first bytes of the request body (text, or a note for binary). */
  readonly requestExcerpt?: string | undefined;
  /** The first bytes of the response body (text, or a note for binary), redacted. */
  readonly responseExcerpt?: string | undefined;
  /** When the request was sent (ISO 8601) and how long until the whole answer was read. */
  readonly startedAt?: string | undefined;
  readonly durationMs?: number | undefined;
  /** Request and response headers, credentials redacted. */
  readonly requestHeaders?: HeaderList | undefined;
  readonly responseHeaders?: HeaderList | undefined;
  /** The bodies: size, MD5, a text or hex excerpt, multipart bodies part by part. */
  readonly requestBody?: BodyInfo | undefined;
  readonly responseBody?: BodyInfo | undefined;
}

/** The server broke the rule: what was expected, what happened, and the exchange that showed it. */
export class ConformanceFailure extends Error {
  override readonly name = "ConformanceFailure";
  constructor(
    message: string,
    readonly exchange?: Exchange | undefined,
  ) {
    super(message);
  }
}

/**
 * The check could not be run to a verdict for a reason that is not the server's breach of the rule:
 * the target is unreachable, TLS or DNS failed, the token was refused at a pre-flight, the check
 * timed out, or the check itself is defective. Reported with status `error` (JUnit `<error>`), never
 * as a broken rule.
 */
export class CheckError extends Error {
  override readonly name = "CheckError";
  constructor(
    message: string,
    readonly exchange?: Exchange | undefined,
  ) {
    super(message);
  }
}

/** The rule cannot be tested against this target; `reason` says why (shown in the report). */
export class CheckSkipped extends Error {
  override readonly name = "CheckSkipped";
}

/** A fast-check property found a counterexample: shrunk value, seed and path to replay it. */
export class PropertyFailure extends ConformanceFailure {
  constructor(
    message: string,
    exchange: Exchange | undefined,
    readonly counterexample: unknown,
    readonly seed: number,
    readonly path: string,
    /** Every exchange of the failing run, in order. */
    readonly exchanges: readonly Exchange[] = [],
  ) {
    super(message, exchange);
  }
}
