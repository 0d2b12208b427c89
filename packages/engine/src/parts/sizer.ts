/**
 * Part sizes for a stream of unknown length.
 *
 * Sources: BS-PART-NUMBER / CV-PART-NUMBER (at most 10,000 parts), BS-PART-MIN-SIZE,
 * BS-PART-MAX-SIZE, CV-PART-SIZE, CV-MAX-FILE-SIZE; BaseSpace presents multipart as a way to start
 * "before the total size is known" (PROTOCOLS.md §1).
 *
 * Why grow: with a fixed 5 MiB part a stream runs out of part numbers at 10,000 × 5 MiB ≈ 48.8
 * GiB, long before CAVATICA's 5 TiB. A fixed part big enough for the worst case (550 MB) wastes
 * memory on every small stream. So sizes start small and grow only as the stream does.
 *
 * The growth schedule. Parts come in groups of `G` equal parts; every group's parts are twice as
 * large as the previous group's, capped at `maxPartSize`:
 *
 *     size(n) = min(maxPartSize, p0 × 2^floor((n − 1) / G))        for n = 1 .. maxParts
 *
 * `p0` is the preferred size clamped to the limits. `G` is the LARGEST group length for which the
 * first `maxParts` sizes still add up to `min(maxTotalSize, maxParts × maxPartSize)`, so parts stay
 * at `p0` for as long as the guarantee allows; `G = maxParts` (no growth) when `p0` alone is
 * enough. If even `G = 1` (doubling on every part) falls short — few parts, or `maxTotalSize`
 * near `maxParts × maxPartSize` — `p0` is raised to the smallest size for which `G = 1` suffices.
 *
 * Examples. CAVATICA (5 MiB..5 GiB, 10,000 parts, 5 TiB) from 16 MiB: G = 1245, so the first
 * 19.5 GiB go in 16 MiB parts, the next 1245 parts are 32 MiB, and so on. From 8 MiB: G = 1089.
 * BaseSpace with `maxTotalSize` = 10,000 × 25MB: every part is 25MB, since any smaller part would
 * leave the last byte of the largest allowed file without a part number.
 *
 * Rules kept, for any valid limits: every size is within `[max(minPartSize, 1), maxPartSize]`,
 * sizes never decrease, and the first `maxParts` sizes sum to at least `maxTotalSize` (or to
 * `maxParts × maxPartSize`, all the limits allow, when that is smaller).
 */

import {
  clampPartSize,
  DEFAULT_PART_SIZE,
  PartLimitError,
  type PartLimits,
  validateLimits,
} from "./limits.ts";

export interface PartSizerOptions {
  /** Size of the first parts; default 8 MiB, clamped to the limits. */
  readonly preferredPartSize?: number | undefined;
}

export interface PartSizer {
  /** Number of the part that the next `nextPartSize()` call sizes (1 before the first call). */
  readonly partNumber: number;
  /** Size of part `partNumber`, then moves to the next part. Throws `PartLimitError` past `maxParts`. */
  nextPartSize(): number;
  /** Size of part `number` (1..maxParts) without moving; lets a resumed stream rebuild offsets. */
  partSizeAt(number: number): number;
  /** `p0` of the schedule: the size of part 1. */
  readonly initialPartSize: number;
  /** `G` of the schedule: how many parts share each size before it doubles. */
  readonly groupLength: number;
}

/** Whether `maxParts` parts of the schedule (p0, G) add up to at least `target` bytes. */
function reaches(p0: number, groupLength: number, limits: PartLimits, target: number): boolean {
  const { maxParts, maxPartSize } = limits;
  let sum = 0;
  let counted = 0;
  let size = p0;
  while (counted < maxParts) {
    // Once capped, the remaining parts contribute in one step: at most ~53 doublings run.
    if (size >= maxPartSize) return sum + (maxParts - counted) * maxPartSize >= target;
    const count = Math.min(groupLength, maxParts - counted);
    sum += count * size;
    counted += count;
    if (sum >= target) return true;
    size = Math.min(maxPartSize, size * 2);
  }
  return sum >= target;
}

/** Computes `p0` and `G` of the growth schedule (see the file comment). */
function schedule(limits: PartLimits, preferred: number): { p0: number; groupLength: number } {
  const target = Math.min(limits.maxTotalSize, limits.maxParts * limits.maxPartSize);
  if (reaches(preferred, limits.maxParts, limits, target))
    return { p0: preferred, groupLength: limits.maxParts };
  if (reaches(preferred, 1, limits, target)) {
    // Largest G that still reaches the target; `reaches` only gets harder as G grows.
    let low = 1;
    let high = limits.maxParts;
    while (low < high) {
      const middle = low + Math.ceil((high - low) / 2);
      if (reaches(preferred, middle, limits, target)) low = middle;
      else high = middle - 1;
    }
    return { p0: preferred, groupLength: low };
  }
  // Smallest p0 that reaches the target with G = 1; p0 = maxPartSize always does.
  let low = preferred;
  let high = limits.maxPartSize;
  while (low < high) {
    const middle = low + Math.floor((high - low) / 2);
    if (reaches(middle, 1, limits, target)) high = middle;
    else low = middle + 1;
  }
  return { p0: low, groupLength: 1 };
}

/**
 * A part sizer for a stream of unknown length that can never run out of part numbers before
 * `maxTotalSize`. Throws `InvalidPartLimitsError` for nonsense limits or preferred size.
 */
export function createPartSizer(limits: PartLimits, options: PartSizerOptions = {}): PartSizer {
  validateLimits(limits);
  const { p0, groupLength } = schedule(
    limits,
    clampPartSize(limits, options.preferredPartSize, DEFAULT_PART_SIZE),
  );

  const partSizeAt = (number: number): number => {
    if (!(Number.isSafeInteger(number) && number >= 1 && number <= limits.maxParts)) {
      throw new PartLimitError(
        `A stream may have parts 1..${limits.maxParts}; part ${String(number)} is beyond it`,
        {
          limit: "maxParts",
          value: number,
          bound: limits.maxParts,
          rule: limits.rules?.maxParts,
        },
      );
    }
    const doublings = Math.floor((number - 1) / groupLength);
    // Past 2^60 × p0 every size is capped; the early exit keeps 2 ** doublings finite.
    return doublings >= 60 ? limits.maxPartSize : Math.min(limits.maxPartSize, p0 * 2 ** doublings);
  };

  let partNumber = 1;
  return {
    get partNumber(): number {
      return partNumber;
    },
    nextPartSize(): number {
      const size = partSizeAt(partNumber);
      partNumber += 1;
      return size;
    },
    partSizeAt,
    initialPartSize: p0,
    groupLength,
  };
}
