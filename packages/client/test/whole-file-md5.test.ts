import { md5, toHex } from "@partwise/engine";
import fc from "fast-check";
import { expect, test } from "vitest";
import { WholeFileMd5 } from "../src/index.ts";

test("WholeFileMd5: parts offered in any order, repeated, skipped or never offered give the file's MD5", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.uint8Array({ maxLength: 50 }), { minLength: 1, maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
      async (parts, order, skip) => {
        const skipped = new Set(parts.map((_, i) => i + 1).filter((n) => skip[n - 1]));
        const read = async (n: number) => parts[n - 1]!;
        const digest = await WholeFileMd5.create({ skipped, readSkipped: read });
        for (const pick of order) {
          const n = (pick % parts.length) + 1;
          if (!skipped.has(n)) digest.offer(n, parts[n - 1]!);
        }
        const whole = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
        let at = 0;
        for (const part of parts) {
          whole.set(part, at);
          at += part.length;
        }
        expect(await digest.finish(parts.length, read)).toBe(toHex(await md5(whole)));
      },
    ),
    { numRuns: 200 },
  );
});

test("WholeFileMd5: a buffer recycled right after offer (pooled part reads) does not change the digest", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { minLength: 2, maxLength: 8 }),
      fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
      async (parts, order) => {
        const digest = await WholeFileMd5.create();
        const offered = new Set<number>();
        for (const pick of [...order, ...parts.keys()]) {
          const n = (pick % parts.length) + 1;
          if (offered.has(n)) continue;
          offered.add(n);
          const buffer = parts[n - 1]!.slice();
          digest.offer(n, buffer);
          buffer.fill(0xee); // the pool hands the buffer to the next part
        }
        const whole = Uint8Array.from(parts.flatMap((p) => [...p]));
        expect(await digest.finish(parts.length, async () => new Uint8Array(0))).toBe(
          toHex(await md5(whole)),
        );
      },
    ),
    { numRuns: 200 },
  );
});

test("WholeFileMd5: parts claimed while read (fed slice by slice, some reads failing part-way) mixed with offers give the file's MD5", async () => {
  type Step = {
    readonly kind: "claim" | "offer";
    readonly pick: number;
    readonly slices: number;
    readonly fail: boolean;
  };
  const step = fc.record({
    kind: fc.constantFrom<"claim" | "offer">("claim", "claim", "offer"),
    pick: fc.nat(),
    slices: fc.integer({ min: 1, max: 4 }),
    fail: fc.boolean(),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.uint8Array({ maxLength: 50 }), { minLength: 1, maxLength: 10 }),
      fc.array(step, { maxLength: 30 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      async (parts, steps: Step[], failRate) => {
        const digest = await WholeFileMd5.create();
        let failed = false;
        for (const { kind, pick, slices, fail } of steps) {
          const n = (pick % parts.length) + 1;
          const bytes = parts[n - 1]!;
          if (kind === "offer") {
            digest.offer(n, bytes);
            continue;
          }
          const claimed = digest.claim(n);
          if (claimed === undefined) continue;
          const cut = Math.ceil(bytes.length / slices) || 1;
          const failsAt = fail && failRate > 0.5 ? Math.floor(bytes.length * failRate) : bytes.length + 1;
          let at = 0;
          for (; at < bytes.length && at < failsAt; at += cut)
            claimed.hash.update(bytes.subarray(at, Math.min(at + cut, failsAt, bytes.length)));
          if (failsAt <= bytes.length) {
            claimed.failed();
            failed = true;
          } else claimed.done();
        }
        const whole = Uint8Array.from(parts.flatMap((p) => [...p]));
        const result = await digest.finish(parts.length, async (n) => parts[n - 1]!);
        expect(result, `a read failed part-way: ${failed}`).toBe(toHex(await md5(whole)));
      },
    ),
    { numRuns: 300 },
  );
});
