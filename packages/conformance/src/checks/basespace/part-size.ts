/**
 * Part sizes [S1], with the reading of "MB" that specs/basespace.yaml documents:
 *
 * - BS-PART-MIN-SIZE (must): every part except the last (the highest-numbered) has at least
 *   5 MiB = 5,242,880 bytes, checked when the upload is completed. Source: [S1].
 *   Generated two-part uploads — the fewest parts that show the rule: a low-numbered part and a
 *   small highest-numbered one, at generated numbers with gaps, uploaded in ascending or
 *   descending order — with a low part of 5,242,879 bytes cannot be completed (400) and stay
 *   pending; with a low part of exactly 5,242,880 bytes they complete with the summed Size.
 * - BS-PART-MAX-SIZE (must): no part is larger than 25 MiB = 26,214,400 bytes; a larger part is
 *   refused (413) and not stored. Source: [S1]; basespace-python-sdk MultipartFileTransfer.py.
 *   A part of 26,214,401 bytes is refused with 413, one of 26,214,400 bytes is accepted, and the
 *   completed file holds only the accepted one.
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext, HttpAnswer } from "../../context.ts";
import {
  byteSeed,
  bytesOf,
  complete,
  expectStatus,
  getFile,
  initiate,
  MAX_PART_NUMBER,
  MAX_PART_SIZE,
  MIN_PART_SIZE,
  minimumPart,
  putPart,
  setStatus,
  storePart,
  type Upload,
} from "./support.ts";

interface TwoParts {
  readonly low: number;
  readonly high: number;
  readonly order: "ascending" | "descending";
  readonly finalSize: number;
  readonly seed: number;
}

// Each run moves 10 MiB; the generated values are already small, so do not shrink.
const twoParts: fc.Arbitrary<TwoParts> = fc.noShrink(
  fc
    .record({
      low: fc.integer({ min: 1, max: MAX_PART_NUMBER - 10 }),
      gap: fc.integer({ min: 1, max: 10 }),
      order: fc.constantFrom<"ascending" | "descending">("ascending", "descending"),
      finalSize: fc.integer({ min: 1, max: 64 }),
      seed: byteSeed,
    })
    .map(({ gap, ...rest }) => ({ ...rest, high: rest.low + gap })),
);

async function uploadTwo(
  ctx: CheckContext,
  layout: TwoParts,
  lowPart: Uint8Array,
  name: string,
): Promise<Upload> {
  const upload = await initiate(ctx, { name });
  const finalPart = bytesOf(layout.finalSize, layout.seed ^ 0x7f);
  const puts: [number, Uint8Array][] = [
    [layout.low, lowPart],
    [layout.high, finalPart],
  ];
  if (layout.order === "descending") puts.reverse();
  for (const [number, bytes] of puts) await storePart(ctx, upload.id, number, bytes);
  return upload;
}

export const bsPartMinSize: Check = {
  id: "BS-PART-MIN-SIZE",
  protocol: "basespace",
  title: "a non-final part under 5 MiB blocks completion; exactly 5 MiB and a small final part complete",
  async run(ctx) {
    await ctx.property(
      twoParts,
      async (layout) => {
        const full = minimumPart(layout.seed);
        const under = await uploadTwo(ctx, layout, full.subarray(0, MIN_PART_SIZE - 1), "min-size-under.bin");
        const refused = await setStatus(ctx, under.id, "complete");
        if (refused.status >= 200 && refused.status < 300) under.ended = true;
        expectStatus(
          ctx,
          refused,
          400,
          `completing with part ${layout.low} of ${MIN_PART_SIZE - 1} bytes below final part ${layout.high}`,
        );
        const pending = await getFile(ctx, under.id);
        if (pending.UploadStatus !== "pending")
          ctx.fail(`after the refused completion the upload is ${pending.UploadStatus}, not pending`);

        const exact = await uploadTwo(ctx, layout, full, "min-size-exact.bin");
        const done = await complete(ctx, exact);
        if (done.Size !== MIN_PART_SIZE + layout.finalSize)
          ctx.fail(
            `completing parts of ${MIN_PART_SIZE} and ${layout.finalSize} bytes answered Size ${done.Size}`,
          );
      },
      { numRuns: 2 },
    );
  },
};

/** 26,214,401 bytes of a repeated 64 KiB pattern, built once per run. */
function oversizedBody(): Uint8Array<ArrayBuffer> {
  const body = new Uint8Array(MAX_PART_SIZE + 1);
  const block = bytesOf(64 * 1024, 0xb10c);
  for (let offset = 0; offset < body.length; offset += block.length)
    body.set(block.subarray(0, Math.min(block.length, body.length - offset)), offset);
  return body;
}

export const bsPartMaxSize: Check = {
  id: "BS-PART-MAX-SIZE",
  protocol: "basespace",
  title: "a part of 26,214,401 bytes is refused with 413 and not stored; 26,214,400 bytes are accepted",
  async run(ctx) {
    const upload = await initiate(ctx, { name: "max-size.bin" });
    const body = oversizedBody();
    const refused: HttpAnswer = await putPart(ctx, upload.id, 2, body).catch((error: unknown) =>
      ctx.fail(
        `PUT of a ${body.length}-byte part broke the connection instead of answering 413 (${String(error)})`,
      ),
    );
    expectStatus(ctx, refused, 413, `PUT part 2 of ${body.length} bytes`);
    await storePart(ctx, upload.id, 1, body.subarray(0, MAX_PART_SIZE));
    const done = await complete(ctx, upload);
    if (done.Size !== MAX_PART_SIZE)
      ctx.fail(
        `the completed file has Size ${done.Size}, expected ${MAX_PART_SIZE}: the refused part was stored`,
      );
  },
};
