/**
 * CV-PART-URL (must): the part URL response carries `method`, an absolute `url`, `expires`,
 * `headers` and `report` with `headers` (e.g. `["ETag"]`), and `success_codes` in `report` or at
 * the top level (the document shows both); `expires` is an ISO 8601 time or an integer (the
 * document shows both).
 * Source: [S3] "The response object contains information about the URL to which you should upload
 * the file part", with the keys method, url, expires, headers, report and success_codes.
 *
 * Check: for generated part numbers the answer is 200 and validates against the spec's PartUrl
 * (an absolute `url`, a `method`, `expires` as a date-time or epoch seconds, `headers` of strings,
 * `report.headers`), `expires` names a time, and `success_codes` is given, in `report` or (where
 * the [S3] table puts it) at the top level.
 */

import { cavaticaSchemas } from "@partwise/protocol-cavatica";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import { call, expiryOf, initUpload, MAX_PART_NUMBER, uniqueName, uploadPath } from "./protocol.ts";

export const cvPartUrl: Check = {
  id: "CV-PART-URL",
  protocol: "cavatica",
  title: "The part URL response has method, url, expires, headers and report",
  async run(ctx) {
    const upload = await initUpload(ctx, { name: uniqueName("part-url") });
    await ctx.property(
      fc.integer({ min: 1, max: MAX_PART_NUMBER }),
      async (n) => {
        const answer = await call(ctx, "GET", uploadPath(upload.upload_id, `/part/${n}`));
        if (answer.status !== 200) ctx.fail(`the part URL of part ${n} answered ${answer.status}, not 200`);
        const checked = cavaticaSchemas.validate("PartUrl", answer.json());
        if (!checked.ok)
          return ctx.fail(
            `the part URL of part ${n} is not a PartUrl: ${checked.issues[0]?.path || "/"} ${checked.issues[0]?.message}`,
          );
        if (!/^https?:\/\//i.test(checked.value.url))
          ctx.fail(`the part URL ${checked.value.url} is not absolute`);
        const { report, success_codes } = checked.value;
        if (report.success_codes === undefined && success_codes === undefined)
          ctx.fail(`the part URL of part ${n} has no success_codes, in report or at the top level`);
        if (expiryOf(checked.value.expires) === undefined)
          ctx.fail(`the part URL's expires ${JSON.stringify(checked.value.expires)} is not a time`);
      },
      { numRuns: 10 },
    );
  },
};
