import type fc from "fast-check";
import { addNextPart } from "./add-part.ts";
import { endPartList } from "./end-parts.ts";
import { nextSourcePart, type SessionModel, type SessionReal } from "./model.ts";

/**
 * The driver answers `needPart` as a real one does: it reads the next part of its source and adds
 * it, or ends the part list when the source is exhausted.
 */
export class AnswerNeedPartCommand implements fc.Command<SessionModel, SessionReal> {
  check(model: Readonly<SessionModel>): boolean {
    return model.phase === "uploading" && model.needOutstanding;
  }

  run(model: SessionModel, real: SessionReal): void {
    if (nextSourcePart(model) === undefined) endPartList(model, real);
    else addNextPart(model, real);
  }

  toString(): string {
    return "answer needPart";
  }
}
