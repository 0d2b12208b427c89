import type fc from "fast-check";
import { expect } from "vitest";
import { expectSameState, type SessionModel, type SessionReal } from "./model.ts";

/** The completion request succeeds: the session is done and asks for nothing more. */
export class CompleteSucceedsCommand implements fc.Command<SessionModel, SessionReal> {
  check(model: Readonly<SessionModel>): boolean {
    return model.phase === "completing" && model.completeInFlight;
  }

  run(model: SessionModel, real: SessionReal): void {
    expect(real.session.completeSucceeded()).toEqual([]);
    model.completeInFlight = false;
    model.phase = "done";
    expectSameState(model, real);
  }

  toString(): string {
    return "completeSucceeds";
  }
}
