import type fc from "fast-check";
import { expect } from "vitest";
import { expectSameState, isTerminal, observe, type SessionModel, type SessionReal } from "./model.ts";

/** The clock moves and the driver says so, whether or not a timer expired. */
export class TickCommand implements fc.Command<SessionModel, SessionReal> {
  constructor(readonly advanceMs: number) {}

  check(model: Readonly<SessionModel>): boolean {
    return model.phase !== "idle";
  }

  run(model: SessionModel, real: SessionReal): void {
    model.now += this.advanceMs;
    const terminal = isTerminal(model.phase);
    // A tick consumes the driver's timer; the session restates any deadline still ahead.
    model.timer = undefined;
    const out = real.session.tick(model.now);
    if (terminal) expect(out).toEqual([]);
    observe(model, out);
    expectSameState(model, real);
  }

  toString(): string {
    return `tick(+${this.advanceMs})`;
  }
}
