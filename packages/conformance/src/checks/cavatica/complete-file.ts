/**
 * CV-COMPLETE-FILE (must): a completion, with or without a body, answers 200 or 201 with the File
 * object (`id`, `name`, `size`, `project`...).
 * Source: https://docs.cavatica.org/docs/complete-a-multipart-upload, "This call must be issued to
 * report the completion of a file upload. An optional list of remaining parts may be given in the
 * body", with its example File; 200 (OAS) or 201 (the CGC example), both accepted.
 *
 * Check: single-part files of generated sizes (a final part needs no minimum) are completed with no
 * body (the list of parts is optional); the answer is 200 or 201, validates against the spec's
 * File, names the file that was uploaded, and its `size` equals the bytes uploaded.
 */

import { cavaticaSchemas } from "@partwise/protocol-cavatica";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import { bytesOf, completeUpload, initUpload, sendPart, uniqueName } from "./protocol.ts";

export const cvCompleteFile: Check = {
  id: "CV-COMPLETE-FILE",
  protocol: "cavatica",
  title: "Completion answers 200 or 201 with the File, its size the bytes uploaded",
  async run(ctx) {
    await ctx.property(
      fc.record({ size: fc.integer({ min: 1, max: 4096 }), seed: fc.nat() }),
      async ({ size, seed }) => {
        const name = uniqueName("complete-file");
        const upload = await initUpload(ctx, { name, size });
        await sendPart(ctx, upload.upload_id, 1, bytesOf(size, seed));
        const answer = await completeUpload(ctx, upload.upload_id);
        if (answer.status !== 200 && answer.status !== 201)
          ctx.fail(`completing a ${size}-byte single-part upload answered ${answer.status}, not 200 or 201`);
        const checked = cavaticaSchemas.validate("File", answer.json());
        if (!checked.ok)
          return ctx.fail(
            `the completion answer is not a File: ${checked.issues[0]?.path || "/"} ${checked.issues[0]?.message}`,
          );
        if (checked.value.size !== size)
          ctx.fail(`the File's size is ${checked.value.size}, not the ${size} bytes uploaded`);
        if (checked.value.name !== name)
          ctx.fail(`the File's name is ${JSON.stringify(checked.value.name)}, not ${JSON.stringify(name)}`);
      },
      { numRuns: 3 },
    );
  },
};
