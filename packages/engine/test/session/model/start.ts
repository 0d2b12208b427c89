import type fc from "fast-check";
import { expect } from "vitest";
import { expectSameState, observe, type SessionModel, type SessionReal } from "./model.ts";

/** The driver starts the session: it sends up to `concurrency` parts it has not seen succeed. */
export class StartCommand implements fc.Command<SessionModel, SessionReal> {
  check(model: Readonly<SessionModel>): boolean {
    return model.phase === "idle";
  }

  run(model: SessionModel, real: SessionReal): void {
    model.phase = "uploading";
    const out = real.session.start(model.now);
    observe(model, out);
    const missing = model.sizes.size - model.succeeded.size;
    if (missing > 0)
      expect(out.filter((c) => c.type === "sendPart")).toHaveLength(
        Math.min(missing, model.setup.concurrency),
      );
    expectSameState(model, real);
  }

  toString(): string {
    return "start";
  }
}
