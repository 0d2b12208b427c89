import type fc from "fast-check";
import { expect } from "vitest";
import { type PartSpec, SessionStateError } from "../../../src/session/index.ts";
import type { Phase, SessionModel, SessionReal } from "./model.ts";

export type Misuse =
  | "resultForPartNotInFlight"
  | "unknownPart"
  | "startAgain"
  | "completeResultOutOfTurn"
  | "addPartOutOfSequence"
  | "addPartBadSize"
  | "addPartAfterEnd"
  | "addPartOnClosed"
  | "endPartsAgain"
  | "endPartsOnClosed"
  | "endPartsEmpty";

export const MISUSES: readonly Misuse[] = [
  "resultForPartNotInFlight",
  "unknownPart",
  "startAgain",
  "completeResultOutOfTurn",
  "addPartOutOfSequence",
  "addPartBadSize",
  "addPartAfterEnd",
  "addPartOnClosed",
  "endPartsAgain",
  "endPartsOnClosed",
  "endPartsEmpty",
];

/**
 * The driver breaks the protocol: a local protocol error. The event throws `SessionStateError`
 * (code PW_SESSION_STATE) and the session is failed — without emitting anything.
 */
export class MisuseCommand implements fc.Command<SessionModel, SessionReal> {
  constructor(
    readonly misuse: Misuse,
    readonly pick: number,
  ) {}

  check(model: Readonly<SessionModel>): boolean {
    const live: Phase[] = ["idle", "uploading", "completing", "done"];
    if (!live.includes(model.phase)) return false;
    switch (this.misuse) {
      case "resultForPartNotInFlight":
        return model.inFlight.size < model.sizes.size;
      case "startAgain":
        return model.phase !== "idle";
      case "completeResultOutOfTurn":
        return !model.completeInFlight;
      case "unknownPart":
        return true;
      case "addPartOutOfSequence":
      case "addPartBadSize":
        return model.setup.openEnded && !model.ended;
      case "addPartAfterEnd":
      case "endPartsAgain":
        return model.setup.openEnded && model.ended;
      case "addPartOnClosed":
      case "endPartsOnClosed":
        return !model.setup.openEnded;
      case "endPartsEmpty":
        return model.setup.openEnded && !model.ended && model.sizes.size === 0;
    }
  }

  run(model: SessionModel, real: SessionReal): void {
    const { session } = real;
    const idle = [...model.sizes.keys()].filter((n) => !model.inFlight.has(n)).sort((a, b) => a - b);
    const unknown = Math.max(0, ...model.sizes.keys()) + 1 + this.pick;
    const next = model.sizes.size + 1;
    const wrongNumbers = [next + 1 + this.pick, next - 1, 0, next + 0.5, -next];
    const badSizes = [-1 - this.pick, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53];
    const add = (number: number, size: number) => () => session.addPart({ number, size } as PartSpec);
    const misuse = {
      resultForPartNotInFlight: () =>
        this.pick % 2 === 0
          ? session.partSucceeded(idle[this.pick % idle.length]!, "etag")
          : session.partFailed(idle[this.pick % idle.length]!, new Error("late"), { retryable: true }),
      unknownPart: () => session.partSucceeded(unknown, "etag"),
      startAgain: () => session.start(model.now),
      completeResultOutOfTurn: () =>
        this.pick % 2 === 0
          ? session.completeSucceeded()
          : session.completeFailed(new Error("?"), { retryable: true }),
      addPartOutOfSequence: add(wrongNumbers[this.pick % wrongNumbers.length]!, 1),
      addPartBadSize: add(next, badSizes[this.pick % badSizes.length]!),
      addPartAfterEnd: add(next, 1),
      addPartOnClosed: add(unknown, 1),
      endPartsAgain: () => session.endParts(),
      endPartsOnClosed: () => session.endParts(),
      endPartsEmpty: () => session.endParts(),
    }[this.misuse];
    let thrown: unknown;
    try {
      misuse();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SessionStateError);
    expect(thrown).toMatchObject({ code: "PW_SESSION_STATE", side: "local" });
    expect(session.state).toBe("failed");
    expect(session.error).toBe(thrown);
    model.phase = "failed";
  }

  toString(): string {
    return `misuse(${this.misuse}, #${this.pick})`;
  }
}
