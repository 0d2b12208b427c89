/** The public surface: exactly these runtime exports, so nothing internal leaks by accident. */
import { execFileSync } from "node:child_process";
import { expect, test } from "vitest";
import * as api from "../src/index.ts";
import * as s3 from "../src/s3.ts";

test("the package exports exactly its documented runtime API", () => {
  expect(Object.keys(api).sort()).toEqual(
    [
      "BODY_TIMEOUT_MESSAGE",
      "BlobDigest",
      "BlobDigestClosedError",
      "BlobReadError",
      "BlobTooLargeError",
      "FAILURE_STATUS",
      "KeyedMutex",
      "Refusal",
      "TokenIdentity",
      "bearerToken",
      "contentRange",
      "failureOf",
      "isB64Token",
      "parseRange",
      "segmentStream",
      "ConnectionResetSignal",
      "DiskStore",
      "FaultSpecError",
      "HashPool",
      "HashPoolClosedError",
      "HashWorkerError",
      "InvalidStoreKeyError",
      "MUTATION_CLASSES",
      "READINGS",
      "isObjectStore",
      "S3StoreError",
      "assertKey",
      "composeServer",
      "corruptBody",
      "fileJournal",
      "fileSource",
      "isBodyAborted",
      "isStorageError",
      "listen",
      "openStore",
      "parseFaultSpec",
      "parseMutations",
      "parseReading",
      "redact",
      "redactUrl",
      "resetConnection",
      "resolveDataDir",
      "retainSharedHashPool",
      "ruleOfMutation",
      "STORAGE_ERROR_STATUS",
      "seededRandom",
      "sharedHashPool",
      "storageFailure",
      "toRequest",
      "withCors",
      "withFaults",
    ].sort(),
  );
});

test("the S3 adapter has its own entry, @partwise/node/s3", () => {
  expect(Object.keys(s3).sort()).toEqual(["S3Store", "S3StoreError", "isObjectStore"]);
});

/** How many AWS SDK modules a fresh Node process has loaded after importing `specifier`. */
function awsModulesLoadedBy(specifier: string): number {
  const program = `await import(${JSON.stringify(specifier)});
const { createRequire } = await import("node:module");
const loaded = Object.keys(createRequire(import.meta.url).cache);
process.stdout.write(String(loaded.filter((path) => path.includes("@aws-sdk")).length));`;
  const out = execFileSync(
    process.execPath,
    ["--conditions=partwise-source", "--import", "tsx", "--input-type=module", "-e", program],
    { cwd: new URL("..", import.meta.url), encoding: "utf8" },
  );
  return Number(out);
}

test("importing @partwise/node does not load the AWS SDK (26 MiB of RSS); its S3 entry does", () => {
  expect(awsModulesLoadedBy("@partwise/node")).toBe(0);
  expect(awsModulesLoadedBy("@partwise/node/s3")).toBeGreaterThan(0);
}, 60_000);
