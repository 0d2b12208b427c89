import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidPartLimitsError, type PartLimits, validateLimits } from "../../src/parts/limits.ts";
import { smallLimits } from "./arbitraries.ts";

const FIELDS = ["minPartSize", "maxPartSize", "maxParts", "maxTotalSize"] as const;
const NOT_A_COUNT = [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, -0.25];

describe("validateLimits", () => {
  it("accepts any consistent limits", () => {
    fc.assert(
      fc.property(smallLimits({ partSize: 1 << 30, parts: 1 << 20 }), (limits) => {
        expect(() => validateLimits(limits)).not.toThrow();
      }),
    );
  });

  it("accepts the real protocols' limits", () => {
    for (const limits of [
      { minPartSize: 5e6, maxPartSize: 25e6, maxParts: 10_000, maxTotalSize: Number.MAX_SAFE_INTEGER },
      { minPartSize: 5 * 2 ** 20, maxPartSize: 5 * 2 ** 30, maxParts: 10_000, maxTotalSize: 5 * 2 ** 40 },
    ])
      expect(() => validateLimits(limits)).not.toThrow();
  });

  it("rejects a limit that is not a non-negative safe integer, naming the field", () => {
    fc.assert(
      fc.property(
        smallLimits(),
        fc.constantFrom(...FIELDS),
        fc.constantFrom(...NOT_A_COUNT),
        (limits, field, bad) => {
          const broken: PartLimits = { ...limits, [field]: bad };
          expect(() => validateLimits(broken)).toThrow(
            expect.objectContaining({ code: "PW_PART_LIMITS_INVALID", field }),
          );
        },
      ),
    );
  });

  it("rejects minPartSize above maxPartSize, and zero maxPartSize or maxParts", () => {
    fc.assert(
      fc.property(smallLimits(), fc.integer({ min: 1, max: 100 }), (limits, excess) => {
        expect(() => validateLimits({ ...limits, minPartSize: limits.maxPartSize + excess })).toThrow(
          expect.objectContaining({ field: "minPartSize" }),
        );
      }),
    );
    const ok: PartLimits = { minPartSize: 0, maxPartSize: 1, maxParts: 1, maxTotalSize: 1 };
    expect(() => validateLimits({ ...ok, maxPartSize: 0 })).toThrow(InvalidPartLimitsError);
    expect(() => validateLimits({ ...ok, maxParts: 0 })).toThrow(InvalidPartLimitsError);
  });
});
