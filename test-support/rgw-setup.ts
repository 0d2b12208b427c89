/**
 * vitest globalSetup: provides `partwiseS3` (an `S3Endpoint`, or undefined when the S3 tests are
 * skipped) to the test files, starting a throwaway RADOS Gateway when needed (see s3.ts).
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import { missingCephBinaries, parseRgwEnv, type S3Endpoint, s3Required, s3SkippedLine } from "./s3.ts";
import type {} from "./s3-tests.ts";

const script = fileURLToPath(new URL("../scripts/ceph-rgw.sh", import.meta.url));
const run = promisify(execFile);

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const envFile = process.env.PARTWISE_S3_ENV;
  if (envFile !== undefined && envFile !== "") {
    const endpoint = parseRgwEnv(await readFile(envFile, "utf8"));
    if (endpoint === undefined) throw new Error(`PARTWISE_S3_ENV=${envFile} names no S3 endpoint`);
    project.provide("partwiseS3", withoutDir(endpoint));
    return undefined;
  }
  const missing = missingCephBinaries();
  if (missing.length > 0) {
    const reason = `no RADOS Gateway (missing ${missing.join(", ")}) and no PARTWISE_S3_ENV`;
    if (s3Required(process.env))
      throw new Error(`PARTWISE_REQUIRE_S3 is set but the S3 tests cannot run: ${reason}`);
    process.stderr.write(`${s3SkippedLine(reason)}\n`);
    project.provide("partwiseS3", undefined);
    return undefined;
  }
  const { stdout } = await run("bash", [script, "up"], { timeout: 180_000, maxBuffer: 1024 * 1024 });
  const endpoint = parseRgwEnv(stdout);
  if (endpoint?.dir === undefined) throw new Error("scripts/ceph-rgw.sh up printed no endpoint");
  const dir = endpoint.dir;
  project.provide("partwiseS3", withoutDir(endpoint));
  return async () => {
    await run("bash", [script, "down", dir], { timeout: 60_000 });
  };
}

function withoutDir(endpoint: S3Endpoint & { readonly dir?: string }): S3Endpoint {
  return {
    endpoint: endpoint.endpoint,
    accessKeyId: endpoint.accessKeyId,
    secretAccessKey: endpoint.secretAccessKey,
    region: endpoint.region,
  };
}
