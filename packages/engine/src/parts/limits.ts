/**
 * Part limits of a multipart protocol and the errors that name them.
 *
 * Sources: BaseSpace parts 1..10000, at least 5MB except the last, at most 25MB (BS-PART-NUMBER,
 * BS-PART-MIN-SIZE, BS-PART-MAX-SIZE); CAVATICA 5 MiB..5 GiB, 10,000 parts, 5 TiB per file
 * (CV-PART-NUMBER, CV-PART-SIZE, CV-MAX-FILE-SIZE); YouForce chunk sizes (YF-RESUMABLE-CHUNK-SIZE).
 * Each protocol package exports its own `PartLimits` and maps every limit to its rule id in
 * `rules`, so an engine error names the protocol rule that was broken.
 *
 * After multipasta, every limit error names the limit it hit (`limit: "maxPartSize"`), and the
 * rule id travels with it. A limit that is nonsense on its own (fractional, negative, min above
 * max) is a configuration bug, not a broken protocol rule, and gets its own error.
 */

import { type ErrorSide, PartwiseError } from "../errors.ts";

/** Rule ids of the protocol, one per limit, carried by the errors that limit raises. */
export interface PartLimitRules {
  readonly minPartSize?: string | undefined;
  readonly maxPartSize?: string | undefined;
  readonly maxParts?: string | undefined;
  readonly maxTotalSize?: string | undefined;
}

/**
 * Limits on the parts of one upload, all in bytes except `maxParts`.
 *
 * `maxTotalSize` may exceed `maxParts × maxPartSize` (a protocol that documents no file-size
 * limit can pass `Number.MAX_SAFE_INTEGER`); a file above that product then fails on `maxParts`.
 */
export interface PartLimits {
  /** Smallest size of every part but the last. */
  readonly minPartSize: number;
  /** Largest size of any part, the last included. */
  readonly maxPartSize: number;
  /** Largest part number; parts are numbered from 1. */
  readonly maxParts: number;
  /** Largest file. */
  readonly maxTotalSize: number;
  readonly rules?: PartLimitRules | undefined;
}

/**
 * Which limit a size broke. `"totalSize"` means the size itself is not a byte count (negative,
 * fractional, or above `Number.MAX_SAFE_INTEGER`).
 */
export type PartLimitName = "minPartSize" | "maxPartSize" | "maxParts" | "maxTotalSize" | "totalSize";

/** A size or part count falls outside the limits, so no valid part (or plan) exists. */
export class PartLimitError extends PartwiseError {
  readonly code = "PW_PART_LIMIT" as const;
  readonly limit: PartLimitName;
  /** The offending value: a size in bytes, or a part number / count for `maxParts`. */
  readonly value: number;
  /** The limit's value, when the limit has one. */
  readonly bound: number | undefined;

  constructor(
    message: string,
    details: {
      readonly limit: PartLimitName;
      readonly value: number;
      readonly bound?: number | undefined;
      readonly rule?: string | undefined;
      readonly side?: ErrorSide | undefined;
    },
  ) {
    super(message, { rule: details.rule, side: details.side });
    this.limit = details.limit;
    this.value = details.value;
    this.bound = details.bound;
  }
}

/** A `PartLimits` value (or a part-size option) cannot describe any protocol. */
export class InvalidPartLimitsError extends PartwiseError {
  readonly code = "PW_PART_LIMITS_INVALID" as const;
  /** The field that is nonsense, e.g. `"minPartSize"` or `"preferredPartSize"`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** True for integers in 0..Number.MAX_SAFE_INTEGER: byte counts the engine can add exactly. */
export function isByteCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/**
 * Throws `InvalidPartLimitsError` unless every limit is a safe integer, `maxPartSize` and
 * `maxParts` are at least 1, and `minPartSize ≤ maxPartSize`.
 */
export function validateLimits(limits: PartLimits): void {
  for (const field of ["minPartSize", "maxPartSize", "maxParts", "maxTotalSize"] as const) {
    if (!isByteCount(limits[field])) {
      throw new InvalidPartLimitsError(
        field,
        `${field} must be a non-negative safe integer, got ${String(limits[field])}`,
      );
    }
  }
  if (limits.maxPartSize < 1)
    throw new InvalidPartLimitsError("maxPartSize", "maxPartSize must be at least 1");
  if (limits.maxParts < 1) throw new InvalidPartLimitsError("maxParts", "maxParts must be at least 1");
  if (limits.minPartSize > limits.maxPartSize) {
    throw new InvalidPartLimitsError(
      "minPartSize",
      `minPartSize (${limits.minPartSize}) exceeds maxPartSize (${limits.maxPartSize})`,
    );
  }
}

/**
 * The part size to start from: `preferredPartSize` (or `defaultSize`) clamped to
 * `[max(minPartSize, 1), maxPartSize]`. A non-empty part is at least one byte even when the
 * protocol allows `minPartSize: 0`.
 */
export function clampPartSize(
  limits: PartLimits,
  preferredPartSize: number | undefined,
  defaultSize: number,
): number {
  const preferred = preferredPartSize ?? defaultSize;
  if (!Number.isSafeInteger(preferred) || preferred < 1) {
    throw new InvalidPartLimitsError(
      "preferredPartSize",
      `preferredPartSize must be a positive safe integer, got ${String(preferred)}`,
    );
  }
  return Math.min(limits.maxPartSize, Math.max(limits.minPartSize, 1, preferred));
}

/**
 * Default part size when the caller prefers none: 8 MiB, clamped to the limits. Large enough that
 * per-request overhead is small, small enough that a few parts in flight fit in a browser tab.
 */
export const DEFAULT_PART_SIZE: number = 8 * 1024 * 1024;
