/**
 * The BaseSpace checks: one per BS-* rule of specs/rules.yaml, in the catalogue's order. Each
 * runs against any BaseSpace v1pre3 server through `ctx` alone (target, recorded HTTP, seeded
 * properties, data budget, clean-up).
 */
import type { Check } from "../../check.ts";
import { bsAbort } from "./abort.ts";
import { bsAuth, bsAuth401, bsAuthCarriers } from "./auth.ts";
import { bsCompleteEmpty, bsCompleteFinal, bsCompleteStatus } from "./complete.ts";
import { bsDownload } from "./download.ts";
import { bsEnvelope, bsErrorEnvelope } from "./envelope.ts";
import { bsInitMultipart, bsInitName, bsInitPath } from "./initiate.ts";
import { bsAuthIsolation, bsAuthIsolationRead } from "./isolation.ts";
import { bsParamsAnywhere } from "./params.ts";
import { bsPartEtag, bsPartMd5 } from "./part-integrity.ts";
import { bsPartNumber } from "./part-number.ts";
import { bsCompleteOrder, bsPartAnyOrder } from "./part-order.ts";
import { bsPartMaxSize, bsPartMinSize } from "./part-size.ts";
import { bsPartReplace } from "./replace.ts";
import { bsSimpleUpload } from "./simple-upload.ts";

export const basespaceChecks: readonly Check[] = [
  bsAuth,
  bsAuth401,
  bsAuthCarriers,
  bsAuthIsolation,
  bsAuthIsolationRead,
  bsInitName,
  bsInitMultipart,
  bsInitPath,
  bsSimpleUpload,
  bsParamsAnywhere,
  bsPartNumber,
  bsPartMinSize,
  bsPartMaxSize,
  bsPartMd5,
  bsPartEtag,
  bsPartReplace,
  bsPartAnyOrder,
  bsCompleteOrder,
  bsCompleteStatus,
  bsCompleteEmpty,
  bsCompleteFinal,
  bsAbort,
  bsEnvelope,
  bsErrorEnvelope,
  bsDownload,
];
