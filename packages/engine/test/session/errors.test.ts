/** The session's errors: stable codes, names, brands, and messages that say what happened. */
import { describe, expect, it } from "vitest";
import { isPartwiseError, type PartwiseError } from "../../src/errors.ts";
import {
  RetriesExhaustedError,
  SessionConfigError,
  SessionSnapshotError,
  SessionStateError,
} from "../../src/session/index.ts";

describe("session errors", () => {
  const cause = new Error("503 Service Unavailable");
  const cases: Array<[PartwiseError, string, string, "local" | "remote"]> = [
    [
      new SessionStateError("part 3 is not in flight", { state: "uploading", event: "partSucceeded" }),
      "SessionStateError",
      "PW_SESSION_STATE",
      "local",
    ],
    [
      new SessionConfigError("concurrency", "expected an integer >= 1"),
      "SessionConfigError",
      "PW_SESSION_CONFIG",
      "local",
    ],
    [
      new SessionSnapshotError("parts[0].etag", "expected a string"),
      "SessionSnapshotError",
      "PW_SESSION_SNAPSHOT",
      "local",
    ],
    [
      new RetriesExhaustedError({ target: 3, attempts: 6, budget: "perPart", cause }),
      "RetriesExhaustedError",
      "PW_RETRIES_EXHAUSTED",
      "remote",
    ],
  ];

  it.each(cases)("%s has name %s, code %s, side %s, and the Partwise brand", (error, name, code, side) => {
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error.side).toBe(side);
    expect(error.rule).toBeUndefined();
    expect(isPartwiseError(error)).toBe(true);
    expect(error).toBeInstanceOf(Error);
  });

  it("messages name what broke", () => {
    expect(cases[0]![0].message).toBe("partSucceeded in state uploading: part 3 is not in flight");
    expect(cases[2]![0].message).toContain("parts[0].etag");
    const exhausted = new RetriesExhaustedError({ target: "complete", attempts: 2, budget: "total", cause });
    expect(exhausted.message).toBe(
      "Gave up on the completion request after 2 attempt(s): totalRetryBudget is spent",
    );
    expect(cases[3]![0].message).toBe("Gave up on part 3 after 6 attempt(s): maxRetriesPerPart is spent");
    expect(exhausted.cause).toBe(cause);
  });
});
