/**
 * BS-ABORT (should): `POST files/{id}?uploadstatus=aborted` ends the upload, its parts are
 * discarded, and it can no longer receive parts or be completed.
 * Source: basespace-csharp-sdk Infrastructure/FileUpload.cs; basespace-java-sdk
 * entity/UploadStatus.java.
 *
 * Uploads with generated small parts (none to three) are aborted; the answer must be 200 with
 * UploadStatus `aborted`, and then — in generated order — a PUT of a part and a completion must
 * be refused (4xx; the spec documents 409) and GET files/{id} must report `aborted`.
 */
import type { File } from "@partwise/protocol-basespace";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import {
  byteSeed,
  bytesOf,
  envelopeOf,
  expectRefused,
  expectStatus,
  getFile,
  initiate,
  MAX_PART_NUMBER,
  putPart,
  setStatus,
  storePart,
} from "./support.ts";

type Probe = "part" | "complete" | "file";
const PROBES: readonly Probe[] = ["part", "complete", "file"];

export const bsAbort: Check = {
  id: "BS-ABORT",
  protocol: "basespace",
  title: "an aborted upload takes no more parts, cannot be completed and reports UploadStatus aborted",
  async run(ctx) {
    await ctx.property(
      fc.record({
        stored: fc.uniqueArray(fc.integer({ min: 1, max: MAX_PART_NUMBER }), { maxLength: 3 }),
        probes: fc.shuffledSubarray([...PROBES], { minLength: PROBES.length }),
        later: fc.integer({ min: 1, max: MAX_PART_NUMBER }),
        seed: byteSeed,
      }),
      async ({ stored, probes, later, seed }) => {
        const upload = await initiate(ctx, { name: "abort.bin" });
        for (const number of stored) await storePart(ctx, upload.id, number, bytesOf(8, seed + number));
        const aborted = await setStatus(ctx, upload.id, "aborted");
        expectStatus(ctx, aborted, 200, "aborting the upload");
        upload.ended = true;
        const file = envelopeOf<File>(ctx, aborted, "FileResponse", "aborting the upload");
        if (file.UploadStatus !== "aborted")
          ctx.fail(`aborting answered UploadStatus ${file.UploadStatus}`, aborted.exchange);
        for (const probe of probes) {
          if (probe === "part") {
            const answer = await putPart(ctx, upload.id, later, bytesOf(8, seed));
            expectRefused(ctx, answer, `PUT part ${later} after the abort`, "409");
          } else if (probe === "complete") {
            const answer = await setStatus(ctx, upload.id, "complete");
            expectRefused(ctx, answer, "completing after the abort", "409");
          } else {
            const after = await getFile(ctx, upload.id);
            if (after.UploadStatus !== "aborted")
              ctx.fail(`after the abort GET files/${upload.id} reports UploadStatus ${after.UploadStatus}`);
          }
        }
      },
      { numRuns: 5 },
    );
  },
};
