/**
 * BS-ABORT (should): `POST files/{id}?uploadstatus=aborted` by the upload's owner ends the upload,
 * its parts are discarded, and it can no longer receive parts or be completed; another token
 * cannot abort it.
 * Source: basespace-csharp-sdk Infrastructure/FileUpload.cs; basespace-java-sdk
 * entity/UploadStatus.java (the seeds do not describe abort).
 *
 * Uploads with generated small parts (none to three): the second token's abort must be refused
 * (any 4xx; skipped without `--other-token`); the owner's abort must succeed (2xx; its status is
 * undocumented), and then — in generated order — a PUT of a part and a completion must be refused
 * (any 4xx) and GET files/{id} must report `aborted`, or no File at all (404 or 410: whether an
 * aborted File is kept is undocumented).
 */
import type { File } from "@partwise/protocol-basespace";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import {
  byteSeed,
  bytesOf,
  envelopeOf,
  expectRefused,
  initiate,
  MAX_PART_NUMBER,
  putPart,
  send,
  setStatus,
  storePart,
} from "./support.ts";

type Probe = "part" | "complete" | "file";
const PROBES: readonly Probe[] = ["part", "complete", "file"];

export const bsAbort: Check = {
  id: "BS-ABORT",
  protocol: "basespace",
  title:
    "only the owner aborts; an aborted upload takes no more parts, cannot be completed and reports aborted",
  async run(ctx) {
    const other = ctx.target.otherToken;
    await ctx.property(
      fc.record({
        stored: fc.uniqueArray(fc.integer({ min: 1, max: MAX_PART_NUMBER }), { maxLength: 3 }),
        probes: fc.shuffledSubarray([...PROBES], { minLength: PROBES.length }),
        later: fc.integer({ min: 1, max: MAX_PART_NUMBER }),
        seed: byteSeed,
      }),
      async ({ stored, probes, later, seed }) => {
        const upload = await initiate(ctx, { name: "abort.bin" });
        // Ascending: each small part may still be the final one, so none may be refused for its size.
        for (const number of [...stored].sort((a, b) => a - b))
          await storePart(ctx, upload.id, number, bytesOf(8, seed + number));
        if (other !== undefined) {
          const intruder = await setStatus(ctx, upload.id, "aborted", other);
          expectRefused(ctx, intruder, "aborting the first token's upload with the second token");
        }
        const aborted = await setStatus(ctx, upload.id, "aborted");
        if (aborted.status < 200 || aborted.status >= 300)
          ctx.fail(`aborting the upload answered ${aborted.status}, expected a 2xx`, aborted.exchange);
        upload.ended = true;
        if (aborted.json() !== undefined) {
          const file = envelopeOf<File>(ctx, aborted, "FileResponse", "aborting the upload");
          if (file.UploadStatus !== "aborted")
            ctx.fail(`aborting answered UploadStatus ${file.UploadStatus}`, aborted.exchange);
        }
        for (const probe of probes) {
          if (probe === "part") {
            const answer = await putPart(ctx, upload.id, later, bytesOf(8, seed));
            expectRefused(ctx, answer, `PUT part ${later} after the abort`);
          } else if (probe === "complete") {
            const answer = await setStatus(ctx, upload.id, "complete");
            expectRefused(ctx, answer, "completing after the abort");
          } else {
            const answer = await send(ctx, {
              method: "GET",
              path: `/files/${encodeURIComponent(upload.id)}`,
            });
            if (answer.status === 404 || answer.status === 410) continue;
            const after = envelopeOf<File>(
              ctx,
              answer,
              "FileResponse",
              `GET files/${upload.id} after the abort`,
            );
            if (answer.status !== 200 || after.UploadStatus !== "aborted")
              ctx.fail(
                `after the abort GET files/${upload.id} answered ${answer.status} with UploadStatus ${after.UploadStatus}`,
                answer.exchange,
              );
          }
        }
      },
      { numRuns: 5 },
    );
  },
};
