import fc from "fast-check";
import type { PartLimits } from "../../src/parts/limits.ts";

export const RULES = {
  minPartSize: "BS-PART-MIN-SIZE",
  maxPartSize: "BS-PART-MAX-SIZE",
  maxParts: "BS-PART-NUMBER",
  maxTotalSize: "CV-MAX-FILE-SIZE",
} as const;

/**
 * Valid limits with small numbers, so plans and streams stay cheap. `maxTotalSize` is sometimes
 * above `maxParts × maxPartSize` (a protocol without a documented file-size limit).
 */
export function smallLimits(max: { partSize?: number; parts?: number } = {}): fc.Arbitrary<PartLimits> {
  return fc
    .record({
      minPartSize: fc.nat({ max: max.partSize ?? 64 }),
      spread: fc.nat({ max: max.partSize ?? 64 }),
      maxParts: fc.integer({ min: 1, max: max.parts ?? 40 }),
      totalFraction: fc.double({ min: 0, max: 1.5, noNaN: true }),
      withRules: fc.boolean(),
    })
    .map(({ minPartSize, spread, maxParts, totalFraction, withRules }) => {
      const maxPartSize = Math.max(1, minPartSize + spread);
      const limits: PartLimits = {
        minPartSize,
        maxPartSize,
        maxParts,
        maxTotalSize: Math.floor(totalFraction * maxParts * maxPartSize),
        ...(withRules ? { rules: RULES } : {}),
      };
      return limits;
    });
}

/** What the limits allow a file to reach: the smaller of maxTotalSize and maxParts × maxPartSize. */
export function capacity(limits: PartLimits): number {
  return Math.min(limits.maxTotalSize, limits.maxParts * limits.maxPartSize);
}
