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
      "InvalidStoreKeyError",
      "MUTATION_CLASSES",
      "READINGS",
      "S3Store",
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
      "ruleOfMutation",
      "STORAGE_ERROR_STATUS",
      "seededRandom",
      "storageFailure",
      "toRequest",
      "withCors",
      "withFaults",
    ].sort(),
  );
});
