/**
 * CV-REPORT-BODY (must): a part report is `{part_number, response: {headers: {...}}}` POSTed to
 * /upload/multipart/{upload_id}/part, the header values as collected (the ETag with or without its
 * quotes); a malformed report is refused with 400 (code 8014).
 * Source: https://docs.sevenbridges.com/reference/report-an-uploaded-file-part (the body
 * `{"part_number": 1, "response": {"headers": {"ETag": ...}}}`; "their values are the strings that
 * you have collected from the HTTP part upload request"); api-status-codes 8014 (400).
 *
 * Check: part 1 of an upload is stored; generated malformed reports of it (no part_number, no
 * response, a part_number, response, headers or header value of the wrong type, a body that is
 * not an object) are refused with 400 (or 422), and generated valid reports of it — the header
 * named exactly as `report.headers` names it, its value as collected (quoted) or unquoted as in
 * the document's example — are accepted.
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import {
  bytesOf,
  call,
  initUpload,
  isBadRequest,
  isSuccess,
  seedOf,
  storePart,
  uniqueName,
  uploadPath,
} from "./protocol.ts";

/** Values of every JSON type but the given ones. */
const otherThan = (...types: string[]) =>
  fc
    .constantFrom<unknown>("1", 1, 1.5, true, null, [], [1], {}, { a: "b" })
    .filter(
      (value) => !types.includes(value === null ? "null" : Array.isArray(value) ? "array" : typeof value),
    );

export const cvReportBody: Check = {
  id: "CV-REPORT-BODY",
  protocol: "cavatica",
  title: "Malformed part reports are refused with 400; valid ones are accepted",
  async run(ctx) {
    const upload = await initUpload(ctx, { name: uniqueName("report-body") });
    const {
      headers,
      partUrl,
      answer: stored,
    } = await storePart(ctx, upload.upload_id, 1, bytesOf(40, seedOf(ctx)));
    const headerName = partUrl.report.headers.find((name) => name.toLowerCase() === "etag") ?? "ETag";
    const etag = headers[headerName] ?? Object.values(headers)[0] ?? "";
    const collected = stored.headers.get(headerName) ?? etag;
    const good = { [headerName]: etag };

    const malformed = fc.oneof(
      fc.constant({ what: "no part_number", body: { response: { headers: good } } as unknown }),
      fc.constant({ what: "no response", body: { part_number: 1 } as unknown }),
      otherThan("number").map((n) => ({
        what: `part_number ${JSON.stringify(n)}`,
        body: { part_number: n, response: { headers: good } } as unknown,
      })),
      otherThan("object").map((r) => ({
        what: `response ${JSON.stringify(r)}`,
        body: { part_number: 1, response: r } as unknown,
      })),
      otherThan("object").map((h) => ({
        what: `response.headers ${JSON.stringify(h)}`,
        body: { part_number: 1, response: { headers: h } } as unknown,
      })),
      otherThan("string").map((v) => ({
        what: `an ETag of ${JSON.stringify(v)}`,
        body: { part_number: 1, response: { headers: { [headerName]: v } } } as unknown,
      })),
      otherThan("object").map((b) => ({ what: `the body ${JSON.stringify(b)}`, body: b })),
    );
    const valid = fc.boolean().map((asCollected) => ({
      what: "valid",
      body: {
        part_number: 1,
        response: { headers: { [headerName]: asCollected ? collected : etag } },
      } as unknown,
    }));

    await ctx.property(
      fc.oneof({ weight: 3, arbitrary: malformed }, { weight: 1, arbitrary: valid }),
      async ({ what, body }) => {
        const answer = await call(ctx, "POST", uploadPath(upload.upload_id, "/part"), { body });
        if (what === "valid") {
          if (!isSuccess(answer.status)) ctx.fail(`a valid report was refused with ${answer.status}`);
        } else if (!isBadRequest(answer.status))
          ctx.fail(`a report with ${what} answered ${answer.status}, not 400`);
      },
      { numRuns: 30 },
    );
  },
};
