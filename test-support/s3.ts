/**
 * A real S3 endpoint for the tests: Ceph's RADOS Gateway (scripts/ceph-rgw.sh). A vitest
 * globalSetup (rgw-setup.ts) decides once per run, from the environment and the machine:
 *
 * - `PARTWISE_S3_ENV=FILE` (CI: `.ci/run` brings RGW up once and points here): reuse that gateway;
 *   FILE holds the script's `KEY=VALUE` lines (S3_ENDPOINT, AWS_ACCESS_KEY_ID, …);
 * - else, when the machine has Ceph's binaries (`radosgw`, `ceph-mon`, `ceph-osd`): start a
 *   throwaway gateway for this run and stop it afterwards;
 * - else skip the S3 tests with one line on stderr saying how to run them, unless
 *   `PARTWISE_REQUIRE_S3=1` (CI), which makes a missing gateway a failure.
 */
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";

export interface S3Endpoint {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
}

export const HOW_TO_RUN_S3_TESTS =
  "to run them, apt-get install --no-install-recommends ceph-mon ceph-osd radosgw ceph-common and rerun";

const BINARIES = ["radosgw", "ceph-mon", "ceph-osd", "ceph", "radosgw-admin"];

/** Parses the script's `KEY=VALUE` lines into an endpoint, or undefined when a key is missing. */
export function parseRgwEnv(text: string): (S3Endpoint & { readonly dir?: string }) | undefined {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) values.set(match[1]!, match[2]!);
  }
  const endpoint = values.get("S3_ENDPOINT");
  const accessKeyId = values.get("AWS_ACCESS_KEY_ID");
  const secretAccessKey = values.get("AWS_SECRET_ACCESS_KEY");
  if (endpoint === undefined || accessKeyId === undefined || secretAccessKey === undefined) return undefined;
  const dir = values.get("CEPH_RGW_DIR");
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    region: values.get("AWS_REGION") ?? "us-east-1",
    ...(dir === undefined ? {} : { dir }),
  };
}

const truthy = (value: string | undefined) =>
  value !== undefined && value !== "" && value !== "0" && value.toLowerCase() !== "false";

/** True when a missing gateway must fail the run (`PARTWISE_REQUIRE_S3=1`, CI). */
export function s3Required(env: Readonly<Record<string, string | undefined>>): boolean {
  return truthy(env.PARTWISE_REQUIRE_S3);
}

/** The binaries of `BINARIES` missing from `PATH`. */
export function missingCephBinaries(path: string | undefined = process.env.PATH): string[] {
  const dirs = (path ?? "").split(delimiter).filter((dir) => dir !== "");
  return BINARIES.filter((binary) => !dirs.some((dir) => existsSync(join(dir, binary))));
}

/** The line printed when the S3 tests are skipped. */
export function s3SkippedLine(reason: string): string {
  return `S3 tests skipped: ${reason}; ${HOW_TO_RUN_S3_TESTS}`;
}

/** A bucket name of its own for a test file (3–63 lowercase letters, digits and dashes). */
export function testBucket(label: string): string {
  const suffix = Math.random().toString(36).slice(2, 10);
  return `pw-${label.toLowerCase().replace(/[^a-z0-9-]/g, "-")}-${suffix}`.slice(0, 63);
}
