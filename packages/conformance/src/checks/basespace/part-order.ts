/**
 * Part order [S1]:
 *
 * - BS-PART-ANY-ORDER (must): parts may be uploaded in any order and in parallel. Source: [S1].
 *   Generated sets of small parts are sent in generated orders with generated concurrency; every
 *   PUT must succeed. (Small parts are fine: the minimum size is checked only at completion.)
 * - BS-COMPLETE-ORDER (must): on completion the parts are joined in ascending part-number order,
 *   whatever order they were uploaded in. Source: [S1].
 *   The fewest parts that tell the orders apart: a 5 MiB part and a small highest-numbered final
 *   part, at generated numbers with gaps, uploaded final part first — one after the other, or
 *   both at once with the final part started first. The downloaded file must equal the parts
 *   joined by ascending number, byte for byte. (Ascending uploads are not generated: they cannot
 *   tell ascending-number order from upload order, and every other check makes them.)
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import {
  byteSeed,
  bytesOf,
  complete,
  expectContent,
  initiate,
  joinByNumber,
  MAX_PART_NUMBER,
  MIN_PART_SIZE,
  minimumPart,
  storePart,
} from "./support.ts";

/** Sends `tasks` with at most `width` in flight, in the given order. */
async function inFlight(tasks: readonly (() => Promise<unknown>)[], width: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
}

export const bsPartAnyOrder: Check = {
  id: "BS-PART-ANY-ORDER",
  protocol: "basespace",
  title: "parts are accepted in any order and in parallel",
  async run(ctx) {
    await ctx.property(
      fc.record({
        // A unique array comes in generated order: the upload order.
        numbers: fc.uniqueArray(fc.integer({ min: 1, max: MAX_PART_NUMBER }), { minLength: 2, maxLength: 8 }),
        concurrency: fc.integer({ min: 1, max: 4 }),
        seed: byteSeed,
      }),
      async ({ numbers, concurrency, seed }) => {
        const upload = await initiate(ctx, { name: "any-order.bin" });
        await inFlight(
          numbers.map(
            (number, index) => () =>
              storePart(ctx, upload.id, number, bytesOf(1 + (index % 7), seed + number)),
          ),
          concurrency,
        );
      },
      { numRuns: 10 },
    );
  },
};

export const bsCompleteOrder: Check = {
  id: "BS-COMPLETE-ORDER",
  protocol: "basespace",
  title: "completion joins the parts by ascending part number, whatever the upload order",
  async run(ctx) {
    await ctx.property(
      // Each run moves 10 MiB; the generated values are already small, so do not shrink.
      fc.noShrink(
        fc.record({
          low: fc.integer({ min: 1, max: MAX_PART_NUMBER - 100 }),
          gap: fc.integer({ min: 1, max: 100 }),
          finalSize: fc.integer({ min: 1, max: 4096 }),
          schedule: fc.constantFrom<"final-first" | "concurrent">("final-first", "concurrent"),
          seed: byteSeed,
        }),
      ),
      async ({ low, gap, finalSize, schedule, seed }) => {
        const high = low + gap;
        const parts = new Map<number, Uint8Array>([
          [low, minimumPart(seed)],
          [high, bytesOf(finalSize, seed ^ 0x51)],
        ]);
        const upload = await initiate(ctx, { name: "order.bin" });
        const send = (number: number) => storePart(ctx, upload.id, number, parts.get(number)!);
        if (schedule === "final-first") {
          await send(high);
          await send(low);
        } else await Promise.all([send(high), send(low)]);
        const file = await complete(ctx, upload);
        if (file.Size !== MIN_PART_SIZE + finalSize)
          ctx.fail(`the completed file has Size ${file.Size}, expected ${MIN_PART_SIZE + finalSize}`);
        await expectContent(
          ctx,
          upload.id,
          joinByNumber(parts),
          `the parts ${low} and ${high} (sent ${schedule})`,
        );
      },
      { numRuns: 2 },
    );
  },
};
