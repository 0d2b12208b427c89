/**
 * CAVATICA / Seven Bridges multipart limits. The API documents state no numbers; these are the
 * official SDKs' constants (sevenbridges-python models/enums.py `PartSize`, sevenbridges2
 * R/utils-validations.R), which match S3's multipart rules. The server's answered `part_size` is
 * authoritative (CV-PART-SIZE). Rule ids: CV-PART-NUMBER, CV-COMPLETE-MIN-SIZE, CV-PART-SIZE,
 * CV-MAX-FILE-SIZE.
 */
import type { PartLimits } from "@partwise/engine";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export const cavaticaLimits: PartLimits = {
  minPartSize: 5 * MiB,
  maxPartSize: 5 * GiB,
  maxParts: 10_000,
  maxTotalSize: 5 * 1024 * GiB,
  rules: {
    minPartSize: "CV-COMPLETE-MIN-SIZE",
    maxPartSize: "CV-PART-SIZE",
    maxParts: "CV-PART-NUMBER",
    maxTotalSize: "CV-MAX-FILE-SIZE",
  },
};

/** The part size the SDKs ask for when the caller names none (`UPLOAD_RECOMMENDED_SIZE`). */
export const CAVATICA_RECOMMENDED_PART_SIZE = 32 * MiB;
