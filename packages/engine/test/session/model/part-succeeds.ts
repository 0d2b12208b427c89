import type fc from "fast-check";
import { expectSameState, observe, type SessionModel, type SessionReal } from "./model.ts";

export const etagFor = (number: number, attempt: number): string => `"${number}.${attempt}"`;

/** A part in flight succeeds; its slot may go to another part, or completion begins. */
export class PartSucceedsCommand implements fc.Command<SessionModel, SessionReal> {
  constructor(readonly pick: number) {}

  check(model: Readonly<SessionModel>): boolean {
    return model.phase === "uploading" && model.inFlight.size > 0;
  }

  run(model: SessionModel, real: SessionReal): void {
    const number = [...model.inFlight].sort((a, b) => a - b)[this.pick % model.inFlight.size]!;
    const etag = etagFor(number, model.attempts.get(number)!);
    model.inFlight.delete(number);
    model.succeeded.set(number, etag);
    observe(model, real.session.partSucceeded(number, etag));
    expectSameState(model, real);
  }

  toString(): string {
    return `partSucceeds(#${this.pick})`;
  }
}
