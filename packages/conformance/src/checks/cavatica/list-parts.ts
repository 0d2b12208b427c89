/**
 * CV-LIST-PARTS (must): GET /upload/multipart/{upload_id}?list_parts=true lists every reported part
 * once with its last reported headers, and `uploaded_parts_count` counts them.
 * Source: https://docs.cancergenomicscloud.org/reference/get-details-of-a-multipart-upload
 * (`list_parts`: when true the reported parts are included; `uploaded_parts_count`).
 *
 * Check: model-based (fast-check `asyncModelRun`). On a new upload, generated sequences of commands
 * — store a part, store it again with other bytes, report a stored part, list the parts — run
 * against the server and against a model of two maps (part number → the ETag of the bytes stored last, and
 * → the ETag reported last). Every listing, and one after the sequence, shows exactly the reported
 * part numbers, each once and in any order (the order is CV-LIST-PARTS-ORDER, an inference), each
 * with the ETag last reported (a part stored again keeps its last report until it is reported
 * again), and `uploaded_parts_count` is their number.
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext } from "../../context.ts";
import { bytesOf, etagOf, expectReported, initUpload, listParts, storePart, uniqueName } from "./protocol.ts";

interface Model {
  /** Part number → the headers to report for the bytes stored last. */
  readonly stored: Map<number, Record<string, string>>;
  /** Part number → the headers reported last. */
  readonly reported: Map<number, Record<string, string>>;
}

interface Real {
  readonly ctx: CheckContext;
  readonly uploadId: string;
}

/** A few part numbers, so that sequences store and report the same part more than once. */
const PART = fc.constantFrom(1, 2, 3, 17, 10_000);

class Store implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly n: number,
    readonly size: number,
    readonly seed: number,
    readonly again: boolean,
  ) {}
  check(model: Readonly<Model>): boolean {
    return model.stored.has(this.n) === this.again;
  }
  async run(model: Model, { ctx, uploadId }: Real): Promise<void> {
    const { headers } = await storePart(ctx, uploadId, this.n, bytesOf(this.size, this.seed));
    model.stored.set(this.n, headers);
  }
  toString(): string {
    return `${this.again ? "storeAgain" : "store"}(part ${this.n}, ${this.size} bytes)`;
  }
}

class Report implements fc.AsyncCommand<Model, Real> {
  constructor(readonly n: number) {}
  check(model: Readonly<Model>): boolean {
    return model.stored.has(this.n);
  }
  async run(model: Model, { ctx, uploadId }: Real): Promise<void> {
    const headers = model.stored.get(this.n)!;
    await expectReported(ctx, uploadId, this.n, headers);
    model.reported.set(this.n, headers);
  }
  toString(): string {
    return `report(part ${this.n})`;
  }
}

class List implements fc.AsyncCommand<Model, Real> {
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): Promise<void> {
    return compare(model, real);
  }
  toString(): string {
    return "list";
  }
}

async function compare(model: Model, { ctx, uploadId }: Real): Promise<void> {
  const { answer, details } = await listParts(ctx, uploadId);
  if (details === undefined)
    return ctx.fail(`the upload's details with list_parts=true answered ${answer.status}`);
  const expected = [...model.reported.entries()].sort(([a], [b]) => a - b);
  const listed = [...(details.parts ?? [])].sort((a, b) => a.part_number - b.part_number);
  const numbers = listed.map((part) => part.part_number);
  const want = expected.map(([n]) => n);
  if (JSON.stringify(numbers) !== JSON.stringify(want))
    ctx.fail(`list_parts shows parts [${numbers.join(", ")}], not the reported [${want.join(", ")}]`);
  for (const [i, [n, headers]] of expected.entries())
    if (etagOf(listed[i]!.response.headers) !== etagOf(headers))
      ctx.fail(
        `list_parts shows part ${n} with the ETag ${etagOf(listed[i]!.response.headers)}, not the last reported ${etagOf(headers)}`,
      );
  if (details.uploaded_parts_count !== expected.length)
    ctx.fail(
      `uploaded_parts_count is ${details.uploaded_parts_count}, not the ${expected.length} reported parts`,
    );
}

const commands = fc.commands(
  [
    fc
      .record({ n: PART, size: fc.integer({ min: 1, max: 256 }), seed: fc.nat(), again: fc.boolean() })
      .map(({ n, size, seed, again }) => new Store(n, size, seed, again)),
    PART.map((n) => new Report(n)),
    fc.constant(new List()),
  ],
  { maxCommands: 12 },
);

export const cvListParts: Check = {
  id: "CV-LIST-PARTS",
  protocol: "cavatica",
  title: "list_parts shows exactly the reported parts, each with its last reported ETag",
  async run(ctx) {
    await ctx.property(
      commands,
      async (cmds) => {
        const upload = await initUpload(ctx, { name: uniqueName("list-parts") });
        const model: Model = { stored: new Map(), reported: new Map() };
        const real: Real = { ctx, uploadId: upload.upload_id };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        await compare(model, real);
      },
      { numRuns: 10 },
    );
  },
};
