/**
 * Planning the parts of a file of known size, and checking one part against the limits.
 *
 * Sources: BS-PART-NUMBER (parts 1..10000), BS-PART-MIN-SIZE (every part but the last at least
 * 5MB), BS-PART-MAX-SIZE (no part above 25MB); CV-PART-NUMBER, CV-PART-SIZE, CV-MAX-FILE-SIZE;
 * the CAVATICA SDK's "empty files become one empty part".
 *
 * Rules kept: parts are numbered from 1, contiguous and sum to the file size; every part but the
 * last has the same size, within `[minPartSize, maxPartSize]`; the last is at most that size;
 * there are never more than `maxParts`. The preferred size only grows, and only as far as
 * `ceil(totalSize / maxParts)`, when the file would otherwise need too many parts (the C# SDK's
 * rule, kept inside `maxPartSize`). When no plan exists the error names the limit and its rule.
 */

import type { ErrorSide } from "../errors.ts";
import {
  clampPartSize,
  DEFAULT_PART_SIZE,
  isByteCount,
  PartLimitError,
  type PartLimits,
  validateLimits,
} from "./limits.ts";

/** One part of a plan: bytes `[offset, offset + size)` of the file, uploaded as part `number`. */
export interface PlannedPart {
  readonly number: number;
  readonly offset: number;
  readonly size: number;
}

export interface PlanOptions {
  /** Part size to use when the limits allow it; default 8 MiB, clamped to the limits. */
  readonly preferredPartSize?: number | undefined;
}

/**
 * Splits a file of `totalSize` bytes into parts that keep `limits`. A 0-byte file is one empty
 * part. Throws `PartLimitError` when the size is not a byte count (`"totalSize"`), exceeds
 * `maxTotalSize`, or needs more than `maxParts` parts of at most `maxPartSize` (`"maxParts"`);
 * throws `InvalidPartLimitsError` for nonsense limits.
 */
export function planParts(totalSize: number, limits: PartLimits, options: PlanOptions = {}): PlannedPart[] {
  validateLimits(limits);
  const preferred = clampPartSize(limits, options.preferredPartSize, DEFAULT_PART_SIZE);
  if (!isByteCount(totalSize)) {
    throw new PartLimitError(`File size must be a non-negative safe integer, got ${String(totalSize)}`, {
      limit: "totalSize",
      value: totalSize,
    });
  }
  if (totalSize > limits.maxTotalSize) {
    throw new PartLimitError(`File size ${totalSize} exceeds the maximum of ${limits.maxTotalSize} bytes`, {
      limit: "maxTotalSize",
      value: totalSize,
      bound: limits.maxTotalSize,
      rule: limits.rules?.maxTotalSize,
    });
  }
  if (totalSize === 0) return [{ number: 1, offset: 0, size: 0 }];

  let partSize = preferred;
  if (Math.ceil(totalSize / partSize) > limits.maxParts) {
    // The smallest size that fits in maxParts parts; it is above `preferred`, hence above min.
    partSize = Math.ceil(totalSize / limits.maxParts);
    if (partSize > limits.maxPartSize) {
      const needed = Math.ceil(totalSize / limits.maxPartSize);
      throw new PartLimitError(
        `File size ${totalSize} needs ${needed} parts of at most ${limits.maxPartSize} bytes; at most ${limits.maxParts} are allowed`,
        { limit: "maxParts", value: needed, bound: limits.maxParts, rule: limits.rules?.maxParts },
      );
    }
  }

  const count = Math.ceil(totalSize / partSize);
  const parts: PlannedPart[] = [];
  for (let index = 0; index < count; index++) {
    const offset = index * partSize;
    parts.push({ number: index + 1, offset, size: Math.min(partSize, totalSize - offset) });
  }
  return parts;
}

export interface PartCheck {
  /** The last part of the file may be smaller than `minPartSize` (even empty). */
  readonly isFinal: boolean;
  /** When given, also checks `1 ≤ partNumber ≤ maxParts`. */
  readonly partNumber?: number | undefined;
  /** Whose fault a failure is: `remote` when a server checks a client's part. Default `local`. */
  readonly side?: ErrorSide | undefined;
}

/**
 * Throws `PartLimitError` naming the broken limit and its rule unless a part of `size` bytes
 * keeps `limits`: at most `maxPartSize`, and at least `minPartSize` unless it is the final part.
 * Servers call it for every part they receive.
 */
export function assertPartWithinLimits(size: number, check: PartCheck, limits: PartLimits): void {
  validateLimits(limits);
  const side = check.side;
  const number = check.partNumber;
  if (number !== undefined && !(Number.isSafeInteger(number) && number >= 1 && number <= limits.maxParts)) {
    throw new PartLimitError(
      `Part number must be an integer in 1..${limits.maxParts}, got ${String(number)}`,
      {
        limit: "maxParts",
        value: number,
        bound: limits.maxParts,
        rule: limits.rules?.maxParts,
        side,
      },
    );
  }
  const which = number === undefined ? "Part" : `Part ${number}`;
  if (!isByteCount(size)) {
    throw new PartLimitError(`${which} size must be a non-negative safe integer, got ${String(size)}`, {
      limit: "totalSize",
      value: size,
      side,
    });
  }
  if (size > limits.maxPartSize) {
    throw new PartLimitError(`${which} is ${size} bytes; no part may exceed ${limits.maxPartSize} bytes`, {
      limit: "maxPartSize",
      value: size,
      bound: limits.maxPartSize,
      rule: limits.rules?.maxPartSize,
      side,
    });
  }
  if (!check.isFinal && size < limits.minPartSize) {
    throw new PartLimitError(
      `${which} is ${size} bytes; every part but the last must be at least ${limits.minPartSize} bytes`,
      { limit: "minPartSize", value: size, bound: limits.minPartSize, rule: limits.rules?.minPartSize, side },
    );
  }
}
