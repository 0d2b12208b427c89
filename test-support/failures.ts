/**
 * One error of each failure kind of the server kit (`FailureKind` of @partwise/node), for the
 * tests that check each server answers every kind with `FAILURE_STATUS`. A kind added to
 * `FailureKind` must be added here: the `Record` type says so.
 */
import { PartwiseError } from "@partwise/engine";
import { BlobTooLargeError, type FailureKind, InvalidStoreKeyError } from "@partwise/node";

class FramingError extends PartwiseError {
  readonly code = "PW_TEST_FRAMING";
}

export const FAILURE_EXAMPLES: Record<FailureKind, unknown> = {
  "invalid-key": new InvalidStoreKeyError("invalid store key"),
  "body-too-large": new BlobTooLargeError(10),
  "body-aborted": Object.assign(new Error("aborted"), { code: "ECONNRESET" }),
  "body-timeout": Object.assign(new Error("timed out"), { code: "ETIMEDOUT" }),
  framing: new FramingError("bad framing", { rule: "MIME-CLOSE-DELIMITER" }),
  "storage-full": Object.assign(new Error("disk full at /secret/path"), { code: "ENOSPC" }),
  "storage-exhausted": Object.assign(new Error("too many files at /secret/path"), { code: "EMFILE" }),
  "storage-failed": Object.assign(new Error("i/o error at /secret/path"), { code: "EIO" }),
  // The listener's own answer past its connection cap, not an error a handler throws.
  overloaded: undefined,
  unexpected: new TypeError("x is undefined at /secret/path"),
};

/** The kinds a handler can meet as a thrown error (all but the listener's `overloaded`). */
export const THROWN_KINDS: readonly FailureKind[] = (Object.keys(FAILURE_EXAMPLES) as FailureKind[]).filter(
  (kind) => kind !== "overloaded",
);
