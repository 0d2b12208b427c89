/**
 * CV-COMPLETE-ORDER (must): the completed file is the last stored copy of each reported part,
 * joined in ascending numeric part-number order, whatever the order or overlap in which parts
 * were sent.
 * Source: [S3] "part_number | The number of the file part you are uploading." (a part's number is
 * its place in the file).
 *
 * Check: one upload of eleven parts, so that numeric and text order differ (1, 2, …, 10, 11 against
 * 1, 10, 11, 2, …): parts 1..10 of 5 MiB and a generated small tail as part 11. Part 10 is stored
 * first, alone, then parts 1..9 all at once (genuinely overlapping requests). Part 11 is sent
 * twice, overlapping: a first copy A starts and stops half-way, a longer copy B is stored whole,
 * then A finishes; A, the copy that finished last and the shorter one, is what the storage answers
 * for last. The parts are reported in a generated order, one by one or in one batch, part 11 with
 * the ETag A's storage answer gave (or, if the server refuses it, B's); the completed File has the
 * size of the parts joined, and the file read back through `download_info` equals parts 1..10 and
 * then the copy of part 11 whose ETag was accepted, byte for byte. About 50 MiB, one run (no
 * shrinking: each run is a real upload).
 */
import type { PartUrl } from "@partwise/protocol-cavatica";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext, HttpAnswer } from "../../context.ts";
import {
  bytesOf,
  call,
  collectHeaders,
  download,
  etagOf,
  expectCompleted,
  getPartUrl,
  initWithPartSize,
  isSuccess,
  MIN_PART_SIZE,
  md5Hex,
  reportOf,
  reportPart,
  sleep,
  storePart,
  successCodes,
  uniqueName,
  uploadPath,
} from "./protocol.ts";

const PARTS = 11;
const FIRST_ALONE = 10;
/** Time given to the server to start on copy A before copy B is sent (only makes overlap likelier). */
const HEAD_START_MS = 100;

/**
 * Stores `first` and `second` as part `n` with overlapping requests: `first` is sent half, then
 * `second` whole, then the rest of `first`. Returns both storage answers; `first` finished last.
 */
async function overlappingCopies(
  ctx: CheckContext,
  uploadId: string,
  n: number,
  first: Uint8Array,
  second: Uint8Array,
): Promise<{ readonly first: HttpAnswer; readonly second: HttpAnswer; readonly url: PartUrl }> {
  const url = await getPartUrl(ctx, uploadId, n);
  const half = Math.floor(first.length / 2);
  let started: () => void = () => {};
  const headStart = new Promise<void>((resolve) => {
    started = resolve;
  });
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let pulls = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pulls++ === 0) {
        controller.enqueue(first.slice(0, half));
        started();
        return;
      }
      await gate;
      controller.enqueue(first.slice(half));
      controller.close();
    },
  });
  ctx.spend(first.length);
  // Content-Length as for any storage PUT (pre-signed S3 URLs need it), the body streamed.
  const pending = ctx.http.request({
    method: url.method,
    url: url.url,
    headers: { ...url.headers, "content-length": String(first.length) },
    body,
  });
  // If the request fails before reading its body, do not wait for a pull that never comes.
  const failed = pending.then(
    () => undefined,
    () => undefined,
  );
  await Promise.race([headStart, failed]);
  await sleep(HEAD_START_MS, ctx.signal);
  const secondUrl = await getPartUrl(ctx, uploadId, n);
  ctx.spend(second.length);
  const secondAnswer = await ctx.http.request({
    method: secondUrl.method,
    url: secondUrl.url,
    headers: { ...secondUrl.headers },
    body: second,
  });
  release();
  const firstAnswer = await pending;
  for (const [what, answer] of [
    ["the first copy", firstAnswer],
    ["the second copy", secondAnswer],
  ] as const)
    if (!successCodes(url).includes(answer.status))
      ctx.fail(
        `storing ${what} of part ${n} while the other was in flight answered ${answer.status}, not one of ${JSON.stringify(successCodes(url))} (CV-SUCCESS-CODES)`,
      );
  return { first: firstAnswer, second: secondAnswer, url };
}

export const cvCompleteOrder: Check = {
  id: "CV-COMPLETE-ORDER",
  protocol: "cavatica",
  title: "Eleven parts sent at once, one re-sent while in flight, complete as ascending part numbers",
  async run(ctx) {
    const run = fc.noShrink(
      fc.record({
        report: fc.shuffledSubarray(
          Array.from({ length: PARTS }, (_, i) => i + 1),
          { minLength: PARTS, maxLength: PARTS },
        ),
        batch: fc.boolean(),
        tail: fc.integer({ min: 2, max: 32 * 1024 }),
        longer: fc.integer({ min: 1, max: 4096 }),
        seed: fc.nat(),
      }),
    );
    await ctx.property(
      run,
      async ({ report, batch, tail, longer, seed }) => {
        const parts = Array.from({ length: PARTS - 1 }, (_, i) => bytesOf(MIN_PART_SIZE, seed + i));
        const copyA = bytesOf(tail, seed + 100);
        const copyB = bytesOf(tail + longer, seed + 101);
        const upload = await initWithPartSize(ctx, {
          name: uniqueName("complete-order"),
          size: (PARTS - 1) * MIN_PART_SIZE + tail,
          part_size: MIN_PART_SIZE,
        });
        const id = upload.upload_id;
        const headers = new Map<number, Record<string, string>>();
        const put = async (n: number) => headers.set(n, (await storePart(ctx, id, n, parts[n - 1]!)).headers);
        await put(FIRST_ALONE);
        await Promise.all(
          Array.from({ length: PARTS - 1 }, (_, i) => i + 1)
            .filter((n) => n !== FIRST_ALONE)
            .map(put),
        );

        // Part 11: copy A in flight while copy B is stored; A finishes last.
        const copies = await overlappingCopies(ctx, id, PARTS, copyA, copyB);
        const candidates = [copies.first, copies.second].map(
          (answer) => collectHeaders(copies.url, answer).headers,
        );

        const sendReports = async (last: Record<string, string>): Promise<boolean> => {
          headers.set(PARTS, last);
          if (batch) {
            const body = { parts: report.map((n) => reportOf(n, headers.get(n)!)) };
            return isSuccess((await call(ctx, "POST", uploadPath(id), { body })).status);
          }
          for (const n of report) {
            const answer = await reportPart(ctx, id, n, headers.get(n)!);
            if (!isSuccess(answer.status)) {
              if (n === PARTS) return false;
              ctx.fail(
                `the report of part ${n} was refused with ${answer.status} (CV-REPORT-BODY, CV-REPORT-ETAG)`,
              );
            }
          }
          return true;
        };
        let accepted: Record<string, string> | undefined;
        for (const candidate of candidates)
          if (await sendReports(candidate)) {
            accepted = candidate;
            break;
          }
        if (accepted === undefined)
          return ctx.fail(
            batch
              ? `the batch report of parts 1..${PARTS} was refused with either copy's ETag for part ${PARTS} (CV-REPORT-BATCH; were parts stored at the same time lost?)`
              : `the report of part ${PARTS} was refused with the ETag of either copy (the one that finished last, then the other)`,
          );
        // The copy the accepted ETag names: by its MD5 where it is one, else the answer it came from.
        const etag = etagOf(accepted);
        const last =
          etag === md5Hex(copyA)
            ? copyA
            : etag === md5Hex(copyB)
              ? copyB
              : accepted === candidates[0]
                ? copyA
                : copyB;

        const file = await expectCompleted(ctx, id, "CV-COMPLETE-ORDER");
        const expected = [...parts, last];
        const total = expected.reduce((sum, part) => sum + part.length, 0);
        if (file.size !== total)
          ctx.fail(
            `the completed File has ${file.size} bytes, not the ${total} of parts 1..${PARTS} (part ${PARTS} as its ${last === copyA ? "shorter copy that finished last" : "longer copy"})`,
          );
        const read = await download(ctx, file.id);
        if (read.length !== total) ctx.fail(`the file read back has ${read.length} bytes, not ${total}`);
        let at = 0;
        for (const [i, part] of expected.entries()) {
          if (!Buffer.from(read.buffer, read.byteOffset + at, part.length).equals(part))
            ctx.fail(
              `bytes ${at}..${at + part.length - 1} of the file are not part ${i + 1}${i + 1 === PARTS ? ` (the copy whose ETag was accepted)` : ""}: the parts were not joined 1..${PARTS} in numeric order (reported ${report.join(", ")})`,
            );
          at += part.length;
        }
      },
      { numRuns: 1 },
    );
  },
};
