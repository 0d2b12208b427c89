import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  missingCephBinaries,
  parseRgwEnv,
  s3Required,
  s3SkippedLine,
  testBucket,
} from "../../test-support/s3.ts";

describe("the S3 tests' gateway (test-support/s3.ts)", () => {
  test("parses scripts/ceph-rgw.sh's KEY=VALUE lines, and nothing without an endpoint and keys", () => {
    const text = [
      "CEPH_RGW_DIR=/tmp/ceph-rgw.x",
      "S3_ENDPOINT=http://127.0.0.1:7480",
      "AWS_ACCESS_KEY_ID=AK",
      "AWS_SECRET_ACCESS_KEY=s=cret",
      "",
    ].join("\n");
    expect(parseRgwEnv(text)).toEqual({
      endpoint: "http://127.0.0.1:7480",
      accessKeyId: "AK",
      secretAccessKey: "s=cret",
      region: "us-east-1",
      dir: "/tmp/ceph-rgw.x",
    });
    expect(parseRgwEnv("S3_ENDPOINT=http://127.0.0.1:7480\nAWS_ACCESS_KEY_ID=AK\n")).toBeUndefined();
  });

  test("PARTWISE_REQUIRE_S3 makes a missing gateway a failure; the skip line says how to run them", () => {
    expect(s3Required({ PARTWISE_REQUIRE_S3: "1" })).toBe(true);
    expect(s3Required({ PARTWISE_REQUIRE_S3: "0" })).toBe(false);
    expect(s3Required({})).toBe(false);
    expect(s3SkippedLine("no radosgw")).toMatch(/^S3 tests skipped: no radosgw; .*apt-get install/);
  });

  test("Ceph's binaries are looked for on PATH", async () => {
    const dir = await mkdtemp(join(tmpdir(), "partwise-ceph-bin-"));
    try {
      expect(missingCephBinaries(dir)).toContain("radosgw");
      await writeFile(join(dir, "radosgw"), "");
      expect(missingCephBinaries(dir)).not.toContain("radosgw");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("bucket names are valid S3 names, distinct per call", () => {
    const a = testBucket("Some_Label");
    expect(a).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
    expect(testBucket("x")).not.toBe(testBucket("x"));
  });
});
