/**
 * What a reference server answers when a request fails, in one place for the three servers:
 *
 * - a `Refusal` is a request the server refuses on purpose, with its status, the rule of
 *   specs/rules.yaml it enforces and any headers (`Allow`, `WWW-Authenticate`, `Content-Range`);
 *   each protocol renders it in its own error envelope;
 * - every other failure is one of the `FailureKind`s, whose HTTP status `FAILURE_STATUS` fixes
 *   (exhaustive: a new kind cannot go unmapped), with a message that names no path, token or
 *   request text.
 */
import { isPartwiseError } from "@partwise/engine";
import { BlobTooLargeError, InvalidStoreKeyError, isBodyAborted, storageFailure } from "../store.ts";

const refusalBrand: unique symbol = Symbol.for("@partwise/node.Refusal");

/**
 * A refusal on its way to the client: the status, a message that names the rule (never a token),
 * the rule id and extra headers. Recognised by a `Symbol.for` brand, so `instanceof` works across
 * two copies of this package. Protocols subclass it to carry what their envelope adds.
 */
export class Refusal extends Error {
  override readonly name: string = "Refusal";
  readonly code = "PW_REFUSAL" as const;

  constructor(
    readonly status: number,
    message: string,
    readonly rule?: string | undefined,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[refusalBrand] === true
    );
  }
}
Object.defineProperty(Refusal.prototype, refusalBrand, { value: true, enumerable: false });

/** The failures a server meets that are not refusals, each with one status. */
export type FailureKind =
  /** A key or id from the request that cannot name anything stored (`InvalidStoreKeyError`). */
  | "invalid-key"
  /** A body past the size limit of what it was for (`BlobTooLargeError`). */
  | "body-too-large"
  /** The client went away, or the body stream broke off, before its end. */
  | "body-aborted"
  /** The body stopped arriving (`ETIMEDOUT`; the listener's body idle timeout). */
  | "body-timeout"
  /** A protocol or RFC rule the engine enforces (a `PartwiseError` naming its rule). */
  | "framing"
  /** The disk is full or over quota (`ENOSPC`, `EDQUOT`). */
  | "storage-full"
  /** The process is out of file descriptors (`EMFILE`, `ENFILE`): retry later. */
  | "storage-exhausted"
  /** Any other failure of the disk (`EIO`, `EROFS`, `EACCES`, `EPERM`). */
  | "storage-failed"
  /** More connections are open than the listener's cap. */
  | "overloaded"
  /** Anything else: the server's fault, described to nobody. */
  | "unexpected";

/** The HTTP status of each failure kind. */
export const FAILURE_STATUS = {
  "invalid-key": 404,
  "body-too-large": 413,
  "body-aborted": 400,
  "body-timeout": 408,
  framing: 400,
  "storage-full": 507,
  "storage-exhausted": 503,
  "storage-failed": 500,
  overloaded: 503,
  unexpected: 500,
} as const satisfies Record<FailureKind, number>;

/** A failure as a server answers it: its kind, status, a safe message and the rule it names. */
export interface Failure {
  readonly kind: FailureKind;
  readonly status: (typeof FAILURE_STATUS)[FailureKind];
  readonly message: string;
  readonly rule?: string | undefined;
}

const STORAGE_KIND = { 507: "storage-full", 503: "storage-exhausted", 500: "storage-failed" } as const;

/** Classifies any failure that is not a `Refusal` (those carry their own answer). */
export function failureOf(error: unknown): Failure {
  const failure = (kind: FailureKind, message: string, rule?: string): Failure => ({
    kind,
    status: FAILURE_STATUS[kind],
    message,
    ...(rule === undefined ? {} : { rule }),
  });
  if (error instanceof InvalidStoreKeyError) return failure("invalid-key", "Not found");
  if (error instanceof BlobTooLargeError)
    return failure("body-too-large", `The content exceeds ${error.maxBytes} bytes; nothing was stored`);
  const storage = storageFailure(error);
  if (storage) return failure(STORAGE_KIND[storage.status], storage.message);
  if ((error as { code?: unknown } | null)?.code === "ETIMEDOUT")
    return failure("body-timeout", BODY_TIMEOUT_MESSAGE);
  if (isBodyAborted(error))
    return failure("body-aborted", "The request body ended before it was complete; nothing was stored");
  if (isPartwiseError(error) && error.rule !== undefined)
    return failure("framing", error.message, error.rule);
  return failure("unexpected", "An unexpected error occurred");
}

/** The message of a body that stopped arriving (the listener's 408). */
export const BODY_TIMEOUT_MESSAGE = "The request body stopped arriving; nothing was stored";
