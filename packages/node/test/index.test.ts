/** The public surface: exactly these runtime exports, so nothing internal leaks by accident. */
import { expect, test } from "vitest";
import * as api from "../src/index.ts";

test("the package exports exactly its documented runtime API", () => {
  expect(Object.keys(api).sort()).toEqual(
    [
      "BlobTooLargeError",
      "ConnectionResetSignal",
      "DiskStore",
      "FaultSpecError",
      "HashPool",
      "HashPoolClosedError",
      "HashWorkerError",
      "InvalidStoreKeyError",
      "MUTATION_CLASSES",
      "READINGS",
      "assertKey",
      "composeServer",
      "corruptBody",
      "fileJournal",
      "fileSource",
      "isBodyAborted",
      "isStorageError",
      "listen",
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
