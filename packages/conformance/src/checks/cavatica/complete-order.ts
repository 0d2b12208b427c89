/**
 * CV-COMPLETE-ORDER (must): the completed file is the parts joined in ascending part-number order.
 * Source: S3 CompleteMultipartUpload (parts in ascending order); sevenbridges-python splits by part
 * number.
 *
 * Check: a file of three parts (5 MiB, 5 MiB and a generated small tail) is stored in a generated
 * order whose first part is never part 1 — that one alone, the other two concurrently (one to
 * three at a time) — then reported in another generated order, one by one or in one batch, and
 * completed; the file read back through `download_info` equals the parts joined in ascending part
 * number, byte for byte. About 10 MiB per run, one run (no shrinking: each run is a real upload).
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import {
  bytesOf,
  call,
  download,
  expectCompleted,
  expectReported,
  initUpload,
  isSuccess,
  MIN_PART_SIZE,
  reportOf,
  storePart,
  uniqueName,
  uploadPath,
} from "./protocol.ts";

const PARTS = 3;

/** A permutation of 1..PARTS that does not start with part 1. */
const storeOrder = fc
  .shuffledSubarray([1, 2, 3], { minLength: PARTS, maxLength: PARTS })
  .map((order) => (order[0] === 1 ? [...order.slice(1), 1] : order));

export const cvCompleteOrder: Check = {
  id: "CV-COMPLETE-ORDER",
  protocol: "cavatica",
  title: "Parts stored and reported in any order, concurrently, complete as ascending part numbers",
  async run(ctx) {
    const run = fc.noShrink(
      fc.record({
        store: storeOrder,
        report: fc.shuffledSubarray([1, 2, 3], { minLength: PARTS, maxLength: PARTS }),
        concurrency: fc.integer({ min: 1, max: 2 }),
        batch: fc.boolean(),
        tail: fc.integer({ min: 1, max: 64 * 1024 }),
        seed: fc.nat(),
      }),
    );
    await ctx.property(
      run,
      async ({ store, report, concurrency, batch, tail, seed }) => {
        const parts = [
          bytesOf(MIN_PART_SIZE, seed),
          bytesOf(MIN_PART_SIZE, seed + 1),
          bytesOf(tail, seed + 2),
        ];
        const total = parts.reduce((sum, part) => sum + part.length, 0);
        const upload = await initUpload(ctx, {
          name: uniqueName("complete-order"),
          size: total,
          part_size: MIN_PART_SIZE,
        });
        const id = upload.upload_id;
        const headers = new Map<number, Record<string, string>>();
        const put = async (n: number) => headers.set(n, (await storePart(ctx, id, n, parts[n - 1]!)).headers);

        const [first, ...rest] = store as [number, ...number[]];
        await put(first);
        const queue = [...rest];
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            for (let n = queue.shift(); n !== undefined; n = queue.shift()) await put(n);
          }),
        );

        if (batch) {
          const body = { parts: report.map((n) => reportOf(n, headers.get(n)!)) };
          const answer = await call(ctx, "POST", uploadPath(id), { body });
          if (!isSuccess(answer.status))
            ctx.fail(`the batch report was refused with ${answer.status} (CV-REPORT-BATCH)`);
        } else for (const n of report) await expectReported(ctx, id, n, headers.get(n)!);

        const file = await expectCompleted(ctx, id, "CV-COMPLETE-ORDER");
        const read = await download(ctx, file.id);
        if (read.length !== total) ctx.fail(`the file read back has ${read.length} bytes, not ${total}`);
        let at = 0;
        for (const [i, part] of parts.entries()) {
          if (!Buffer.from(read.buffer, read.byteOffset + at, part.length).equals(part))
            ctx.fail(
              `bytes ${at}..${at + part.length - 1} of the file are not part ${i + 1}: the parts were not joined 1, 2, 3 (stored ${store.join(", ")}, reported ${report.join(", ")})`,
            );
          at += part.length;
        }
      },
      { numRuns: 1 },
    );
  },
};
