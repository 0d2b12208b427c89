import type fc from "fast-check";
import { expect } from "vitest";
import { UploadSession } from "../../../src/session/index.ts";
import { expectSameState, newRun, type SessionModel, type SessionReal } from "./model.ts";

/**
 * The process stops and resumes from its state file: snapshot → JSON text → parse → restore.
 * Parts in flight are forgotten (their outcome is unknown); a new run begins in `idle`, and the
 * model's `observe` then refuses any `sendPart` for a part that had succeeded.
 */
export class SnapshotRestoreCommand implements fc.Command<SessionModel, SessionReal> {
  check(): boolean {
    return true;
  }

  run(model: SessionModel, real: SessionReal): void {
    const snapshot = real.session.snapshot();
    const text = JSON.stringify(snapshot);
    expect(JSON.parse(text)).toEqual(snapshot);
    real.session = UploadSession.restore(JSON.parse(text), { random: real.random });
    newRun(model);
    expect(real.session.progress).toMatchObject({ partsDone: model.succeeded.size, inFlight: 0 });
    expectSameState(model, real);
  }

  toString(): string {
    return "snapshot → JSON → restore";
  }
}
