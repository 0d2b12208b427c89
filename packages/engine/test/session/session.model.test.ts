/**
 * Model-based test of UploadSession (fast-check `fc.commands` + `fc.modelRun`): random sequences
 * of driver events — one command class per behaviour, in ./model/ — checked against a model far
 * simpler than the session (./model/model.ts), on closed sessions and on open-ended ones whose
 * parts come from a source as the driver adds them. After each sequence the run is driven to its
 * end in a good environment by a driver that adds parts only when asked (`needPart`), which must
 * reach `done` unless the sequence already ended it: no sequence of events can leave the session
 * stalled, nor an open-ended one waiting for a part it never asked for.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AbortCommand } from "./model/abort.ts";
import { AddPartCommand } from "./model/add-part.ts";
import { AfterEndCommand, type AnyEvent } from "./model/after-end.ts";
import { AnswerNeedPartCommand } from "./model/answer-need-part.ts";
import { CompleteFailsCommand } from "./model/complete-fails.ts";
import { CompleteSucceedsCommand } from "./model/complete-succeeds.ts";
import { EndPartsCommand } from "./model/end-parts.ts";
import { MISUSES, MisuseCommand } from "./model/misuse.ts";
import { initialState, type SessionModel, type SessionReal, type SessionSetup } from "./model/model.ts";
import { PartFailsCommand } from "./model/part-fails.ts";
import { PartSucceedsCommand } from "./model/part-succeeds.ts";
import { SnapshotRestoreCommand } from "./model/snapshot-restore.ts";
import { StartCommand } from "./model/start.ts";
import { TickCommand } from "./model/tick.ts";
import { TimerFiresCommand } from "./model/timer-fires.ts";
import { randomSource } from "./support/random.ts";

const policyArb = fc.record({
  concurrency: fc.integer({ min: 1, max: 4 }),
  maxRetries: fc.integer({ min: 0, max: 3 }),
  budget: fc.option(fc.nat(6), { nil: undefined }),
  random: randomSource,
});

/** Every part given up front, numbered with gaps and in any order. */
const closedSetupArb: fc.Arbitrary<SessionSetup> = fc
  .tuple(
    policyArb,
    fc.uniqueArray(fc.record({ number: fc.integer({ min: 1, max: 50 }), size: fc.nat(1000) }), {
      selector: (p) => p.number,
      maxLength: 6,
    }),
  )
  .map(([policy, parts]) => ({ ...policy, parts, openEnded: false, known: parts.length }));

/** A source of 1 to 7 parts (an empty source is one empty part), some of them known up front. */
const openEndedSetupArb: fc.Arbitrary<SessionSetup> = fc
  .tuple(
    policyArb,
    fc.array(fc.nat(1000), { minLength: 1, maxLength: 7 }),
    fc.oneof(fc.constant(0), fc.nat(7)),
  )
  .map(([policy, sizes, known]) => ({
    ...policy,
    parts: sizes.map((size, i) => ({ number: i + 1, size })),
    openEnded: true,
    known: Math.min(known, sizes.length),
  }));

const setupArb: fc.Arbitrary<SessionSetup> = fc.oneof(closedSetupArb, openEndedSetupArb);

const retryAfter = fc.option(fc.integer({ min: 0, max: 2000 }), { nil: undefined });
const pick = fc.nat(20);
/** Mostly retryable, so runs go on long enough to spend budgets. */
const retryable = fc.oneof(
  { weight: 5, arbitrary: fc.constant(true) },
  { weight: 1, arbitrary: fc.constant(false) },
);

// Weighted so that runs get deep (many parts succeed and fail, completion is reached and retried)
// before an abort or a misuse ends them.
const command = fc.oneof(
  { weight: 10, arbitrary: fc.constant(new StartCommand()) },
  { weight: 10, arbitrary: pick.map((p) => new PartSucceedsCommand(p)) },
  {
    weight: 6,
    arbitrary: fc
      .tuple(pick, retryable, retryAfter)
      .map(([p, retryable, after]) => new PartFailsCommand(p, retryable, after)),
  },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 1500 }).map((ms) => new TickCommand(ms)) },
  { weight: 6, arbitrary: fc.constant(new TimerFiresCommand()) },
  { weight: 1, arbitrary: fc.string({ maxLength: 5 }).map((reason) => new AbortCommand(reason)) },
  { weight: 3, arbitrary: fc.constant(new CompleteSucceedsCommand()) },
  {
    weight: 5,
    arbitrary: fc
      .tuple(retryable, retryAfter)
      .map(([retryable, after]) => new CompleteFailsCommand(retryable, after)),
  },
  { weight: 1, arbitrary: fc.constant(new SnapshotRestoreCommand()) },
  { weight: 8, arbitrary: fc.constant(new AnswerNeedPartCommand()) },
  { weight: 2, arbitrary: fc.constant(new AddPartCommand()) },
  { weight: 2, arbitrary: fc.constant(new EndPartsCommand()) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(...MISUSES), pick).map(([misuse, p]) => new MisuseCommand(misuse, p)),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom<AnyEvent>(
          "start",
          "partSucceeded",
          "partFailed",
          "tick",
          "abort",
          "completeSucceeded",
          "completeFailed",
          "addPart",
          "endParts",
        ),
        fc.integer({ min: -1, max: 60 }),
      )
      .map(([event, number]) => new AfterEndCommand(event, number)),
  },
);
const commands = fc.commands([command], { maxCommands: 100, size: "max" });

/**
 * Succeeds everything, fires every timer, and adds the source's parts only when the session asks
 * (then ends the list): a session that is not over must reach `done`.
 */
function driveToEnd(model: SessionModel, real: SessionReal): void {
  const drivers = [
    new StartCommand(),
    new CompleteSucceedsCommand(),
    new PartSucceedsCommand(0),
    new AnswerNeedPartCommand(),
    new TimerFiresCommand(),
  ];
  for (let step = 0; step < 1000; step++) {
    if (model.phase === "done" || model.phase === "failed" || model.phase === "aborted") return;
    const next = drivers.find((d) => d.check(model));
    expect(next, `stalled in ${real.session.state}: nothing in flight and no timer`).toBeDefined();
    next!.run(model, real);
  }
  throw new Error("did not finish within 1000 steps");
}

/** What a finished run must have done: complete listed every part of the upload. */
function expectWholeUpload(model: SessionModel): void {
  if (model.phase !== "done") return;
  expect(model.ended).toBe(true);
  expect([...model.succeeded.keys()].sort((a, b) => a - b)).toEqual(
    model.setup.parts.map((p) => p.number).sort((a, b) => a - b),
  );
}

describe("UploadSession against its model", () => {
  it("keeps every rule under any sequence of driver events, and never stalls", () => {
    fc.assert(
      fc.property(setupArb, commands, (setup, cmds) => {
        let state: { model: SessionModel; real: SessionReal } | undefined;
        fc.modelRun(() => {
          state = initialState(setup);
          return state;
        }, cmds);
        driveToEnd(state!.model, state!.real);
        expectWholeUpload(state!.model);
      }),
      { numRuns: 300 },
    );
  });
});
