import type fc from "fast-check";
import { expect } from "vitest";
import { expectSameState, nextSourcePart, observe, type SessionModel, type SessionReal } from "./model.ts";

/** Adds the next part of the source to an open-ended session, whether or not it asked for one. */
export function addNextPart(model: SessionModel, real: SessionReal): void {
  const part = nextSourcePart(model)!;
  const slotFree = model.phase === "uploading" && model.inFlight.size < model.setup.concurrency;
  model.sizes.set(part.number, part.size);
  model.needOutstanding = false;
  const out = real.session.addPart(part);
  // No part waits for a free slot (it would have taken it), so the new part takes it at once.
  if (slotFree)
    expect(out[0]).toEqual({ type: "sendPart", number: part.number, size: part.size, attempt: 1 });
  else expect(out.filter((c) => c.type === "sendPart")).toEqual([]);
  if (model.phase === "idle") expect(out).toEqual([]);
  observe(model, out);
  expectSameState(model, real);
}

/**
 * The driver of an open-ended session adds the next part of its source before being asked (in
 * `idle`, or while parts are in flight): allowed, and it answers any `needPart` outstanding.
 */
export class AddPartCommand implements fc.Command<SessionModel, SessionReal> {
  check(model: Readonly<SessionModel>): boolean {
    return (
      (model.phase === "idle" || model.phase === "uploading") &&
      !model.ended &&
      nextSourcePart(model) !== undefined
    );
  }

  run(model: SessionModel, real: SessionReal): void {
    addNextPart(model, real);
  }

  toString(): string {
    return "addPart(next)";
  }
}
