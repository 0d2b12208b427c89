/**
 * Completion, `POST files/{id}?uploadstatus=complete` [S1]:
 *
 * - BS-COMPLETE-STATUS (must): completion answers 201 Created with the File, UploadStatus
 *   `complete` and the final Size. Source: [S1].
 *   Generated one-part uploads (size, part number) and one two-part upload (a 5 MiB part and a
 *   small final one: the fewest 5 MiB parts that make a sum) must answer 201 with a complete File
 *   whose Size is the sum of the part sizes, which GET files/{id} then reports too.
 * - BS-COMPLETE-EMPTY (should): completing an upload that has no stored part is refused (any 4xx)
 *   and leaves the upload pending. Source: inference (PROTOCOLS.md 1.7, undocumented).
 * - BS-COMPLETE-FINAL (should): a completed upload is final. Inference from [S1] "Upon getting
 *   this response, the file upload is complete." and S3. Model-based (`fc.commands`): generated
 *   lifecycles of PUTs of part 1 (re-sent while pending), completions, aborts and reads; once
 *   complete, a new part, a replacement, another completion and an abort may each be refused or
 *   ignored (any status below 500), and every read must find the File complete with exactly the
 *   Size and bytes it was completed with. A fixed sequence with each late request runs first.
 */
import type { File } from "@partwise/protocol-basespace";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext } from "../../context.ts";
import {
  byteSeed,
  bytesOf,
  envelopeOf,
  expectContent,
  expectErrorBody,
  expectRefused,
  expectStatus,
  fileName,
  getFile,
  initiate,
  MAX_PART_NUMBER,
  MIN_PART_SIZE,
  minimumPart,
  putPart,
  setStatus,
  storePart,
  type Upload,
} from "./support.ts";

/** Completes and expects 201 with a complete File of `size` bytes, also from GET files/{id}. */
async function expectCreated(ctx: CheckContext, upload: Upload, size: number, what: string): Promise<void> {
  const answer = await setStatus(ctx, upload.id, "complete");
  if (answer.status >= 200 && answer.status < 300) upload.ended = true;
  expectStatus(ctx, answer, 201, `completing ${what}`);
  const file = envelopeOf<File>(ctx, answer, "FileResponse", `completing ${what}`);
  if (file.UploadStatus !== "complete" || file.Size !== size)
    ctx.fail(
      `completing ${what} answered UploadStatus ${file.UploadStatus} and Size ${file.Size}, expected complete and ${size}`,
      answer.exchange,
    );
  const after = await getFile(ctx, upload.id);
  if (after.UploadStatus !== "complete" || after.Size !== size)
    ctx.fail(
      `after completing ${what}, GET files/${upload.id} reports UploadStatus ${after.UploadStatus} and Size ${after.Size}`,
    );
}

export const bsCompleteStatus: Check = {
  id: "BS-COMPLETE-STATUS",
  protocol: "basespace",
  title: "completion answers 201 with UploadStatus complete and the summed Size",
  async run(ctx) {
    await ctx.property(
      fc.record({
        size: fc.integer({ min: 1, max: 4096 }),
        number: fc.integer({ min: 1, max: MAX_PART_NUMBER }),
        seed: byteSeed,
      }),
      async ({ size, number, seed }) => {
        const upload = await initiate(ctx, { name: "complete.bin" });
        await storePart(ctx, upload.id, number, bytesOf(size, seed));
        await expectCreated(ctx, upload, size, `one part of ${size} bytes`);
      },
      { numRuns: 4 },
    );
    const low = 1 + Math.floor(ctx.random() * 100);
    const high = low + 1 + Math.floor(ctx.random() * 100);
    const finalSize = 1 + Math.floor(ctx.random() * 4096);
    const upload = await initiate(ctx, { name: "complete-sum.bin" });
    await storePart(ctx, upload.id, low, minimumPart(low));
    await storePart(ctx, upload.id, high, bytesOf(finalSize, high));
    await expectCreated(
      ctx,
      upload,
      MIN_PART_SIZE + finalSize,
      `parts ${low} (${MIN_PART_SIZE} bytes) and ${high} (${finalSize} bytes)`,
    );
  },
};

export const bsCompleteEmpty: Check = {
  id: "BS-COMPLETE-EMPTY",
  protocol: "basespace",
  title: "completing an upload without parts is refused and leaves it pending",
  async run(ctx) {
    await ctx.property(
      fileName,
      async (name) => {
        const upload = await initiate(ctx, { name });
        const answer = await setStatus(ctx, upload.id, "complete");
        expectRefused(ctx, answer, "completing an upload without parts");
        expectErrorBody(ctx, answer, "completing an upload without parts");
        const file = await getFile(ctx, upload.id);
        if (file.UploadStatus !== "pending")
          ctx.fail(`after the refused completion the upload is ${file.UploadStatus}, not pending`);
      },
      { numRuns: 3 },
    );
  },
};

interface LifeModel {
  status: "pending" | "complete" | "aborted";
  /** The last accepted bytes of part 1 while pending; the File's bytes once complete. */
  bytes: Uint8Array | undefined;
}

interface LifeReal {
  readonly ctx: CheckContext;
  readonly upload: Upload;
}

/** PUT part 1 (the only part while pending) or a new part 2 (after the end only). */
class PutPartCommand implements fc.AsyncCommand<LifeModel, LifeReal> {
  constructor(
    readonly number: 1 | 2,
    readonly size: number,
    readonly seed: number,
  ) {}
  check(model: Readonly<LifeModel>): boolean {
    // Part 2 would make part 1 non-final and too small to complete: sent only once complete.
    return model.status === "complete" || (model.status === "pending" && this.number === 1);
  }
  async run(model: LifeModel, { ctx, upload }: LifeReal): Promise<void> {
    const bytes = bytesOf(this.size, this.seed);
    const answer = await putPart(ctx, upload.id, this.number, bytes);
    if (model.status === "pending") {
      expectStatus(ctx, answer, 200, `PUT part ${this.number} of the pending upload`);
      model.bytes = bytes;
    } else if (answer.status >= 500)
      ctx.fail(`PUT part ${this.number} after completion answered ${answer.status}`, answer.exchange);
  }
  toString(): string {
    return `PUT part ${this.number} (${this.size} bytes, seed ${this.seed})`;
  }
}

class CompleteCommand implements fc.AsyncCommand<LifeModel, LifeReal> {
  check(model: Readonly<LifeModel>): boolean {
    return model.status === "complete" || (model.status === "pending" && model.bytes !== undefined);
  }
  async run(model: LifeModel, { ctx, upload }: LifeReal): Promise<void> {
    const answer = await setStatus(ctx, upload.id, "complete");
    if (model.status === "pending") {
      expectStatus(ctx, answer, [200, 201], "completing the upload");
      upload.ended = true;
      model.status = "complete";
    } else if (answer.status >= 500)
      ctx.fail(`completing the complete upload again answered ${answer.status}`, answer.exchange);
  }
  toString(): string {
    return "complete";
  }
}

class AbortCommand implements fc.AsyncCommand<LifeModel, LifeReal> {
  check(model: Readonly<LifeModel>): boolean {
    return model.status !== "aborted";
  }
  async run(model: LifeModel, { ctx, upload }: LifeReal): Promise<void> {
    const answer = await setStatus(ctx, upload.id, "aborted");
    if (model.status === "pending") {
      // Abort itself is BS-ABORT's; here it only ends the sequence.
      if (answer.status < 300) upload.ended = true;
      model.status = "aborted";
    } else if (answer.status >= 500)
      ctx.fail(`aborting the complete upload answered ${answer.status}`, answer.exchange);
  }
  toString(): string {
    return "abort";
  }
}

/** Once complete: GET files/{id} says complete with the Size, and the content is the File's bytes. */
class ReadCommand implements fc.AsyncCommand<LifeModel, LifeReal> {
  check(model: Readonly<LifeModel>): boolean {
    return model.status === "complete";
  }
  async run(model: LifeModel, { ctx, upload }: LifeReal): Promise<void> {
    const bytes = model.bytes ?? new Uint8Array(0);
    const after = await getFile(ctx, upload.id);
    if (after.UploadStatus !== "complete" || after.Size !== bytes.length)
      ctx.fail(
        `the completed upload now reports UploadStatus ${after.UploadStatus} and Size ${after.Size}, expected complete and ${bytes.length}`,
      );
    await expectContent(ctx, upload.id, bytes, "the completed file");
  }
  toString(): string {
    return "read";
  }
}

const lifeCommands = [
  fc
    .record({ number: fc.constantFrom<1 | 2>(1, 2), size: fc.integer({ min: 1, max: 512 }), seed: byteSeed })
    .map(({ number, size, seed }) => new PutPartCommand(number, size, seed)),
  fc.constant(new CompleteCommand()),
  fc.constant(new AbortCommand()),
  fc.constant(new ReadCommand()),
];

export const bsCompleteFinal: Check = {
  id: "BS-COMPLETE-FINAL",
  protocol: "basespace",
  title:
    "after completion, parts, replacements, completions and an abort leave the File complete and unchanged",
  async run(ctx) {
    // One fixed sequence first: every late request once, then a read.
    const first = await initiate(ctx, { name: "final.bin" });
    await fc.asyncModelRun(
      () => ({ model: { status: "pending", bytes: undefined } as LifeModel, real: { ctx, upload: first } }),
      [
        new PutPartCommand(1, 100, 1),
        new CompleteCommand(),
        new PutPartCommand(2, 50, 2),
        new PutPartCommand(1, 70, 3),
        new AbortCommand(),
        new CompleteCommand(),
        new ReadCommand(),
      ],
    );
    // Model-based: generated lifecycles, each ending with a read once complete.
    await ctx.property(
      fc.commands(lifeCommands, { maxCommands: 10 }),
      async (commands) => {
        const upload = await initiate(ctx, { name: "final.bin" });
        const model: LifeModel = { status: "pending", bytes: undefined };
        await fc.asyncModelRun(() => ({ model, real: { ctx, upload } }), commands);
        if (model.status === "complete") await new ReadCommand().run(model, { ctx, upload });
      },
      { numRuns: 4 },
    );
  },
};
