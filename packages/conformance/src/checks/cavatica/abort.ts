/**
 * CV-ABORT (must): DELETE /upload/multipart/{upload_id} answers 204 and discards the upload; it can
 * no longer be used and its part URLs store nothing.
 * Source: https://docs.cavatica.org/docs/abort-a-multipart-upload, "This call aborts an ongoing
 * upload.", its BioData Catalyst twin answering "HTTP/1.1 204 No Content";
 * api-status-codes 8003 "Requested upload does not exist" (404).
 *
 * Check: model-based (fast-check `asyncModelRun`). On a new upload, generated sequences of commands
 * — store a part, store it again, report it, abort, and after the abort every use of the upload —
 * run against the server and a model that knows only whether the upload is open and which parts
 * it holds. The abort answers 204; after it the details, part URLs, reports, batch reports and
 * completion are refused (404, or 409 or 410, which also say the upload is gone), a second abort
 * is refused the same way or answers 204 (an idempotent DELETE; the documents do not say), and a
 * part URL obtained before the abort no longer stores anything (4xx). A sequence that did not
 * abort aborts at its end and probes everything.
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext } from "../../context.ts";
import {
  abortUpload,
  bytesOf,
  call,
  expectReported,
  getPartUrl,
  initUpload,
  reportOf,
  storageRequest,
  storePart,
  successCodes,
  uniqueName,
  uploadPath,
} from "./protocol.ts";

interface Model {
  open: boolean;
  readonly stored: Map<number, Record<string, string>>;
}

interface Real {
  readonly ctx: CheckContext;
  readonly uploadId: string;
}

const PART = fc.constantFrom(1, 2, 9);

class Store implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly n: number,
    readonly size: number,
    readonly seed: number,
  ) {}
  check(model: Readonly<Model>): boolean {
    return model.open;
  }
  async run(model: Model, { ctx, uploadId }: Real): Promise<void> {
    model.stored.set(this.n, (await storePart(ctx, uploadId, this.n, bytesOf(this.size, this.seed))).headers);
  }
  toString(): string {
    return `store(part ${this.n}, ${this.size} bytes)`;
  }
}

class Report implements fc.AsyncCommand<Model, Real> {
  constructor(readonly n: number) {}
  check(model: Readonly<Model>): boolean {
    return model.open && model.stored.has(this.n);
  }
  run(model: Model, { ctx, uploadId }: Real): Promise<void> {
    return expectReported(ctx, uploadId, this.n, model.stored.get(this.n)!);
  }
  toString(): string {
    return `report(part ${this.n})`;
  }
}

class Abort implements fc.AsyncCommand<Model, Real> {
  check(model: Readonly<Model>): boolean {
    return model.open;
  }
  async run(model: Model, real: Real): Promise<void> {
    await abortAndProbe(model, real);
  }
  toString(): string {
    return "abort";
  }
}

type Probe = "details" | "list_parts" | "partUrl" | "report" | "batch" | "complete" | "abort";

class UseAfterAbort implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly probe: Probe,
    readonly n: number,
  ) {}
  check(model: Readonly<Model>): boolean {
    return !model.open;
  }
  run(model: Model, real: Real): Promise<void> {
    return probe(model, real, this.probe, this.n);
  }
  toString(): string {
    return `afterAbort(${this.probe}, part ${this.n})`;
  }
}

const PROBES: readonly Probe[] = ["details", "list_parts", "partUrl", "report", "batch", "complete", "abort"];

async function probe(model: Model, { ctx, uploadId }: Real, what: Probe, n: number): Promise<void> {
  const headers = model.stored.get(n) ?? { ETag: "0".repeat(32) };
  const requests: Record<Probe, [string, string, unknown]> = {
    details: ["GET", uploadPath(uploadId), undefined],
    list_parts: ["GET", uploadPath(uploadId, "?list_parts=true"), undefined],
    partUrl: ["GET", uploadPath(uploadId, `/part/${n}`), undefined],
    report: ["POST", uploadPath(uploadId, "/part"), reportOf(n, headers)],
    batch: ["POST", uploadPath(uploadId), { parts: [reportOf(n, headers)] }],
    complete: ["POST", uploadPath(uploadId, "/complete"), undefined],
    abort: ["DELETE", uploadPath(uploadId), undefined],
  };
  const [method, path, body] = requests[what];
  const answer = await call(ctx, method, path, { body });
  const gone = answer.status === 404 || answer.status === 409 || answer.status === 410;
  if (!gone && !(what === "abort" && answer.status === 204))
    ctx.fail(`after the abort, ${what} of the upload answered ${answer.status}, not 404`);
}

async function abortAndProbe(model: Model, real: Real): Promise<void> {
  const { ctx, uploadId } = real;
  // A URL obtained before the abort must not store anything after it.
  const partUrl = await getPartUrl(ctx, uploadId, 1);
  const answer = await abortUpload(ctx, uploadId);
  if (answer.status !== 204) ctx.fail(`the abort answered ${answer.status}, not 204`);
  model.open = false;
  const late = await storageRequest(ctx, partUrl, bytesOf(16, 7));
  if (successCodes(partUrl).includes(late.status) || late.status < 400 || late.status >= 500)
    ctx.fail(
      `after the abort, a part URL obtained before it still answered ${late.status}, not a refusal (403 or 404)`,
    );
}

const commands = fc.commands(
  [
    fc
      .record({ n: PART, size: fc.integer({ min: 1, max: 128 }), seed: fc.nat() })
      .map(({ n, size, seed }) => new Store(n, size, seed)),
    PART.map((n) => new Report(n)),
    fc.constant(new Abort()),
    fc
      .record({ probe: fc.constantFrom(...PROBES), n: PART })
      .map(({ probe, n }) => new UseAfterAbort(probe, n)),
  ],
  { maxCommands: 10 },
);

export const cvAbort: Check = {
  id: "CV-ABORT",
  protocol: "cavatica",
  title: "Abort answers 204; the upload then answers 404 everywhere",
  async run(ctx) {
    await ctx.property(
      commands,
      async (cmds) => {
        const upload = await initUpload(ctx, { name: uniqueName("abort") });
        const model: Model = { open: true, stored: new Map() };
        const real: Real = { ctx, uploadId: upload.upload_id };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        if (model.open) await abortAndProbe(model, real);
        for (const what of PROBES) await probe(model, real, what, 1);
      },
      { numRuns: 8 },
    );
  },
};
