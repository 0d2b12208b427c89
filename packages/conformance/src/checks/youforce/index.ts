/**
 * The YouForce checks: one per YF-* rule of specs/rules.yaml, and one per MIME-* rule, which are
 * tested through YouForce's `POST /files?uploadType=multipart` (RFC 2046 / RFC 2387 framing).
 * Each runs against any YouForce File API server, given its API root (`…/v1.0`), a token and the
 * business type to publish to (`--business-type-id`); the isolation check needs `--other-token`.
 */
import type { Check } from "../../check.ts";
import { authChecks } from "./auth.ts";
import { errorChecks } from "./errors.ts";
import { fileChecks } from "./files.ts";
import { limitChecks } from "./limits.ts";
import { mimeBoundaryChecks } from "./mime-boundary.ts";
import { mimeFramingChecks } from "./mime-framing.ts";
import { mimeRelatedChecks } from "./mime-related.ts";
import { nameChecks } from "./names.ts";
import { resumableChecks } from "./resumable.ts";
import { uploadChecks } from "./upload.ts";

export const youforceChecks: readonly Check[] = [
  ...authChecks,
  ...uploadChecks,
  ...nameChecks,
  ...resumableChecks,
  ...fileChecks,
  ...errorChecks,
  ...limitChecks,
  ...mimeBoundaryChecks,
  ...mimeFramingChecks,
  ...mimeRelatedChecks,
];
