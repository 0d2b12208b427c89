/**
 * CV-MAX-FILE-SIZE (should): a file is at most 5 TiB; an initialization declaring a larger `size`
 * is refused with 400 or 413.
 * Source: inference from sevenbridges-python transfer/upload.py (5 TiB) and S3 multipart limits.
 *
 * Check: init with size 5 TiB + 1, and with generated sizes above 5 TiB (up to 2^53 - 1), is
 * refused with 400 or 413 (the documents set no code; both are usual for a size over a limit).
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import { MAX_FILE_SIZE, targetOf, tryInit, uniqueName } from "./protocol.ts";

export const cvMaxFileSize: Check = {
  id: "CV-MAX-FILE-SIZE",
  protocol: "cavatica",
  title: "Init declaring a size over 5 TiB is refused with 400",
  async run(ctx) {
    const target = targetOf(ctx);
    const expectRefused = async (size: number) => {
      const answer = await tryInit(ctx, { ...target, name: uniqueName("max-size"), size });
      if (answer.status !== 400 && answer.status !== 413)
        ctx.fail(`init with size ${size} (over 5 TiB) answered ${answer.status}, not 400 or 413`);
    };
    await expectRefused(MAX_FILE_SIZE + 1);
    await ctx.property(fc.integer({ min: MAX_FILE_SIZE + 1, max: Number.MAX_SAFE_INTEGER }), expectRefused, {
      numRuns: 5,
    });
  },
};
