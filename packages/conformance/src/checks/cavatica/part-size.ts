/**
 * CV-PART-SIZE (must): the `part_size` the server answers is authoritative and lets the file fit in
 * 10,000 parts of 5 MiB to 5 GiB; clients use it even when it differs from the one they asked for.
 * Source: sevenbridges-python sevenbridges/models/enums.py `PartSize`; sevenbridges2
 * R/utils-validations.R.
 *
 * Check: uploads are initialised with generated sizes (none, small, up to 5 TiB) and generated
 * preferred part sizes (none, inside and outside 5 MiB..5 GiB, too small for the size); every init
 * is accepted (a preference is replaced, never refused), the answered `part_size` is an integer
 * within 5 MiB..5 GiB, and ceil(size / part_size) is at most 10,000.
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import {
  abortUpload,
  initUpload,
  MAX_FILE_SIZE,
  MAX_PART_NUMBER,
  MIN_PART_SIZE,
  MiB,
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
        const upload = await initUpload(ctx, { name: uniqueName("part-size"), size, part_size: preferred });
        await abortUpload(ctx, upload.upload_id);
        const partSize = upload.part_size;
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
