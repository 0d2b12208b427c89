import type fc from "fast-check";
import { expect } from "vitest";
import { expectSameState, nextSourcePart, observe, type SessionModel, type SessionReal } from "./model.ts";

/**
 * Ends the part list of an open-ended session whose source is exhausted. `complete` follows at
 * once if every part already succeeded (and the session was started), and never before.
 */
export function endPartList(model: SessionModel, real: SessionReal): void {
  const allDone = model.succeeded.size === model.sizes.size;
  model.ended = true;
  model.needOutstanding = false;
  const out = real.session.endParts();
  if (model.phase === "uploading" && allDone) expect(out.map((c) => c.type)).toEqual(["complete"]);
  else expect(out).toEqual([]);
  observe(model, out);
  expectSameState(model, real);
}

/** The driver's source is exhausted and it says so, asked or not. */
export class EndPartsCommand implements fc.Command<SessionModel, SessionReal> {
  check(model: Readonly<SessionModel>): boolean {
    return (
      (model.phase === "idle" || model.phase === "uploading") &&
      !model.ended &&
      nextSourcePart(model) === undefined
    );
  }

  run(model: SessionModel, real: SessionReal): void {
    endPartList(model, real);
  }

  toString(): string {
    return "endParts";
  }
}
