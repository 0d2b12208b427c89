/**
 * CV-REPORT-BATCH (must): POST /upload/multipart/{upload_id} with `{parts: [...]}` reports several
 * parts at once; a body without a `parts` array is refused with 400 (code 8015).
 * Source: [S2] "This call allows you to report the upload multiple file parts at once." with the
 * key "parts | Array of Objects"; api-status-codes 8015 (400).
 *
 * Check: generated sets of parts (numbers anywhere in 1..10000, small sizes) are stored, then
 * reported in one batch in a generated order; the batch is accepted and `list_parts` shows every
 * one of them with its ETag. Generated bodies without a `parts` array (`{}`, `parts` of another
 * type, a misspelt key, a bare array, `null`) are refused with 400 (or 422).
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import {
  bytesOf,
  call,
  etagOf,
  initUpload,
  isBadRequest,
  isSuccess,
  listParts,
  MAX_PART_NUMBER,
  reportOf,
  storePart,
  uniqueName,
  uploadPath,
} from "./protocol.ts";

const withoutParts = fc.constantFrom<unknown>(
  {},
  { parts: null },
  { parts: "1" },
  { parts: 1 },
  { parts: {} },
  { parts: { part_number: 1 } },
  { part: [] },
  { Parts: [] },
  [],
  null,
);

export const cvReportBatch: Check = {
  id: "CV-REPORT-BATCH",
  protocol: "cavatica",
  title: "Several parts reported at once show in list_parts; a body without parts is refused with 400",
  async run(ctx) {
    await ctx.property(
      fc.record({
        parts: fc.uniqueArray(fc.integer({ min: 1, max: MAX_PART_NUMBER }), { minLength: 1, maxLength: 5 }),
        seed: fc.nat(),
        size: fc.integer({ min: 1, max: 512 }),
      }),
      async ({ parts, seed, size }) => {
        const upload = await initUpload(ctx, { name: uniqueName("report-batch") });
        const stored: { readonly n: number; readonly headers: Record<string, string> }[] = [];
        for (const [i, n] of parts.entries()) {
          const { headers } = await storePart(ctx, upload.upload_id, n, bytesOf(size + i, seed + i));
          stored.push({ n, headers });
        }
        const body = { parts: stored.map(({ n, headers }) => reportOf(n, headers)) };
        const batch = await call(ctx, "POST", uploadPath(upload.upload_id), { body });
        if (!isSuccess(batch.status))
          ctx.fail(`a batch report of parts ${parts.join(", ")} was refused with ${batch.status}`);
        const { answer, details } = await listParts(ctx, upload.upload_id);
        if (details === undefined) return ctx.fail(`the upload's details answered ${answer.status}`);
        for (const { n, headers } of stored) {
          const listed = details.parts?.find((part) => part.part_number === n);
          if (listed === undefined) return ctx.fail(`part ${n}, reported in a batch, is not in list_parts`);
          if (etagOf(listed.response.headers) !== etagOf(headers))
            ctx.fail(`part ${n} is listed with another ETag than the batch reported`);
        }
      },
      { numRuns: 4 },
    );
    const upload = await initUpload(ctx, { name: uniqueName("report-batch") });
    await ctx.property(
      withoutParts,
      async (body) => {
        const answer = await call(ctx, "POST", uploadPath(upload.upload_id), { body });
        if (!isBadRequest(answer.status))
          ctx.fail(`a batch report body ${JSON.stringify(body)} answered ${answer.status}, not 400`);
      },
      { numRuns: 10 },
    );
  },
};
