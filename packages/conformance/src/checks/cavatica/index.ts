/**
 * The CAVATICA / Seven Bridges API v2 checks: one per CV-* rule of specs/rules.yaml, in the
 * catalogue's order. Each file opens with the rule it tests, its source and what the check does;
 * protocol.ts drives the upload flow on the recorded HTTP client.
 *
 * Against the embedded reference server they take a few seconds, most of it CV-PART-URL-EXPIRY
 * waiting for a part URL to expire, and upload about 30 MiB (CV-COMPLETE-MISSING,
 * CV-COMPLETE-MIN-SIZE and CV-COMPLETE-ORDER need 5 MiB non-final parts; every other check uses
 * parts of a few KiB at most).
 */
import type { Check } from "../../check.ts";
import { cvAbort } from "./abort.ts";
import { cvAuth } from "./auth.ts";
import { cvAuthIsolation } from "./auth-isolation.ts";
import { cvCompleteFile } from "./complete-file.ts";
import { cvCompleteMinSize } from "./complete-min-size.ts";
import { cvCompleteMissing } from "./complete-missing.ts";
import { cvCompleteOrder } from "./complete-order.ts";
import { cvErrorEnvelope } from "./error-envelope.ts";
import { cvInitName } from "./init-name.ts";
import { cvInitOverwrite } from "./init-overwrite.ts";
import { cvInitTarget } from "./init-target.ts";
import { cvListParts } from "./list-parts.ts";
import { cvMaxFileSize } from "./max-file-size.ts";
import { cvPartNumber } from "./part-number.ts";
import { cvPartSize } from "./part-size.ts";
import { cvPartUrl } from "./part-url.ts";
import { cvPartUrlExpiry } from "./part-url-expiry.ts";
import { cvPartUrlSignature } from "./part-url-signature.ts";
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
  cvInitOverwrite,
  cvPartSize,
  cvPartNumber,
  cvMaxFileSize,
  cvPartUrl,
  cvPartUrlExpiry,
  cvPartUrlSignature,
  cvSuccessCodes,
  cvReportHeaders,
  cvStorageEtag,
  cvReportBody,
  cvReportEtag,
  cvReportBatch,
  cvListParts,
  cvCompleteMissing,
  cvCompleteMinSize,
  cvCompleteOrder,
  cvCompleteFile,
  cvAbort,
  cvErrorEnvelope,
];
