/**
 * CV-PART-SIZE (should): the `part_size` the server answers lies within 5 MiB..5 GiB and lets the
 * file fit in 10,000 parts.
 * Source: inference from sevenbridges-python sevenbridges/models/enums.py `PartSize` and
 * sevenbridges2 R/utils-validations.R, which match S3's multipart limits; no document states them.
 *
 * Check: uploads are initialised with generated sizes (none, small, up to 5 TiB) and generated
 * preferred part sizes (none, inside and outside 5 MiB..5 GiB, too small for the size); for every
 * accepted init (refusing a preference is CV-PART-SIZE-PREFERENCE's business) the answered
 * `part_size` is an integer within 5 MiB..5 GiB, and ceil(size / part_size) is at most 10,000.
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import {
  abortUpload,
  isSuccess,
  MAX_FILE_SIZE,
  MAX_PART_NUMBER,
  MIN_PART_SIZE,
  MiB,
  targetOf,
  tryInit,
  uniqueName,
} from "./protocol.ts";

const MAX_PART_SIZE = 5 * 1024 * MiB;

const size = fc.option(
  fc.oneof(
    fc.integer({ min: 0, max: 100 * MiB }),
    fc.integer({ min: 0, max: MAX_FILE_SIZE }),
    fc.constantFrom(MAX_FILE_SIZE, 50 * 1024 * MiB, 50 * 1024 * MiB + 1),
  ),
  { nil: undefined },
);
const preferred = fc.option(
  fc.oneof(
    fc.integer({ min: 1, max: 10 * 1024 * MiB }),
    fc.constantFrom(MIN_PART_SIZE - 1, MIN_PART_SIZE, 32 * MiB, MAX_PART_SIZE, MAX_PART_SIZE + 1),
  ),
  { nil: undefined },
);

export const cvPartSize: Check = {
  id: "CV-PART-SIZE",
  protocol: "cavatica",
  title: "The answered part_size is within 5 MiB..5 GiB and fits the file in 10,000 parts",
  async run(ctx) {
    await ctx.property(
      fc.record({ size, preferred }),
      async ({ size, preferred }) => {
        const body = {
          ...targetOf(ctx),
          name: uniqueName("part-size"),
          ...(size === undefined ? {} : { size }),
          ...(preferred === undefined ? {} : { part_size: preferred }),
        };
        const answer = await tryInit(ctx, body);
        if (!isSuccess(answer.status)) return;
        const upload = answer.json<{ upload_id?: unknown; part_size?: unknown }>();
        if (typeof upload?.upload_id === "string") await abortUpload(ctx, upload.upload_id);
        const partSize = upload?.part_size;
        if (typeof partSize !== "number") return ctx.fail("init answered no part_size");
        if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE)
          ctx.fail(`the answered part_size ${partSize} is not within 5 MiB..5 GiB`);
        if (size !== undefined && Math.ceil(size / partSize) > MAX_PART_NUMBER)
          ctx.fail(
            `the answered part_size ${partSize} needs ${Math.ceil(size / partSize)} parts for ${size} bytes, over 10,000`,
          );
      },
      { numRuns: 15 },
    );
  },
};
