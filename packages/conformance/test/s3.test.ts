/**
 * The reference servers on a real S3 (Ceph's RADOS Gateway, test-support/rgw-setup.ts) keep the
 * rules whose answers now come from S3 itself: CAVATICA's part URLs, their ETags, success codes,
 * signatures and completion, BaseSpace's and YouForce's parts and downloads. A subset of the suite,
 * chosen for the storage leg and for time; `partwise conformance` runs all of it the same way.
 */
import { expect, inject, test } from "vitest";
import { testBucket } from "../../../test-support/s3-tests.ts";
import { exitCodeOf } from "../src/report.ts";
import { runConformance } from "../src/runner.ts";

const STORAGE_CHECKS = [
  "CV-PART-URL",
  "CV-PART-URL-SIGNATURE",
  "CV-STORAGE-ETAG",
  "CV-SUCCESS-CODES",
  "CV-REPORT-ETAG",
  "CV-COMPLETE-FILE",
  "CV-COMPLETE-MIN-SIZE",
  "BS-DOWNLOAD",
  "BS-SIMPLE-UPLOAD",
  "BS-PART-MD5",
  "YF-TWO-PARTS",
  "YF-DOWNLOAD-RANGE",
  "YF-RESUMABLE-RESEND",
];

const s3 = inject("partwiseS3");

test.skipIf(s3 === undefined)(
  "the embedded servers on S3 pass the checks of the storage leg",
  async () => {
    if (s3 === undefined) throw new Error("no S3 endpoint");
    const seed = process.env.FC_SEED === undefined ? 7 : Number(process.env.FC_SEED);
    const report = await runConformance({
      protocol: "all",
      embedded: { storage: { kind: "s3", ...s3, bucket: testBucket("conformance") } },
      checks: STORAGE_CHECKS,
      seed,
      numRuns: 2,
    });
    const notPassed = report.checks
      .filter((c) => c.status !== "passed")
      .map((c) => `${c.id}: ${c.status}${c.message ? ` — ${c.message}` : ""} (seed ${seed})`);
    expect(notPassed, notPassed.join("\n")).toEqual([]);
    expect(report.checks.map((c) => c.id).sort()).toEqual([...STORAGE_CHECKS].sort());
    expect(exitCodeOf(report)).toBe(0);
  },
  300_000,
);
