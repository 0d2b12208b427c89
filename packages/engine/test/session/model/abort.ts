import type fc from "fast-check";
import { expect } from "vitest";
import { expectSameState, isTerminal, observe, type SessionModel, type SessionReal } from "./model.ts";

/** The user aborts (an AbortSignal fires), at any moment, perhaps after the end. */
export class AbortCommand implements fc.Command<SessionModel, SessionReal> {
  constructor(readonly reason: string) {}

  check(): boolean {
    return true;
  }

  run(model: SessionModel, real: SessionReal): void {
    const wasTerminal = isTerminal(model.phase);
    const out = real.session.abort(this.reason);
    expect(out).toEqual(wasTerminal ? [] : [{ type: "abort", reason: this.reason }]);
    observe(model, out);
    expectSameState(model, real);
  }

  toString(): string {
    return `abort(${JSON.stringify(this.reason)})`;
  }
}
