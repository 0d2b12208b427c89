import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidPartLimitsError, PartLimitError, type PartLimits } from "../../src/parts/limits.ts";
import { assertPartWithinLimits, planParts } from "../../src/parts/plan.ts";
import { capacity, RULES, smallLimits } from "./arbitraries.ts";

const MiB = 2 ** 20;
const CAVATICA: PartLimits = {
  minPartSize: 5 * MiB,
  maxPartSize: 5 * 1024 * MiB,
  maxParts: 10_000,
  maxTotalSize: 5 * 2 ** 40,
};

/** Limits, a size they can hold, and maybe a preferred part size. */
const plannable = smallLimits().chain((limits) =>
  fc.record({
    limits: fc.constant(limits),
    totalSize: fc.integer({ min: 0, max: capacity(limits) }),
    preferredPartSize: fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }),
  }),
);

describe("planParts", () => {
  it("numbers parts from 1, contiguous, summing to the size, within every limit", () => {
    fc.assert(
      fc.property(plannable, ({ limits, totalSize, preferredPartSize }) => {
        const parts = planParts(totalSize, limits, { preferredPartSize });
        expect(parts.length).toBeGreaterThanOrEqual(1);
        expect(parts.length).toBeLessThanOrEqual(limits.maxParts);
        let offset = 0;
        for (const [index, part] of parts.entries()) {
          const isFinal = index === parts.length - 1;
          expect(part.number).toBe(index + 1);
          expect(part.offset).toBe(offset);
          expect(part.size).toBeLessThanOrEqual(limits.maxPartSize);
          if (!isFinal) {
            expect(part.size).toBeGreaterThanOrEqual(Math.max(limits.minPartSize, 1));
            expect(part.size).toBe(parts[0]!.size);
          } else if (totalSize > 0) {
            expect(part.size).toBeGreaterThan(0);
          }
          offset += part.size;
        }
        expect(offset).toBe(totalSize);
      }),
    );
  });

  it("uses the preferred size, clamped to the limits, whenever that fits in maxParts", () => {
    fc.assert(
      fc.property(plannable, ({ limits, totalSize, preferredPartSize }) => {
        fc.pre(totalSize > 0 && preferredPartSize !== undefined);
        const clamped = Math.min(limits.maxPartSize, Math.max(limits.minPartSize, 1, preferredPartSize!));
        const parts = planParts(totalSize, limits, { preferredPartSize });
        if (Math.ceil(totalSize / clamped) <= limits.maxParts) {
          expect(parts[0]!.size).toBe(Math.min(clamped, totalSize));
        } else {
          // Grown just enough: the smallest size that fits.
          expect(parts[0]!.size).toBe(Math.ceil(totalSize / limits.maxParts));
        }
      }),
    );
  });

  it("plans a 0-byte file as one empty part", () => {
    fc.assert(
      fc.property(smallLimits(), (limits) => {
        expect(planParts(0, limits)).toEqual([{ number: 1, offset: 0, size: 0 }]);
      }),
    );
  });

  it("grows the part size when the preferred size would need more than maxParts (100 GiB on CAVATICA)", () => {
    const parts = planParts(100 * 2 ** 30, CAVATICA, { preferredPartSize: 8 * MiB });
    expect(parts.length).toBe(10_000);
    expect(parts[0]!.size).toBe(Math.ceil((100 * 2 ** 30) / 10_000));
  });

  it("throws maxTotalSize with its rule for a file above maxTotalSize", () => {
    fc.assert(
      fc.property(smallLimits(), fc.integer({ min: 1, max: 1000 }), (limits, excess) => {
        const limitsWithRules = { ...limits, rules: RULES };
        expect(() => planParts(limits.maxTotalSize + excess, limitsWithRules)).toThrow(
          expect.objectContaining({ code: "PW_PART_LIMIT", limit: "maxTotalSize", rule: "CV-MAX-FILE-SIZE" }),
        );
      }),
    );
  });

  it("throws maxParts with its rule when maxParts × maxPartSize cannot hold the file", () => {
    fc.assert(
      fc.property(smallLimits(), fc.integer({ min: 1, max: 1000 }), (limits, excess) => {
        const ceiling = limits.maxParts * limits.maxPartSize;
        const withRoom = { ...limits, maxTotalSize: ceiling + excess, rules: RULES };
        expect(() => planParts(ceiling + excess, withRoom)).toThrow(
          expect.objectContaining({ limit: "maxParts", rule: "BS-PART-NUMBER", bound: limits.maxParts }),
        );
        expect(planParts(ceiling, withRoom).length).toBe(limits.maxParts);
      }),
    );
  });

  it.each([-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])(
    "throws totalSize for a size of %s",
    (size) => {
      expect(() => planParts(size, CAVATICA)).toThrow(expect.objectContaining({ limit: "totalSize" }));
    },
  );

  it("throws InvalidPartLimitsError for nonsense limits or preferred size", () => {
    expect(() => planParts(10, { ...CAVATICA, minPartSize: CAVATICA.maxPartSize + 1 })).toThrow(
      InvalidPartLimitsError,
    );
    for (const preferredPartSize of [0, -5, 1.5, Number.NaN]) {
      expect(() => planParts(10, CAVATICA, { preferredPartSize })).toThrow(
        expect.objectContaining({ code: "PW_PART_LIMITS_INVALID", field: "preferredPartSize" }),
      );
    }
  });
});

describe("assertPartWithinLimits", () => {
  /** The rule, stated directly. */
  function model(
    size: number,
    isFinal: boolean,
    partNumber: number | undefined,
    limits: PartLimits,
  ): string | null {
    if (partNumber !== undefined && (partNumber < 1 || partNumber > limits.maxParts)) return "maxParts";
    if (size > limits.maxPartSize) return "maxPartSize";
    if (!isFinal && size < limits.minPartSize) return "minPartSize";
    return null;
  }

  it("throws exactly when the model says the part breaks a limit, naming that limit and its rule", () => {
    fc.assert(
      fc.property(
        smallLimits(),
        fc.nat({ max: 160 }),
        fc.boolean(),
        fc.option(fc.integer({ min: -2, max: 45 }), { nil: undefined }),
        fc.constantFrom("local", "remote" as const),
        (limits, size, isFinal, partNumber, side) => {
          const expected = model(size, isFinal, partNumber, limits);
          const call = () =>
            assertPartWithinLimits(size, { isFinal, partNumber, side }, { ...limits, rules: RULES });
          if (expected === null) {
            expect(call).not.toThrow();
          } else {
            expect(call).toThrow(PartLimitError);
            expect(call).toThrow(
              expect.objectContaining({ limit: expected, rule: RULES[expected as keyof typeof RULES], side }),
            );
          }
        },
      ),
    );
  });

  it("lets the final part be empty but not oversized", () => {
    expect(() => assertPartWithinLimits(0, { isFinal: true }, CAVATICA)).not.toThrow();
    expect(() => assertPartWithinLimits(CAVATICA.maxPartSize + 1, { isFinal: true }, CAVATICA)).toThrow(
      expect.objectContaining({ limit: "maxPartSize" }),
    );
  });

  it("rejects a size that is not a byte count", () => {
    for (const size of [-1, 0.5, Number.NaN]) {
      expect(() => assertPartWithinLimits(size, { isFinal: true }, CAVATICA)).toThrow(
        expect.objectContaining({ limit: "totalSize" }),
      );
    }
  });

  it("mentions the rule id in the message", () => {
    expect(() =>
      assertPartWithinLimits(1, { isFinal: false, partNumber: 3 }, { ...CAVATICA, rules: RULES }),
    ).toThrow(/Part 3 .*\[BS-PART-MIN-SIZE\]/);
  });
});
