/**
 * Part sizes [S1]. "MB" is undocumented: 10^6 or 2^20 bytes. Each check tests outside both
 * readings, so a server may take either:
 *
 * - BS-PART-MIN-SIZE (must): every part except the last (the highest-numbered) has at least 5 MB.
 *   Source: [S1] "Each part must be at least 5MB in size except for the final one."
 *   Two-part uploads — the fewest parts that show the rule: parts 9 and 10 uploaded in ascending
 *   order (numbers whose text order differs), then generated numbers with gaps uploaded final part
 *   first — whose non-final part has 4,999,999 bytes (under 5 MB in either reading) cannot be
 *   completed: a PUT or the completion is refused (any 4xx; when the minimum is checked is
 *   undocumented). With a non-final part of 5,242,880 bytes (5 MB in either reading) and a small
 *   final part they complete with the summed Size.
 * - BS-PART-MAX-SIZE (must): no part is larger than 25 MB. Source: [S1] "Currently a part may not
 *   be larger than 25MB." A part of 25,000,000 bytes (25 MB in either reading) is accepted, with
 *   the right ETag; one of 26,214,401 bytes (over 25 MB in either reading) is refused — 400 or
 *   413, any 4xx, or the connection closed while it streams in — and the completed file holds only
 *   the accepted part.
 */

import type { FilePart } from "@partwise/protocol-basespace";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext, HttpAnswer } from "../../context.ts";
import {
  byteSeed,
  bytesOf,
  complete,
  envelopeOf,
  expectStatus,
  initiate,
  isRefusal,
  MAX_PART_NUMBER,
  MIN_PART_SIZE,
  md5Hex,
  minimumPart,
  putPart,
  setStatus,
  storePart,
} from "./support.ts";

/** Under 5 MB whether MB is 10^6 or 2^20 bytes. */
const UNDER_MINIMUM = 5_000_000 - 1;
/** At most 25 MB whether MB is 10^6 or 2^20 bytes. */
const AT_MAXIMUM = 25_000_000;
/** Over 25 MB whether MB is 10^6 or 2^20 bytes. */
const OVER_MAXIMUM = 25 * 1024 * 1024 + 1;

interface TwoParts {
  readonly low: number;
  readonly high: number;
  readonly order: "ascending" | "descending";
  readonly finalSize: number;
  readonly seed: number;
}

/** The under-size upload: some PUT or the completion must be refused, and nothing complete. */
async function expectUnderRefused(ctx: CheckContext, layout: TwoParts, lowPart: Uint8Array): Promise<void> {
  const upload = await initiate(ctx, { name: "min-size-under.bin" });
  const puts: [number, Uint8Array][] = [
    [layout.low, lowPart],
    [layout.high, bytesOf(layout.finalSize, layout.seed ^ 0x7f)],
  ];
  if (layout.order === "descending") puts.reverse();
  for (const [number, bytes] of puts) {
    const answer = await putPart(ctx, upload.id, number, bytes);
    if (isRefusal(answer)) return; // refused at its PUT: the rule holds
    expectStatus(ctx, answer, 200, `PUT part ${number} (${bytes.length} bytes)`);
  }
  const refused = await setStatus(ctx, upload.id, "complete");
  if (refused.status >= 200 && refused.status < 300) upload.ended = true;
  if (!isRefusal(refused))
    ctx.fail(
      `completing with part ${layout.low} of ${UNDER_MINIMUM} bytes below final part ${layout.high} answered ${refused.status}, expected a refusal: the part is under 5 MB in either reading of MB`,
      refused.exchange,
    );
}

async function expectMinimumCompletes(
  ctx: CheckContext,
  layout: TwoParts,
  lowPart: Uint8Array,
): Promise<void> {
  const upload = await initiate(ctx, { name: "min-size-exact.bin" });
  const puts: [number, Uint8Array][] = [
    [layout.low, lowPart],
    [layout.high, bytesOf(layout.finalSize, layout.seed ^ 0x7f)],
  ];
  if (layout.order === "descending") puts.reverse();
  for (const [number, bytes] of puts) await storePart(ctx, upload.id, number, bytes);
  const done = await complete(ctx, upload);
  if (done.Size !== MIN_PART_SIZE + layout.finalSize)
    ctx.fail(
      `completing parts ${layout.low} (${MIN_PART_SIZE} bytes) and ${layout.high} (${layout.finalSize} bytes) answered Size ${done.Size}`,
    );
}

async function minimumCase(ctx: CheckContext, layout: TwoParts): Promise<void> {
  const full = minimumPart(layout.seed);
  await expectUnderRefused(ctx, layout, full.subarray(0, UNDER_MINIMUM));
  await expectMinimumCompletes(ctx, layout, full);
}

export const bsPartMinSize: Check = {
  id: "BS-PART-MIN-SIZE",
  protocol: "basespace",
  title:
    "a non-final part under 5 MB blocks completion; a 5 MiB non-final part and a small final part complete",
  async run(ctx) {
    // 9 and 10: the final part by number is not the final part by text.
    await minimumCase(ctx, { low: 9, high: 10, order: "ascending", finalSize: 17, seed: 9 });
    // Each run moves 10 MB; the generated values are already small, so do not shrink.
    await ctx.property(
      fc.noShrink(
        fc.record({
          low: fc.integer({ min: 1, max: MAX_PART_NUMBER - 10 }),
          gap: fc.integer({ min: 1, max: 10 }),
          finalSize: fc.integer({ min: 1, max: 64 }),
          seed: byteSeed,
        }),
      ),
      ({ low, gap, finalSize, seed }) =>
        minimumCase(ctx, { low, high: low + gap, order: "descending", finalSize, seed }),
      { numRuns: 1, shrink: false },
    );
  },
};

/** 26,214,401 bytes of a repeated 64 KiB pattern, built once per run. */
function oversizedBody(): Uint8Array<ArrayBuffer> {
  const body = new Uint8Array(OVER_MAXIMUM);
  const block = bytesOf(64 * 1024, 0xb10c);
  for (let offset = 0; offset < body.length; offset += block.length)
    body.set(block.subarray(0, Math.min(block.length, body.length - offset)), offset);
  return body;
}

export const bsPartMaxSize: Check = {
  id: "BS-PART-MAX-SIZE",
  protocol: "basespace",
  title: "a part of 25,000,000 bytes is accepted; one of 26,214,401 bytes is refused and not stored",
  async run(ctx) {
    const upload = await initiate(ctx, { name: "max-size.bin" });
    const body = oversizedBody();
    const largest = body.subarray(0, AT_MAXIMUM);
    const accepted = await putPart(ctx, upload.id, 1, largest);
    expectStatus(ctx, accepted, 200, `PUT part 1 of ${AT_MAXIMUM} bytes (25 MB in either reading of MB)`);
    const part = envelopeOf<FilePart>(ctx, accepted, "FilePartResponse", "PUT part 1");
    const etag = await md5Hex(largest);
    if (part.ETag.toLowerCase() !== etag || part.Size !== AT_MAXIMUM)
      ctx.fail(
        `PUT part 1 of ${AT_MAXIMUM} bytes answered ETag ${part.ETag} and Size ${part.Size}, expected ${etag} and ${AT_MAXIMUM}`,
        accepted.exchange,
      );
    // A server may answer and close the connection while the body still streams in.
    const refused: HttpAnswer | undefined = await putPart(ctx, upload.id, 2, body).catch(() => undefined);
    if (refused !== undefined && !isRefusal(refused))
      ctx.fail(
        `PUT part 2 of ${body.length} bytes (over 25 MB in either reading of MB) answered ${refused.status}, expected a refusal`,
        refused.exchange,
      );
    const done = await complete(ctx, upload);
    if (done.Size !== AT_MAXIMUM)
      ctx.fail(
        `the completed file has Size ${done.Size}, expected ${AT_MAXIMUM}: the refused part was stored`,
      );
  },
};
