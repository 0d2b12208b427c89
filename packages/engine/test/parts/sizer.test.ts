import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PartLimits } from "../../src/parts/limits.ts";
import { createPartSizer } from "../../src/parts/sizer.ts";
import { capacity, RULES, smallLimits } from "./arbitraries.ts";

const MiB = 2 ** 20;
const CAVATICA: PartLimits = {
  minPartSize: 5 * MiB,
  maxPartSize: 5 * 1024 * MiB,
  maxParts: 10_000,
  maxTotalSize: 5 * 2 ** 40,
};

/** Sum of the first maxParts sizes of schedule (p0, G), computed part by part. */
function scheduleSum(p0: number, groupLength: number, limits: PartLimits): number {
  let sum = 0;
  for (let n = 1; n <= limits.maxParts; n++) {
    sum += Math.min(limits.maxPartSize, p0 * 2 ** Math.floor((n - 1) / groupLength));
  }
  return sum;
}

/** Wider limits than the plan tests use: part sizes up to 2^20, up to 3000 parts. */
const sizerCase = fc.record({
  limits: smallLimits({ partSize: 1 << 20, parts: 3000 }),
  preferredPartSize: fc.option(fc.integer({ min: 1, max: 1 << 21 }), { nil: undefined }),
});

describe("createPartSizer", () => {
  it("keeps every size within [max(min, 1), max], never decreasing, and the first maxParts reach the capacity", () => {
    fc.assert(
      fc.property(sizerCase, ({ limits, preferredPartSize }) => {
        const sizer = createPartSizer(limits, { preferredPartSize });
        const lowest = Math.max(limits.minPartSize, 1);
        let previous = 0;
        let sum = 0;
        // Plain comparisons inside the loop keep 3000-part runs fast; the first violation is reported.
        for (let n = 1; n <= limits.maxParts; n++) {
          const numberBefore = sizer.partNumber;
          const size = sizer.nextPartSize();
          const ok =
            numberBefore === n &&
            size === sizer.partSizeAt(n) &&
            size >= lowest &&
            size <= limits.maxPartSize &&
            size >= previous;
          if (!ok) expect({ n, numberBefore, size, previous, at: sizer.partSizeAt(n) }).toBe("a valid size");
          previous = size;
          sum += size;
        }
        expect(sum).toBeGreaterThanOrEqual(capacity(limits));
      }),
    );
  });

  it("stays at the preferred size as long as the guarantee allows: one more part per group would fall short", () => {
    fc.assert(
      fc.property(sizerCase, ({ limits, preferredPartSize }) => {
        const sizer = createPartSizer(limits, { preferredPartSize });
        const clamped = Math.min(
          limits.maxPartSize,
          Math.max(limits.minPartSize, 1, preferredPartSize ?? 8 * MiB),
        );
        if (sizer.initialPartSize === clamped) {
          if (sizer.groupLength < limits.maxParts) {
            expect(scheduleSum(clamped, sizer.groupLength + 1, limits)).toBeLessThan(capacity(limits));
          }
        } else {
          // Raised only when doubling on every part from the preferred size falls short, and minimally.
          expect(sizer.groupLength).toBe(1);
          expect(sizer.initialPartSize).toBeGreaterThan(clamped);
          expect(scheduleSum(sizer.initialPartSize - 1, 1, limits)).toBeLessThan(capacity(limits));
        }
      }),
    );
  });

  it("throws maxParts, with its rule, for a part past maxParts", () => {
    fc.assert(
      fc.property(smallLimits(), (limits) => {
        const sizer = createPartSizer({ ...limits, rules: RULES });
        for (let n = 1; n <= limits.maxParts; n++) sizer.nextPartSize();
        expect(() => sizer.nextPartSize()).toThrow(
          expect.objectContaining({ code: "PW_PART_LIMIT", limit: "maxParts", rule: "BS-PART-NUMBER" }),
        );
        expect(() => sizer.partSizeAt(0)).toThrow(expect.objectContaining({ limit: "maxParts" }));
      }),
    );
  });

  it("CAVATICA from 16 MiB (documented): 1245 parts of 16 MiB, then 1245 of 32 MiB, ... up to 5 TiB", () => {
    const sizer = createPartSizer(CAVATICA, { preferredPartSize: 16 * MiB });
    expect(sizer.initialPartSize).toBe(16 * MiB);
    expect(sizer.groupLength).toBe(1245);
    expect(sizer.partSizeAt(1245)).toBe(16 * MiB);
    expect(sizer.partSizeAt(1246)).toBe(32 * MiB);
    expect(scheduleSum(16 * MiB, 1245, CAVATICA)).toBeGreaterThanOrEqual(CAVATICA.maxTotalSize);
    expect(createPartSizer(CAVATICA).groupLength).toBe(1089);
  });

  it("a fixed 5 MiB part would stop at ~48.8 GiB; the sizer from 5 MiB reaches 5 TiB", () => {
    expect(10_000 * 5 * MiB).toBeLessThan(49 * 2 ** 30);
    const sizer = createPartSizer(CAVATICA, { preferredPartSize: 5 * MiB });
    expect(scheduleSum(sizer.initialPartSize, sizer.groupLength, CAVATICA)).toBeGreaterThanOrEqual(
      5 * 2 ** 40,
    );
  });

  it("BaseSpace with maxTotalSize = 10,000 × 25MB (documented): every part is 25MB", () => {
    const sizer = createPartSizer({
      minPartSize: 5e6,
      maxPartSize: 25e6,
      maxParts: 10_000,
      maxTotalSize: 250e9,
    });
    expect(sizer.initialPartSize).toBe(25e6);
    expect(sizer.partSizeAt(10_000)).toBe(25e6);
  });

  it("handles limits at the edge of safe integers without overflow", () => {
    const sizer = createPartSizer({
      minPartSize: 1,
      maxPartSize: Number.MAX_SAFE_INTEGER,
      maxParts: Number.MAX_SAFE_INTEGER,
      maxTotalSize: Number.MAX_SAFE_INTEGER,
    });
    expect(sizer.partSizeAt(1)).toBe(8 * MiB);
    expect(sizer.partSizeAt(Number.MAX_SAFE_INTEGER)).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
    expect(Number.isSafeInteger(sizer.partSizeAt(2 ** 40))).toBe(true);
  });
});
