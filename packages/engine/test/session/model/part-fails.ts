import type fc from "fast-check";
import { expect } from "vitest";
import { RetriesExhaustedError } from "../../../src/session/index.ts";
import { budgetSpent, expectSameState, observe, type SessionModel, type SessionReal } from "./model.ts";

/** A part in flight fails: retried within budget, otherwise `fail` then `abort`. */
export class PartFailsCommand implements fc.Command<SessionModel, SessionReal> {
  constructor(
    readonly pick: number,
    readonly retryable: boolean,
    readonly retryAfterMs: number | undefined,
  ) {}

  check(model: Readonly<SessionModel>): boolean {
    return model.phase === "uploading" && model.inFlight.size > 0;
  }

  run(model: SessionModel, real: SessionReal): void {
    const number = [...model.inFlight].sort((a, b) => a - b)[this.pick % model.inFlight.size]!;
    const error = new Error(`part ${number} failed`);
    const retries = model.retries.get(number) ?? 0;
    const gaveUp = !this.retryable || budgetSpent(model, retries);
    model.inFlight.delete(number);
    if (!gaveUp) {
      model.retries.set(number, retries + 1);
      model.retriesUsed += 1;
      model.notBefore.set(number, model.now + (this.retryAfterMs ?? 0));
      model.waitingRetry.add(number);
    }
    const out = real.session.partFailed(number, error, {
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      now: model.now,
    });
    if (gaveUp) {
      expect(out).toHaveLength(2);
      expect(out[0]).toMatchObject({ type: "fail" });
      const reported = out[0]?.type === "fail" ? out[0].error : undefined;
      if (this.retryable) {
        expect(reported).toBeInstanceOf(RetriesExhaustedError);
        expect(reported).toMatchObject({ target: number, cause: error });
      } else {
        expect(reported).toBe(error);
      }
    } else {
      expect(out.map((c) => c.type)).not.toContain("fail");
    }
    observe(model, out);
    expectSameState(model, real);
  }

  toString(): string {
    const after = this.retryAfterMs === undefined ? "" : `, retryAfter ${this.retryAfterMs}`;
    return `partFails(#${this.pick}, ${this.retryable ? "retryable" : "fatal"}${after})`;
  }
}
