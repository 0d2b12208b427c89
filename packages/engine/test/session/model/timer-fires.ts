import type fc from "fast-check";
import { expectSameState, observe, type SessionModel, type SessionReal } from "./model.ts";

/** The driver's one timer (the latest `wait`) expires. */
export class TimerFiresCommand implements fc.Command<SessionModel, SessionReal> {
  check(model: Readonly<SessionModel>): boolean {
    return model.timer !== undefined && (model.phase === "uploading" || model.phase === "completing");
  }

  run(model: SessionModel, real: SessionReal): void {
    model.now = Math.max(model.now, model.timer!);
    model.timer = undefined;
    observe(model, real.session.tick(model.now));
    expectSameState(model, real);
  }

  toString(): string {
    return "timerFires";
  }
}
