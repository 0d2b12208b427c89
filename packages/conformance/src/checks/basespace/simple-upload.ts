/**
 * BS-SIMPLE-UPLOAD (should): `POST appresults/{id}/files` without `multipart` stores the request
 * body as the whole file and answers with a File whose UploadStatus is `complete`.
 * Source: basespace-python-sdk src/BaseSpacePy/api/BaseSpaceAPI.py (__singlepartFileUpload__),
 * test/unit_tests.py.
 *
 * Simple uploads of generated small files (bytes and media type; the Python SDK sends the
 * caller's type) must answer 200 or 201 (sources are silent on which) with a complete File of the
 * right Size, and read back byte for byte through files/{id}/content.
 */

import type { File } from "@partwise/protocol-basespace";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import { appResultOf, envelopeOf, expectContent, expectStatus, fileName, query, send } from "./support.ts";

export const bsSimpleUpload: Check = {
  id: "BS-SIMPLE-UPLOAD",
  protocol: "basespace",
  title: "a simple upload stores the body as a complete file that reads back byte for byte",
  async run(ctx) {
    const ar = encodeURIComponent(appResultOf(ctx));
    await ctx.property(
      fc.record({
        name: fileName,
        bytes: fc.uint8Array({ minLength: 1, maxLength: 4096 }),
        contentType: fc.constantFrom("text/plain", "application/zip", "application/octet-stream"),
      }),
      async ({ name, bytes, contentType }) => {
        ctx.spend(bytes.length);
        const answer = await send(ctx, {
          method: "POST",
          path: `/appresults/${ar}/files${query({ name })}`,
          headers: { "content-type": contentType },
          body: bytes,
        });
        expectStatus(ctx, answer, [200, 201], `simple upload of ${bytes.length} bytes`);
        const file = envelopeOf<File>(ctx, answer, "FileResponse", "simple upload");
        if (file.UploadStatus !== "complete" || file.Size !== bytes.length)
          ctx.fail(
            `simple upload of ${bytes.length} bytes answered UploadStatus ${file.UploadStatus} and Size ${file.Size}`,
            answer.exchange,
          );
        await expectContent(ctx, file.Id, bytes, "the simple upload");
      },
      { numRuns: 8 },
    );
  },
};
