/**
 * Errors of @partwise/engine.
 *
 * After undici: one class per failure condition, each with a stable literal `code` users match on,
 * a `name`, and a `Symbol.for` brand so an error is recognised across two installed copies of the
 * package (`isPartwiseError`), where `instanceof` would fail. Every error that a protocol or RFC
 * rule explains carries that rule's id from `specs/rules.yaml` in `rule`.
 *
 * After h11, errors say whose fault they are: `local` when the caller broke a rule (bad input to
 * the engine), `remote` when a peer did (a malformed body received from the network).
 */

const brand: unique symbol = Symbol.for("@partwise/error");

/** Who broke the rule: this side (`local`) or the peer whose bytes we are reading (`remote`). */
export type ErrorSide = "local" | "remote";

export interface PartwiseErrorOptions {
  /** Rule id from `specs/rules.yaml`, when a documented rule explains the failure. */
  readonly rule?: string | undefined;
  readonly side?: ErrorSide | undefined;
  readonly cause?: unknown;
}

export abstract class PartwiseError extends Error {
  /** Stable, literal machine-readable code; match on this, not on the message. */
  abstract readonly code: string;
  /** Rule id from `specs/rules.yaml`, or undefined when no rule applies. */
  readonly rule: string | undefined;
  readonly side: ErrorSide;

  constructor(message: string, options: PartwiseErrorOptions = {}) {
    super(options.rule === undefined ? message : `${message} [${options.rule}]`, {
      cause: options.cause,
    });
    this.rule = options.rule;
    this.side = options.side ?? "local";
  }

  override get name(): string {
    return this.constructor.name;
  }
}

// The brand lives on the prototype, so every subclass instance carries it without a declared field.
Object.defineProperty(PartwiseError.prototype, brand, { value: true, enumerable: false });

/** True for any Partwise error, from this copy of the package or another one. */
export function isPartwiseError(value: unknown): value is PartwiseError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}
