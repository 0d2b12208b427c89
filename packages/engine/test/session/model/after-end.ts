import type fc from "fast-check";
import { expect } from "vitest";
import type { SessionModel, SessionReal } from "./model.ts";

export type AnyEvent =
  | "start"
  | "partSucceeded"
  | "partFailed"
  | "tick"
  | "abort"
  | "completeSucceeded"
  | "completeFailed"
  | "addPart"
  | "endParts";

/**
 * Any event at all once the session failed or was aborted — late results of requests that were
 * in flight, stale timers, even nonsense: it returns no command, does not throw, and the state
 * stays where it is (sticky).
 */
export class AfterEndCommand implements fc.Command<SessionModel, SessionReal> {
  constructor(
    readonly event: AnyEvent,
    readonly number: number,
  ) {}

  check(model: Readonly<SessionModel>): boolean {
    return model.phase === "failed" || model.phase === "aborted";
  }

  run(model: SessionModel, real: SessionReal): void {
    const { session } = real;
    const before = session.state;
    const fire = {
      start: () => session.start(model.now),
      partSucceeded: () => session.partSucceeded(this.number, "etag"),
      partFailed: () => session.partFailed(this.number, new Error("late"), { retryable: true }),
      tick: () => session.tick(model.now),
      abort: () => session.abort("again"),
      completeSucceeded: () => session.completeSucceeded(),
      completeFailed: () => session.completeFailed(new Error("late"), { retryable: false }),
      // A read from the source that finishes after the end, whatever the session is.
      addPart: () => session.addPart({ number: this.number, size: 1 }),
      endParts: () => session.endParts(),
    }[this.event];
    expect(fire()).toEqual([]);
    expect(session.state).toBe(before);
  }

  toString(): string {
    return `afterEnd(${this.event}, ${this.number})`;
  }
}
