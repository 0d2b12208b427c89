/**
 * Part order [S1]:
 *
 * - BS-PART-ANY-ORDER (must): parts may be uploaded in any order and in parallel. Source: [S1]
 *   "You may upload the parts in parallel and each part may be retried if the connection fails."
 *   A final part then a lower one, one after the other; then generated sets of two to four parts,
 *   some sent one after the other in generated order, the rest at once (`putAtOnce`: every body
 *   held open until all requests have started, so they are genuinely in flight together); every
 *   PUT must succeed. Every part but the highest-numbered has 5 MiB, so no PUT may be refused for
 *   its size (when the minimum is checked is undocumented).
 * - BS-COMPLETE-ORDER (must): on completion the parts are joined in ascending part-number order,
 *   whatever order they were uploaded in. Source: [S1] "… will be reassembled by ascending part
 *   number when the upload is marked as completed later."
 *   The fewest parts that tell the orders apart: a 5 MiB part and a small highest-numbered final
 *   part, at generated numbers with gaps, uploaded final part first; and once eleven parts 1..11
 *   sent at once, as SDKs number them (their text order, 1, 10, 11, 2, …, differs from their
 *   number order). The downloaded file must equal the parts joined by ascending
 *   number, byte for byte.
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext } from "../../context.ts";
import {
  byteSeed,
  bytesOf,
  complete,
  expectContent,
  expectStatus,
  initiate,
  joinByNumber,
  MAX_PART_NUMBER,
  minimumPart,
  putAtOnce,
  storePart,
} from "./support.ts";

/** PUTs parts at once (`putAtOnce`); every one must be stored (200). */
async function storeAtOnce(
  ctx: CheckContext,
  fileId: string,
  parts: readonly (readonly [number, Uint8Array])[],
): Promise<void> {
  const answers = await putAtOnce(ctx, fileId, parts);
  for (const [i, answer] of answers.entries())
    expectStatus(
      ctx,
      answer,
      200,
      `PUT part ${parts[i]![0]}, sent while ${parts.length - 1} other parts were in flight`,
    );
}

export const bsPartAnyOrder: Check = {
  id: "BS-PART-ANY-ORDER",
  protocol: "basespace",
  title: "parts are accepted in any order and in parallel",
  async run(ctx) {
    // Every part but the highest-numbered has 5 MiB: a server may refuse, at its PUT, a smaller
    // part that a higher-numbered one already shows is not the final one.
    const partsOf = (numbers: readonly number[], seed: number) => {
      const highest = Math.max(...numbers);
      return numbers.map(
        (number) => [number, number === highest ? bytesOf(64, seed) : minimumPart(seed + number)] as const,
      );
    };
    // The final part first, then a lower one, one after the other.
    const descending = await initiate(ctx, { name: "any-order.bin" });
    for (const [number, bytes] of partsOf([12, 3], 0xd0)) await storePart(ctx, descending.id, number, bytes);
    // Each run moves up to 15 MiB; the generated values are already small, so do not shrink.
    await ctx.property(
      fc.noShrink(
        fc.record({
          // A unique array comes in generated order: the upload order.
          numbers: fc.uniqueArray(fc.integer({ min: 1, max: MAX_PART_NUMBER }), {
            minLength: 2,
            maxLength: 4,
          }),
          /** How many of them go one after the other before the rest (at least two) go at once. */
          sequential: fc.integer({ min: 0, max: 2 }),
          seed: byteSeed,
        }),
      ),
      async ({ numbers, sequential, seed }) => {
        const upload = await initiate(ctx, { name: "any-order.bin" });
        const parts = partsOf(numbers, seed);
        const split = Math.min(sequential, parts.length - 2);
        for (const [number, bytes] of parts.slice(0, split)) await storePart(ctx, upload.id, number, bytes);
        await storeAtOnce(ctx, upload.id, parts.slice(split));
      },
      { numRuns: 3, shrink: false },
    );
  },
};

/** Uploads `parts` (sent one after the other in the given order, or at once), completes, compares. */
async function expectJoined(
  ctx: CheckContext,
  parts: readonly (readonly [number, Uint8Array])[],
  atOnce: boolean,
  what: string,
): Promise<void> {
  const upload = await initiate(ctx, { name: "order.bin" });
  if (atOnce) await storeAtOnce(ctx, upload.id, parts);
  else for (const [number, bytes] of parts) await storePart(ctx, upload.id, number, bytes);
  const expected = joinByNumber(new Map(parts));
  const file = await complete(ctx, upload);
  if (file.Size !== expected.length)
    ctx.fail(`completing ${what} answered Size ${file.Size}, expected ${expected.length}`);
  await expectContent(ctx, upload.id, expected, what);
}

export const bsCompleteOrder: Check = {
  id: "BS-COMPLETE-ORDER",
  protocol: "basespace",
  title: "completion joins the parts by ascending part number, whatever the upload order",
  async run(ctx) {
    // Eleven parts numbered 1..11, all in flight at once: as text, 10 and 11 would come before 2.
    const eleven = Array.from({ length: 11 }, (_, i) =>
      i < 10 ? ([i + 1, minimumPart(0x1100 + i)] as const) : ([11, bytesOf(1000, 0x110b)] as const),
    );
    await expectJoined(ctx, eleven, true, "parts 1..11 sent at once");
    // Generated numbers with gaps, the final part sent first.
    await ctx.property(
      // Each run moves 5 MiB; the generated values are already small, so do not shrink.
      fc.noShrink(
        fc.record({
          low: fc.integer({ min: 1, max: MAX_PART_NUMBER - 100 }),
          gap: fc.integer({ min: 1, max: 100 }),
          finalSize: fc.integer({ min: 1, max: 4096 }),
          seed: byteSeed,
        }),
      ),
      ({ low, gap, finalSize, seed }) =>
        expectJoined(
          ctx,
          [
            [low + gap, bytesOf(finalSize, seed ^ 0x51)],
            [low, minimumPart(seed)],
          ],
          false,
          `parts ${low} and ${low + gap}, the final part sent first`,
        ),
      { numRuns: 1, shrink: false },
    );
  },
};
