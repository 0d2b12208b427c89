/**
 * Parts (specs/cavatica.yaml tag `Parts`): the signed storage URL of a part [S3] and the reports of
 * uploaded parts, one (`POST …/part`, also `…/part/` as sevenbridges-python sends it) or several
 * (`POST /upload/multipart/{upload_id}` [S2]).
 */
import type { PartReportAnswer } from "../../generated/schemas.ts";
import type { OwnerId } from "../auth.ts";
import { ignoreBody, readJson } from "../body.ts";
import {
  breaks,
  findUpload,
  isoSeconds,
  type OperationHandler,
  parsePartNumber,
  partUrlScope,
  reportPolicy,
  type ServerContext,
  type UploadVerb,
} from "../context.ts";
import { badRequest, Code } from "../errors.ts";
import { type ParsedReport, parseReport, parseReportList } from "../requests.ts";
import { presignPart, syncS3Parts } from "../s3.ts";
import { signedQuery } from "../signing.ts";
import type { ReportDoc, UploadEntry } from "../state.ts";
import { uploadHref } from "../views.ts";

/** The status the storage answers and the headers to report (CV-SUCCESS-CODES, CV-REPORT-HEADERS). */
const SUCCESS_CODES = [200];
const REPORT_HEADERS = ["ETag"];

/**
 * GET /upload/multipart/{upload_id}/part/{part_number} (CV-PART-URL): `method`, an absolute signed
 * `url`, `expires` (ISO string, as the [S3] example; epoch seconds, as its table says "Integer", in
 * the strict reading), `headers` `{}`, and `report` with `success_codes` (also at the top level,
 * where the [S3] table puts it, except in the strict reading, which follows the examples).
 */
export const getPartUrl: OperationHandler = async (context, request, _url, params) => {
  const owner = context.auth.authenticate(request);
  await ignoreBody(request);
  const partNumber = parsePartNumber(context, params.part_number);
  const entry = findUpload(context, owner, params.upload_id, "part-url");
  const uploadId = entry.doc.uploadId;
  const strict = context.reading === "strict";
  // On S3, a presigned UploadPart URL on the S3 endpoint, as the platform hands out [S3].
  const presigned = await presignPart(context, entry, partNumber);
  if (presigned !== undefined)
    return Response.json({
      method: "PUT",
      url: presigned.url,
      expires: strict ? presigned.expires : isoSeconds(presigned.expires * 1000),
      headers: {},
      report: { headers: REPORT_HEADERS, success_codes: SUCCESS_CODES },
      ...(strict ? {} : { success_codes: SUCCESS_CODES }),
    });
  const signed = context.signer.sign(
    partUrlScope(context, uploadId, String(partNumber)),
    context.partUrlTtlMs,
  );
  // Mutants: a relative URL (CV-PART-URL), an expiry an hour early (CV-PART-URL-LIFETIME).
  const base = breaks(context, "CV-PART-URL")
    ? new URL(context.baseUrl(request)).pathname
    : context.baseUrl(request);
  const expires = signed.expires - (breaks(context, "CV-PART-URL-LIFETIME") ? 3600 : 0);
  return Response.json({
    method: "PUT",
    url: `${base}/storage/uploads/${uploadId}/parts/${partNumber}?${signedQuery(signed)}`,
    expires: strict ? expires : isoSeconds(expires * 1000),
    headers: {},
    report: { headers: REPORT_HEADERS, success_codes: SUCCESS_CODES },
    ...(strict ? {} : { success_codes: SUCCESS_CODES }),
  });
};

/** Report order, for the CV-LIST-PARTS-ORDER mutant only (lists parts as they were reported). */
let reportSequence = 0;

/**
 * Checks reports against the stored parts and records them, all or nothing (call under the
 * upload's lock). A part never stored, or an ETag other than the stored bytes' MD5 (quotes and
 * hex case aside), is refused with 400 / 8014 (CV-REPORT-ETAG); the lenient reading does not
 * compare ETags (whether the platform does is undocumented). Later reports of a part replace
 * earlier ones, also within one batch.
 */
export async function applyReports(
  context: ServerContext,
  entry: UploadEntry,
  reports: readonly ParsedReport[],
): Promise<void> {
  const accepted = new Map<number, ReportDoc>();
  reports.forEach((parsed, index) => {
    const where = reports.length > 1 ? `parts[${index}]: ` : "";
    const part = entry.parts.get(parsed.partNumber);
    if (part === undefined)
      throw badRequest(
        Code.invalidPartReport,
        `${where}Part ${parsed.partNumber} has not been uploaded to storage`,
        "CV-REPORT-ETAG",
      );
    // The CV-REPORT-ETAG mutant records whatever ETag it is told.
    if (parsed.etag !== part.md5 && context.reading !== "lenient" && !breaks(context, "CV-REPORT-ETAG"))
      throw badRequest(
        Code.invalidPartReport,
        `${where}The reported ETag of part ${parsed.partNumber} does not match the stored part`,
        "CV-REPORT-ETAG",
      );
    accepted.set(parsed.partNumber, {
      headers: parsed.report.response.headers,
      ...(parsed.report.response.body === undefined ? {} : { body: parsed.report.response.body }),
      etag: parsed.etag,
      ...(breaks(context, "CV-LIST-PARTS-ORDER") ? { seq: ++reportSequence } : {}),
    });
  });
  await context.state.putReports(entry, accepted);
}

async function report(
  context: ServerContext,
  owner: OwnerId,
  uploadId: string | undefined,
  reports: readonly ParsedReport[],
): Promise<void> {
  const verb: UploadVerb = "report";
  findUpload(context, owner, uploadId, verb);
  await context.state.locks.run(uploadId!, async () => {
    const entry = findUpload(context, owner, uploadId, verb);
    await syncS3Parts(context, entry);
    await applyReports(context, entry, reports);
  });
}

/**
 * POST /upload/multipart/{upload_id}/part (CV-REPORT-BODY): 200 echoes the report (the OAS example)
 * with the upload's `href`. sevenbridges-java copies this answer onto its upload object, which it
 * then navigates by `href` alone: without it, its next part URL request has no address.
 */
export const reportPart: OperationHandler = async (context, request, _url, params) => {
  const owner = context.auth.authenticate(request);
  const body = await readJson(request, "CV-REPORT-BODY", context.reading === "lenient");
  const parsed = parseReport(body, "", reportPolicy(context));
  await report(context, owner, params.upload_id, [parsed]);
  const answer: PartReportAnswer = {
    href: uploadHref(context.baseUrl(request), params.upload_id!),
    ...parsed.report,
  };
  return Response.json(answer);
};

/** POST /upload/multipart/{upload_id} with `{parts: [...]}` (CV-REPORT-BATCH): 200 echoes them. */
export const reportParts: OperationHandler = async (context, request, _url, params) => {
  const owner = context.auth.authenticate(request);
  const body = await readJson(request, "CV-REPORT-BATCH", context.reading === "lenient");
  const parsed = parseReportList(body, false, reportPolicy(context));
  await report(context, owner, params.upload_id, parsed);
  return Response.json({ parts: parsed.map((entry) => entry.report) });
};
