/**
 * Resumable uploads (UploadFile.ps1, the resumable guide): the first POST answers an uploadToken
 * (YF-RESUMABLE-TOKEN); chunks are at most 9,000,000 bytes (YF-RESUMABLE-CHUNK-SIZE), are placed
 * by position whatever their order (YF-RESUMABLE-POSITION, model-based), and `close=true` assembles
 * them or refuses a gap (YF-RESUMABLE-CLOSE).
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext } from "../../context.ts";
import {
  businessTypeOf,
  bytesOf,
  expectCreated,
  expectReadBack,
  expectRefused,
  putChunk,
  type Session,
  startResumable,
  uniqueName,
  youforceCheck,
} from "./api.ts";
import { type Bytes, concat, utf8 } from "./wire.ts";

/** YF-RESUMABLE-CHUNK-SIZE: 9 MB, read as 9,000,000 bytes. */
export const CHUNK_MAX_SIZE = 9_000_000;

const chunkBytes = (maxLength = 300): fc.Arbitrary<Bytes> =>
  fc.uint8Array({ minLength: 1, maxLength }) as fc.Arbitrary<Bytes>;

function expectStoredChunk(
  ctx: CheckContext,
  answer: Awaited<ReturnType<typeof putChunk>>,
  what: string,
): void {
  if (answer.status < 200 || answer.status >= 300)
    ctx.fail(`${what}: expected a 2xx answer, got ${answer.status}`, answer.exchange);
}

const yfResumableToken: Check = youforceCheck(
  "YF-RESUMABLE-TOKEN",
  "the first resumable request answers an uploadToken; a chunk with an unknown token is refused",
  async (ctx) => {
    businessTypeOf(ctx);
    const session = await startResumable(ctx, { name: uniqueName("resumable-token"), chunk0: "first;" });
    await ctx.property(
      fc
        .oneof(fc.uuid(), fc.stringMatching(/^[A-Za-z0-9-]{1,48}$/))
        .filter((token) => token.toLowerCase() !== session.uploadToken.toLowerCase()),
      async (uploadToken) => {
        expectRefused(
          ctx,
          await putChunk(
            ctx,
            { uploadToken, token: ctx.target.token },
            { position: 1, bytes: utf8("stray") },
          ),
          [400, 404],
          `a chunk with the unknown uploadToken ${JSON.stringify(uploadToken)}`,
        );
      },
      { numRuns: 10 },
    );
    const closed = await putChunk(ctx, session, { position: 1, bytes: utf8("last"), close: true });
    const file = expectCreated(ctx, closed, { name: session.name, size: 10 }, "closing the upload");
    await expectReadBack(ctx, file.id, "first;last", "the closed upload");
  },
);

const yfResumableChunkSize: Check = youforceCheck(
  "YF-RESUMABLE-CHUNK-SIZE",
  "a chunk of 9,000,000 bytes is accepted and one of 9,000,001 bytes refused with 413 or 400",
  async (ctx) => {
    businessTypeOf(ctx);
    const session = await startResumable(ctx, {
      name: uniqueName("chunk-size", ".bin"),
      chunk0: "chunk zero;",
    });
    const seed = Math.floor(ctx.random() * 2 ** 32);
    expectRefused(
      ctx,
      await putChunk(ctx, session, { position: 1, bytes: bytesOf(CHUNK_MAX_SIZE + 1, seed) }),
      [413, 400],
      `a chunk of ${CHUNK_MAX_SIZE + 1} bytes`,
    );
    expectStoredChunk(
      ctx,
      await putChunk(ctx, session, { position: 1, bytes: bytesOf(CHUNK_MAX_SIZE, seed) }),
      `a chunk of ${CHUNK_MAX_SIZE} bytes`,
    );
    const closed = await putChunk(ctx, session, { position: 2, bytes: utf8("end"), close: true });
    expectCreated(ctx, closed, { name: session.name, size: 11 + CHUNK_MAX_SIZE + 3 }, "closing the upload");
  },
);

// --- YF-RESUMABLE-POSITION: a model-based run ---------------------------------------------------

/** The model: the chunk stored at each position (0 is the POST's). Far simpler than a server. */
interface Model {
  readonly chunks: Map<number, Bytes>;
}

interface Real {
  readonly ctx: CheckContext;
  readonly session: Session;
}

/** PUT one chunk at a position (1-6); a position sent before is replaced. */
class PutChunk implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly position: number,
    readonly bytes: Bytes,
  ) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, { ctx, session }: Real): Promise<void> {
    const answer = await putChunk(ctx, session, { position: this.position, bytes: this.bytes });
    expectStoredChunk(ctx, answer, `${this}`);
    model.chunks.set(this.position, this.bytes);
  }
  toString(): string {
    return `PutChunk(${this.position}, ${this.bytes.length} bytes)`;
  }
}

/** PUT several chunks at once, at distinct positions (the .NET SDK sends up to 6 concurrently). */
class PutConcurrently implements fc.AsyncCommand<Model, Real> {
  constructor(readonly chunks: readonly { readonly position: number; readonly bytes: Bytes }[]) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, { ctx, session }: Real): Promise<void> {
    const answers = await Promise.all(
      this.chunks.map(({ position, bytes }) => putChunk(ctx, session, { position, bytes })),
    );
    for (const [i, answer] of answers.entries())
      expectStoredChunk(ctx, answer, `${this} (position ${this.chunks[i]?.position})`);
    for (const { position, bytes } of this.chunks) model.chunks.set(position, bytes);
  }
  toString(): string {
    return `PutConcurrently(${this.chunks.map((c) => `${c.position}:${c.bytes.length}b`).join(", ")})`;
  }
}

const MAX_POSITION = 6;
const position = fc.integer({ min: 1, max: MAX_POSITION });
const commands = fc.commands(
  [
    fc.tuple(position, chunkBytes()).map(([p, bytes]) => new PutChunk(p, bytes)),
    fc
      .uniqueArray(fc.record({ position, bytes: chunkBytes() }), {
        minLength: 2,
        maxLength: 4,
        selector: (chunk) => chunk.position,
      })
      .map((chunks) => new PutConcurrently(chunks)),
  ],
  { maxCommands: 6 },
);

const yfResumablePosition: Check = youforceCheck(
  "YF-RESUMABLE-POSITION",
  "chunks sent in any order, concurrently or again, are assembled by position",
  async (ctx) => {
    businessTypeOf(ctx);
    await ctx.property(
      fc.record({ chunk0: chunkBytes(), commands }),
      async ({ chunk0, commands }) => {
        const session = await startResumable(ctx, { name: uniqueName("position", ".bin"), chunk0 });
        const model: Model = { chunks: new Map([[0, chunk0]]) };
        await fc.asyncModelRun(() => ({ model, real: { ctx, session } }), commands);

        // Fill the gaps, close after the highest position and read back the model's file.
        const last = Math.max(...model.chunks.keys());
        for (let p = 1; p < last; p++)
          if (!model.chunks.has(p)) await new PutChunk(p, utf8(`gap ${p};`)).run(model, { ctx, session });
        const closing = utf8("closing");
        const closed = await putChunk(ctx, session, { position: last + 1, bytes: closing, close: true });
        model.chunks.set(last + 1, closing);
        const expected = concat(
          ...[...model.chunks.entries()].sort(([a], [b]) => a - b).map(([, bytes]) => bytes),
        );
        const file = expectCreated(
          ctx,
          closed,
          { name: session.name, size: expected.length },
          "closing the upload",
        );
        await expectReadBack(ctx, file.id, expected, "the file assembled from the chunks by position");
      },
      { numRuns: 4 },
    );
  },
);

const yfResumableClose: Check = youforceCheck(
  "YF-RESUMABLE-CLOSE",
  "closing with a position missing is refused; closing a complete set answers the File",
  async (ctx) => {
    businessTypeOf(ctx);
    await ctx.property(
      fc
        .array(chunkBytes(64), { minLength: 3, maxLength: 6 })
        .chain((chunks) =>
          fc.record({ chunks: fc.constant(chunks), missing: fc.integer({ min: 1, max: chunks.length - 2 }) }),
        ),
      async ({ chunks, missing }) => {
        // chunks[0] goes with the POST, chunks[last] closes; `missing` is held back at first.
        const last = chunks.length - 1;
        const session = await startResumable(ctx, { name: uniqueName("close", ".bin"), chunk0: chunks[0]! });
        for (let p = 1; p < last; p++)
          if (p !== missing)
            expectStoredChunk(
              ctx,
              await putChunk(ctx, session, { position: p, bytes: chunks[p]! }),
              `chunk ${p}`,
            );
        expectRefused(
          ctx,
          await putChunk(ctx, session, { position: last, bytes: chunks[last]!, close: true }),
          [400],
          `closing at position ${last} without position ${missing}`,
        );
        expectStoredChunk(
          ctx,
          await putChunk(ctx, session, { position: missing, bytes: chunks[missing]! }),
          `the missing chunk ${missing}`,
        );
        const closed = await putChunk(ctx, session, { position: last, bytes: chunks[last]!, close: true });
        const expected = concat(...chunks);
        const file = expectCreated(
          ctx,
          closed,
          { name: session.name, size: expected.length },
          "closing a complete set",
        );
        await expectReadBack(ctx, file.id, expected, "the closed upload");
      },
      { numRuns: 3 },
    );
  },
);

export const resumableChecks: readonly Check[] = [
  yfResumableToken,
  yfResumableChunkSize,
  yfResumablePosition,
  yfResumableClose,
];
