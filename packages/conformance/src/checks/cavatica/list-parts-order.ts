/**
 * CV-LIST-PARTS-ORDER (should): the listed parts are in ascending numeric part-number order (10
 * after 9, not after 1).
 * Source: inference from S3 ListParts, which lists ascending part numbers; the documents do not
 * say (split from CV-LIST-PARTS).
 *
 * Check: parts with numbers on both sides of 10 (a generated set from 1..12 and 100) are stored
 * and reported in a generated order that is not ascending, one by one or in one batch; list_parts
 * shows them in ascending numeric order.
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import {
  bytesOf,
  call,
  expectReported,
  initUpload,
  isSuccess,
  listParts,
  reportOf,
  storePart,
  uniqueName,
  uploadPath,
} from "./protocol.ts";

const NUMBERS = [1, 2, 3, 9, 10, 11, 12, 100];

export const cvListPartsOrder: Check = {
  id: "CV-LIST-PARTS-ORDER",
  protocol: "cavatica",
  title: "list_parts lists the reported parts in ascending numeric order",
  async run(ctx) {
    await ctx.property(
      fc.record({
        order: fc
          .shuffledSubarray(NUMBERS, { minLength: 4, maxLength: NUMBERS.length })
          .filter((order) => order.includes(2) && order.some((n) => n >= 10))
          .map((order) => {
            // Never ascending: the listing must sort, not echo the reports.
            const sorted = [...order].sort((a, b) => a - b);
            return JSON.stringify(order) === JSON.stringify(sorted) ? [...sorted].reverse() : order;
          }),
        batch: fc.boolean(),
        seed: fc.nat(),
      }),
      async ({ order, batch, seed }) => {
        const upload = await initUpload(ctx, { name: uniqueName("list-order") });
        const id = upload.upload_id;
        const headers = new Map<number, Record<string, string>>();
        for (const n of order)
          headers.set(n, (await storePart(ctx, id, n, bytesOf(16 + n, seed + n))).headers);
        if (batch) {
          const answer = await call(ctx, "POST", uploadPath(id), {
            body: { parts: order.map((n) => reportOf(n, headers.get(n)!)) },
          });
          if (!isSuccess(answer.status))
            ctx.fail(`the batch report was refused with ${answer.status} (CV-REPORT-BATCH)`);
        } else for (const n of order) await expectReported(ctx, id, n, headers.get(n)!);
        const { answer, details } = await listParts(ctx, id);
        if (details === undefined) return ctx.fail(`the upload's details answered ${answer.status}`);
        const listed = (details.parts ?? []).map((part) => part.part_number);
        const want = [...order].sort((a, b) => a - b);
        if (JSON.stringify(listed) !== JSON.stringify(want))
          ctx.fail(
            `parts reported in the order [${order.join(", ")}] are listed as [${listed.join(", ")}], not [${want.join(", ")}]`,
          );
      },
      { numRuns: 3 },
    );
  },
};
