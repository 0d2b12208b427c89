import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { md5 } from "../../src/hash/digest.ts";
import type { PartLimits } from "../../src/parts/limits.ts";
import { planParts } from "../../src/parts/plan.ts";
import {
  DuplicatePartError,
  joinParts,
  MissingPartError,
  PartMismatchError,
  type ReassemblyPart,
  reassemble,
} from "../../src/parts/reassemble.ts";
import { capacity, RULES, smallLimits } from "./arbitraries.ts";

interface TestPart extends ReassemblyPart {
  readonly bytes: Uint8Array;
  readonly md5: Uint8Array;
  readonly tag: string;
}

/** Plans `data` under `limits` and returns its parts with bytes and MD5s, in part order. */
async function partsOf(data: Uint8Array, limits: PartLimits): Promise<TestPart[]> {
  return Promise.all(
    planParts(data.length, limits).map(async ({ number, offset, size }) => {
      const bytes = data.slice(offset, offset + size);
      return { number, size, bytes, md5: await md5(bytes), tag: `part-${number}` };
    }),
  );
}

const fileCase = smallLimits().chain((limits) =>
  fc
    .record({
      limits: fc.constant(limits),
      data: fc.uint8Array({ maxLength: Math.min(capacity(limits), 300) }),
    })
    .chain(({ limits, data }) => {
      const count = planParts(data.length, limits).length;
      const order = fc.shuffledSubarray([...Array(count).keys()], { minLength: count, maxLength: count });
      return fc.record({ limits: fc.constant(limits), data: fc.constant(data), order });
    }),
);

const LIMITS: PartLimits = { minPartSize: 4, maxPartSize: 8, maxParts: 100, maxTotalSize: 800 };
const part = (number: number, size = 4): ReassemblyPart => ({ number, size });

describe("reassemble", () => {
  it("reassemble(shuffle(parts)) joined equals the original bytes, with the parts' own fields kept", async () => {
    await fc.assert(
      fc.asyncProperty(fileCase, fc.boolean(), async ({ limits, data, order }, contiguous) => {
        const parts = await partsOf(data, limits);
        const shuffled = order.map((k) => parts[k]!);
        const result = await reassemble(shuffled, { contiguous, limits });
        expect(result.parts.map((p) => p.number)).toEqual(parts.map((p) => p.number));
        expect(result.parts.map((p) => p.tag)).toEqual(parts.map((p) => p.tag));
        expect(result.totalSize).toBe(data.length);
        expect(joinParts(result.parts)).toEqual(data);
      }),
    );
  });

  it("reports each duplicated number once, with the completion rule", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 5 }),
        async (numbers, repeats) => {
          const duplicated = repeats.filter((n) => numbers.includes(n));
          fc.pre(duplicated.length > 0);
          const parts = [...numbers, ...duplicated, ...duplicated].map((n) => part(n));
          await expect(reassemble(parts, { rules: { complete: "BS-COMPLETE-ORDER" } })).rejects.toMatchObject(
            {
              code: "PW_PART_DUPLICATE",
              numbers: [...duplicated].sort((a, b) => a - b),
              rule: "BS-COMPLETE-ORDER",
            },
          );
        },
      ),
    );
  });

  it("with contiguous, reports exactly the numbers missing below the highest; without, allows gaps", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 20 }),
        async (numbers) => {
          const highest = Math.max(...numbers);
          const missing = [...Array(highest).keys()].map((k) => k + 1).filter((n) => !numbers.includes(n));
          const parts = numbers.map((n) => part(n));
          const lenient = await reassemble(parts);
          expect(lenient.parts.map((p) => p.number)).toEqual([...numbers].sort((a, b) => a - b));
          if (missing.length === 0) {
            await expect(reassemble(parts, { contiguous: true })).resolves.toMatchObject({
              totalSize: 4 * numbers.length,
            });
          } else {
            await expect(
              reassemble(parts, { contiguous: true, rules: { complete: "CV-COMPLETE-ORDER" } }),
            ).rejects.toMatchObject({
              code: "PW_PART_MISSING",
              missing,
              missingCount: missing.length,
              rule: "CV-COMPLETE-ORDER",
            });
          }
        },
      ),
    );
  });

  it("lists at most 1000 missing numbers but counts them all", async () => {
    const error = await reassemble([part(2 ** 40)], { contiguous: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingPartError);
    expect((error as MissingPartError).missing).toHaveLength(1000);
    expect((error as MissingPartError).missing.at(-1)).toBe(1000);
    expect((error as MissingPartError).missingCount).toBe(2 ** 40 - 1);
  });

  it("refuses an empty list of parts: part 1 is missing", async () => {
    await expect(reassemble([])).rejects.toMatchObject({ code: "PW_PART_MISSING", missing: [1] });
  });

  it("reports a size that disagrees with the bytes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 20 }),
        fc.integer({ min: 0, max: 25 }),
        async (bytes, declared) => {
          fc.pre(declared !== bytes.length);
          await expect(reassemble([{ number: 1, size: declared, bytes }])).rejects.toMatchObject({
            code: "PW_PART_MISMATCH",
            mismatch: "size",
            expected: declared,
            actual: bytes.length,
          });
        },
      ),
    );
  });

  it("reports a digest that disagrees with the bytes, with the MD5 rule, and accepts a matching one", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 40 }), fc.nat({ max: 127 }), async (bytes, flip) => {
        const good = await md5(bytes);
        const bad = good.slice();
        bad[flip >> 3] = bad[flip >> 3]! ^ (1 << (flip & 7));
        const size = bytes.length;
        await expect(reassemble([{ number: 1, size, bytes, md5: good }])).resolves.toMatchObject({
          totalSize: size,
        });
        const error = await reassemble([{ number: 1, size, bytes, md5: bad }], {
          rules: { md5: "BS-PART-MD5" },
          side: "remote",
        }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PartMismatchError);
        expect(error).toMatchObject({ mismatch: "md5", partNumber: 1, rule: "BS-PART-MD5", side: "remote" });
      }),
    );
  });

  it("checks limits: non-final parts at least min, all at most max, total at most maxTotalSize", async () => {
    const limits = { ...LIMITS, rules: RULES };
    await expect(reassemble([part(1, 3), part(2, 4)], { limits })).rejects.toMatchObject({
      limit: "minPartSize",
      rule: "BS-PART-MIN-SIZE",
    });
    await expect(reassemble([part(1, 4), part(2, 3)], { limits })).resolves.toMatchObject({ totalSize: 7 });
    await expect(reassemble([part(1, 9)], { limits })).rejects.toMatchObject({ limit: "maxPartSize" });
    await expect(reassemble([part(101, 4)], { limits })).rejects.toMatchObject({
      limit: "maxParts",
      rule: "BS-PART-NUMBER",
    });
    await expect(
      reassemble([part(1, 8), part(2, 8)], { limits: { ...limits, maxTotalSize: 15 } }),
    ).rejects.toMatchObject({ limit: "maxTotalSize", rule: "CV-MAX-FILE-SIZE" });
  });

  it("rejects part numbers below 1 or fractional, sizes that are not byte counts, and MD5s that are not 16 bytes", async () => {
    for (const number of [0, -1, 1.5, Number.NaN]) {
      await expect(reassemble([part(number)])).rejects.toMatchObject({
        code: "PW_PART_LIMIT",
        limit: "maxParts",
      });
    }
    await expect(reassemble([part(1, -1)])).rejects.toMatchObject({ limit: "totalSize" });
    await expect(reassemble([{ number: 1, size: 0, md5: new Uint8Array(15) }])).rejects.toMatchObject({
      code: "PW_MD5_DIGEST_INVALID",
    });
  });

  it("checks duplicates before digests: a duplicate is reported even when a digest is also wrong", async () => {
    const bytes = new Uint8Array(4);
    const wrong = new Uint8Array(16);
    await expect(
      reassemble([
        { number: 1, size: 4, bytes, md5: wrong },
        { number: 1, size: 4, bytes, md5: wrong },
      ]),
    ).rejects.toBeInstanceOf(DuplicatePartError);
  });
});

describe("joinParts", () => {
  it("concatenates in the given order", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 10 }), { maxLength: 8 }), (pieces) => {
        const joined = joinParts(pieces.map((bytes) => ({ bytes })));
        expect([...joined]).toEqual(pieces.flatMap((bytes) => [...bytes]));
      }),
    );
  });
});
