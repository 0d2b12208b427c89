/**
 * CV-PART-SIZE-PREFERENCE (must): a preferred `part_size` never makes initialization fail: an
 * incompatible one is replaced, and the answer's `part_size` (a positive integer) is the one to use.
 * Source: https://sb-biodatacatalyst.readme.io/docs/initialize-a-multipart-upload, "part_size |
 * Integer | The preferred size for upload parts. If omitted or set to a value that is incompatible
 * with the cloud storage provider (AWS), a default value will be used."
 *
 * Check: uploads are initialised with generated preferred part sizes — positive integers inside
 * and outside 5 MiB..5 GiB, with and without a generated `size` — and each init is accepted with a
 * positive integer `part_size`. (Whether that value is within the SDKs' limits is CV-PART-SIZE.)
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import { abortUpload, isSuccess, MIN_PART_SIZE, MiB, targetOf, tryInit, uniqueName } from "./protocol.ts";

const preferred = fc.oneof(
  fc.integer({ min: 1, max: MIN_PART_SIZE - 1 }),
  fc.integer({ min: 1, max: 10 * 1024 * MiB }),
  fc.constantFrom(1, MIN_PART_SIZE - 1, 5 * 1024 * MiB + 1, 8 * 1024 * MiB),
);

export const cvPartSizePreference: Check = {
  id: "CV-PART-SIZE-PREFERENCE",
  protocol: "cavatica",
  title: "Init with any preferred part_size is accepted; the answered part_size is a positive integer",
  async run(ctx) {
    const target = targetOf(ctx);
    await ctx.property(
      fc.record({
        part_size: preferred,
        size: fc.option(fc.integer({ min: 0, max: 1024 * MiB }), { nil: undefined }),
      }),
      async ({ part_size, size }) => {
        const body = {
          ...target,
          name: uniqueName("part-size"),
          part_size,
          ...(size === undefined ? {} : { size }),
        };
        const answer = await tryInit(ctx, body);
        if (!isSuccess(answer.status))
          return ctx.fail(
            `init with the preferred part_size ${part_size} was refused with ${answer.status}, not replaced`,
          );
        const upload = answer.json<{ upload_id?: unknown; part_size?: unknown }>();
        if (typeof upload?.upload_id === "string") await abortUpload(ctx, upload.upload_id);
        if (
          typeof upload?.part_size !== "number" ||
          !Number.isSafeInteger(upload.part_size) ||
          upload.part_size < 1
        )
          ctx.fail(
            `init with the preferred part_size ${part_size} answered part_size ${JSON.stringify(upload?.part_size)}`,
          );
      },
      { numRuns: 12 },
    );
  },
};
