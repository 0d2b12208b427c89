import type fc from "fast-check";
import { expect } from "vitest";
import { RetriesExhaustedError } from "../../../src/session/index.ts";
import { budgetSpent, expectSameState, observe, type SessionModel, type SessionReal } from "./model.ts";

/** The completion request fails: retried within budget like a part, otherwise `fail` then `abort`. */
export class CompleteFailsCommand implements fc.Command<SessionModel, SessionReal> {
  constructor(
    readonly retryable: boolean,
    readonly retryAfterMs: number | undefined,
  ) {}

  check(model: Readonly<SessionModel>): boolean {
    return model.phase === "completing" && model.completeInFlight;
  }

  run(model: SessionModel, real: SessionReal): void {
    const error = new Error("complete failed");
    const gaveUp = !this.retryable || budgetSpent(model, model.completeRetries);
    model.completeInFlight = false;
    if (!gaveUp) {
      model.completeRetries += 1;
      model.retriesUsed += 1;
      model.completeNotBefore = model.now + (this.retryAfterMs ?? 0);
    }
    const out = real.session.completeFailed(error, {
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      now: model.now,
    });
    if (gaveUp) {
      const reported = out[0]?.type === "fail" ? out[0].error : undefined;
      expect(out).toHaveLength(2);
      if (this.retryable) expect(reported).toMatchObject({ target: "complete", cause: error });
      if (this.retryable) expect(reported).toBeInstanceOf(RetriesExhaustedError);
      else expect(reported).toBe(error);
    } else {
      expect(out.map((c) => c.type)).not.toContain("fail");
    }
    observe(model, out);
    expectSameState(model, real);
  }

  toString(): string {
    const after = this.retryAfterMs === undefined ? "" : `, retryAfter ${this.retryAfterMs}`;
    return `completeFails(${this.retryable ? "retryable" : "fatal"}${after})`;
  }
}
