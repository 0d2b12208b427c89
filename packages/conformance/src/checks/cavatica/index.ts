/**
 * The CAVATICA / Seven Bridges API v2 checks: one per CV-* rule of specs/rules.yaml, in the
 * catalogue's order. Each file opens with the rule it tests, its level and source and what the
 * check does; protocol.ts drives the upload flow on the recorded HTTP client.
 *
 * Against the embedded reference server they take several seconds, most of it CV-PART-URL-EXPIRY
 * waiting for a part URL to expire, and upload about 80 MiB (CV-COMPLETE-ORDER joins eleven parts,
 * ten of 5 MiB, so that numeric and text order differ; CV-COMPLETE-MISSING, CV-COMPLETE-MIN-SIZE
 * and CV-STORAGE-ETAG need a 5 MiB part each; every other check uses parts of a few KiB at most).
 */
import type { Check } from "../../check.ts";
import { cvAbort } from "./abort.ts";
import { cvAuth } from "./auth.ts";
import { cvAuthIsolation } from "./auth-isolation.ts";
import { cvBooleanQuery } from "./boolean-query.ts";
import { cvCompleteFile } from "./complete-file.ts";
import { cvCompleteMinSize } from "./complete-min-size.ts";
import { cvCompleteMissing } from "./complete-missing.ts";
import { cvCompleteOrder } from "./complete-order.ts";
import { cvCompleteTerminal } from "./complete-terminal.ts";
import { cvErrorEnvelope } from "./error-envelope.ts";
import { cvFileMetadata } from "./file-metadata.ts";
import { cvFileTags } from "./file-tags.ts";
import { cvFilesQuery } from "./files-query.ts";
import { cvInitName } from "./init-name.ts";
import { cvInitNameChars } from "./init-name-chars.ts";
import { cvInitOverwrite } from "./init-overwrite.ts";
import { cvInitTarget } from "./init-target.ts";
import { cvListParts } from "./list-parts.ts";
import { cvListPartsOrder } from "./list-parts-order.ts";
import { cvMaxFileSize } from "./max-file-size.ts";
import { cvPartNumber } from "./part-number.ts";
import { cvPartNumberMax } from "./part-number-max.ts";
import { cvPartSize } from "./part-size.ts";
import { cvPartSizePreference } from "./part-size-preference.ts";
import { cvPartUrl } from "./part-url.ts";
import { cvPartUrlExpiry } from "./part-url-expiry.ts";
import { cvPartUrlLifetime } from "./part-url-lifetime.ts";
import { cvPartUrlMethod } from "./part-url-method.ts";
import { cvPartUrlSignature } from "./part-url-signature.ts";
import { cvRateLimitHeaders } from "./rate-limit-headers.ts";
import { cvReportBatch } from "./report-batch.ts";
import { cvReportBody } from "./report-body.ts";
import { cvReportEtag } from "./report-etag.ts";
import { cvReportHeaders } from "./report-headers.ts";
import { cvStorageEtag } from "./storage-etag.ts";
import { cvSuccessCodes } from "./success-codes.ts";

export const cavaticaChecks: readonly Check[] = [
  cvAuth,
  cvAuthIsolation,
  cvInitTarget,
  cvInitName,
  cvInitNameChars,
  cvInitOverwrite,
  cvBooleanQuery,
  cvPartSizePreference,
  cvPartSize,
  cvPartNumber,
  cvPartNumberMax,
  cvMaxFileSize,
  cvPartUrl,
  cvPartUrlLifetime,
  cvPartUrlExpiry,
  cvPartUrlSignature,
  cvPartUrlMethod,
  cvSuccessCodes,
  cvReportHeaders,
  cvStorageEtag,
  cvReportBody,
  cvReportEtag,
  cvReportBatch,
  cvListParts,
  cvListPartsOrder,
  cvCompleteMissing,
  cvCompleteMinSize,
  cvCompleteOrder,
  cvCompleteFile,
  cvCompleteTerminal,
  cvAbort,
  cvErrorEnvelope,
  cvFilesQuery,
  cvFileMetadata,
  cvFileTags,
  cvRateLimitHeaders,
];
