/**
 * Resumable uploads (UploadFile.ps1, the resumable guide): the first POST answers an uploadToken
 * (YF-RESUMABLE-TOKEN); a chunk of 9 MB is accepted (YF-RESUMABLE-CHUNK-SIZE), also of 9 MiB
 * (YF-SIZE-UNIT), and one over 9 MiB
 * refused (YF-RESUMABLE-CHUNK-LIMIT); chunks are placed by position as numbers whatever their order
 * and concurrency (YF-RESUMABLE-POSITION, model-based, past position 10); a re-sent chunk replaces
 * the first wholly (YF-RESUMABLE-RESEND); `close=true` assembles them (YF-RESUMABLE-CLOSE), refuses
 * a gap (YF-RESUMABLE-CLOSE-GAP) and ends the upload for good (YF-RESUMABLE-CLOSED).
 *
 * What the close answers is undocumented: any 2xx, with the File or without (`expectClosed`).
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext, HttpAnswer } from "../../context.ts";
import {
  businessTypeOf,
  bytesOf,
  download,
  expectClosed,
  expectReadBack,
  expectRefused,
  listedIds,
  putChunk,
  type Session,
  startResumable,
  uniqueName,
  youforceCheck,
} from "./api.ts";
import { type Bytes, concat, utf8 } from "./wire.ts";

/** YF-RESUMABLE-CHUNK-SIZE: 9 MB in the smaller reading, which every server accepts. */
export const CHUNK_MAX_SIZE = 9_000_000;

/** YF-SIZE-UNIT: 9 MB in the larger reading (9 MiB), which a liberal server accepts. */
export const CHUNK_MIB_SIZE = 9 * 1024 * 1024;

/** YF-RESUMABLE-CHUNK-LIMIT: over 9 MB in the larger reading (9 MiB), which every reading refuses. */
export const CHUNK_OVER_LIMIT = CHUNK_MIB_SIZE + 1;

const chunkBytes = (maxLength = 300): fc.Arbitrary<Bytes> =>
  fc.uint8Array({ minLength: 1, maxLength }) as fc.Arbitrary<Bytes>;

function expectStoredChunk(ctx: CheckContext, answer: HttpAnswer, what: string): void {
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
          [400, 403, 404],
          `a chunk with the unknown uploadToken ${JSON.stringify(uploadToken)}`,
        );
      },
      { numRuns: 10 },
    );
    const closed = await putChunk(ctx, session, { position: 1, bytes: utf8("last"), close: true });
    const file = await expectClosed(ctx, closed, session, 10, "closing the upload");
    await expectReadBack(ctx, file.id, "first;last", "the closed upload");
  },
);

/**
 * A resumable upload of a short chunk 0, one chunk of `size` random bytes at position 1 (which must
 * be stored) and a short closing chunk; the closed file must read back byte for byte.
 */
async function closeWithBigChunk(ctx: CheckContext, size: number, name: string): Promise<void> {
  businessTypeOf(ctx);
  const session = await startResumable(ctx, { name: uniqueName(name, ".bin"), chunk0: "chunk zero;" });
  const big = bytesOf(size, Math.floor(ctx.random() * 2 ** 32));
  expectStoredChunk(
    ctx,
    await putChunk(ctx, session, { position: 1, bytes: big }),
    `a chunk of ${size} bytes`,
  );
  const closed = await putChunk(ctx, session, { position: 2, bytes: utf8("end"), close: true });
  const file = await expectClosed(ctx, closed, session, 11 + size + 3, "closing the upload");
  await expectReadBack(ctx, file.id, concat(utf8("chunk zero;"), big, utf8("end")), "the closed upload");
}

const yfResumableChunkSize: Check = youforceCheck(
  "YF-RESUMABLE-CHUNK-SIZE",
  "a chunk of 9,000,000 bytes is accepted and the upload closes with it",
  (ctx) => closeWithBigChunk(ctx, CHUNK_MAX_SIZE, "chunk-size"),
);

const yfSizeUnit: Check = youforceCheck(
  "YF-SIZE-UNIT",
  "a chunk of 9,437,184 bytes (9 MB read as MiB, as the PowerShell client counts) is accepted and closes",
  (ctx) => closeWithBigChunk(ctx, CHUNK_MIB_SIZE, "size-unit"),
);

const yfResumableChunkLimit: Check = youforceCheck(
  "YF-RESUMABLE-CHUNK-LIMIT",
  "a chunk of 9,437,185 bytes (over 9 MB in either unit) is refused with 413 or 400",
  async (ctx) => {
    businessTypeOf(ctx);
    const session = await startResumable(ctx, {
      name: uniqueName("chunk-limit", ".bin"),
      chunk0: "chunk zero;",
    });
    expectRefused(
      ctx,
      await putChunk(ctx, session, {
        position: 1,
        bytes: bytesOf(CHUNK_OVER_LIMIT, Math.floor(ctx.random() * 2 ** 32)),
      }),
      [413, 400],
      `a chunk of ${CHUNK_OVER_LIMIT} bytes`,
    );
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

/** PUT one chunk at a position not sent yet (re-sending is YF-RESUMABLE-RESEND's). */
class PutChunk implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly position: number,
    readonly bytes: Bytes,
  ) {}
  check(model: Readonly<Model>): boolean {
    return !model.chunks.has(this.position);
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

/**
 * PUT several chunks at once, at distinct new positions: genuinely overlapping requests (the .NET
 * SDK sends up to 6 concurrently).
 */
class PutConcurrently implements fc.AsyncCommand<Model, Real> {
  constructor(readonly chunks: readonly { readonly position: number; readonly bytes: Bytes }[]) {}
  check(model: Readonly<Model>): boolean {
    return this.chunks.every(({ position }) => !model.chunks.has(position));
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

/** Positions up to 12, so that numeric and textual order differ ("10" < "2"). */
const MAX_POSITION = 12;
/** The upload is always closed past this position: at least 12 chunks. */
const MIN_CLOSE = 11;
const position = fc.integer({ min: 1, max: MAX_POSITION });
const commands = fc.commands(
  [
    fc.tuple(position, chunkBytes()).map(([p, bytes]) => new PutChunk(p, bytes)),
    fc
      .uniqueArray(fc.record({ position, bytes: chunkBytes() }), {
        minLength: 2,
        maxLength: 6,
        selector: (chunk) => chunk.position,
      })
      .map((chunks) => new PutConcurrently(chunks)),
  ],
  { maxCommands: 8 },
);

const yfResumablePosition: Check = youforceCheck(
  "YF-RESUMABLE-POSITION",
  "chunks sent in any order and concurrently, past position 10, are assembled by position as a number",
  async (ctx) => {
    businessTypeOf(ctx);
    await ctx.property(
      fc.record({ chunk0: chunkBytes(), commands }),
      async ({ chunk0, commands }) => {
        const session = await startResumable(ctx, { name: uniqueName("position", ".bin"), chunk0 });
        const model: Model = { chunks: new Map([[0, chunk0]]) };
        await fc.asyncModelRun(() => ({ model, real: { ctx, session } }), commands);

        // Fill the gaps (concurrently too) up to at least position 11, close after the highest.
        const last = Math.max(MIN_CLOSE, ...model.chunks.keys());
        const gaps: { position: number; bytes: Bytes }[] = [];
        for (let p = 1; p <= last; p++)
          if (!model.chunks.has(p)) gaps.push({ position: p, bytes: utf8(`gap ${p};`) });
        if (gaps.length > 0) await new PutConcurrently(gaps).run(model, { ctx, session });
        const closing = utf8("closing");
        const closed = await putChunk(ctx, session, { position: last + 1, bytes: closing, close: true });
        model.chunks.set(last + 1, closing);
        const expected = concat(
          ...[...model.chunks.entries()].sort(([a], [b]) => a - b).map(([, bytes]) => bytes),
        );
        const file = await expectClosed(ctx, closed, session, expected.length, "closing the upload");
        await expectReadBack(ctx, file.id, expected, "the file assembled from the chunks by position");
      },
      { numRuns: 3 },
    );
  },
);

const yfResumableResend: Check = youforceCheck(
  "YF-RESUMABLE-RESEND",
  "a chunk re-sent shorter, or two copies at once, leaves one whole copy at its position",
  async (ctx) => {
    businessTypeOf(ctx);
    await ctx.property(
      fc.record({
        chunk0: chunkBytes(64),
        long: fc.uint8Array({ minLength: 64, maxLength: 400 }) as fc.Arbitrary<Bytes>,
        short: fc.uint8Array({ minLength: 1, maxLength: 63 }) as fc.Arbitrary<Bytes>,
        copyA: chunkBytes(200),
        copyB: chunkBytes(200),
      }),
      async ({ chunk0, long, short, copyA, copyB }) => {
        const session = await startResumable(ctx, { name: uniqueName("resend", ".bin"), chunk0 });
        // Position 1: sent, then sent again shorter (a retry after a lost answer).
        expectStoredChunk(ctx, await putChunk(ctx, session, { position: 1, bytes: long }), "chunk 1");
        expectStoredChunk(
          ctx,
          await putChunk(ctx, session, { position: 1, bytes: short }),
          "chunk 1 sent again, shorter",
        );
        // Position 2: two different copies in flight at once.
        const [a, b] = await Promise.all([
          putChunk(ctx, session, { position: 2, bytes: copyA }),
          putChunk(ctx, session, { position: 2, bytes: copyB }),
        ]);
        expectStoredChunk(ctx, a, "chunk 2 (first of two concurrent copies)");
        expectStoredChunk(ctx, b, "chunk 2 (second of two concurrent copies)");
        const closed = await putChunk(ctx, session, { position: 3, bytes: utf8("end"), close: true });
        const withA = concat(chunk0, short, copyA, utf8("end"));
        const withB = concat(chunk0, short, copyB, utf8("end"));
        const file = await expectClosed(
          ctx,
          closed,
          session,
          [withA.length, withB.length],
          "closing the upload",
        );
        const read = await download(ctx, file.id);
        const same = (x: Uint8Array, y: Uint8Array) => x.length === y.length && x.every((v, i) => v === y[i]);
        if (!same(read.bytes, withA) && !same(read.bytes, withB))
          ctx.fail(
            `the closed file is not chunk 0, the second (shorter) chunk 1, one whole copy of chunk 2 and the last chunk (${read.bytes.length} bytes read; expected ${withA.length} or ${withB.length})`,
            read.exchange,
          );
      },
      { numRuns: 3, shrink: false },
    );
  },
);

/** Opens an upload and stores `chunks[1..last-1]` but `missing`; chunks[0] goes with the POST. */
async function openWithout(ctx: CheckContext, chunks: readonly Bytes[], missing?: number): Promise<Session> {
  const session = await startResumable(ctx, {
    name: uniqueName("close", ".bin"),
    chunk0: chunks[0] ?? utf8(""),
  });
  for (let p = 1; p < chunks.length - 1; p++)
    if (p !== missing)
      expectStoredChunk(
        ctx,
        await putChunk(ctx, session, { position: p, bytes: chunks[p] ?? utf8("") }),
        `chunk ${p}`,
      );
  return session;
}

const chunkSets = fc.array(chunkBytes(64), { minLength: 3, maxLength: 6 });

const yfResumableClose: Check = youforceCheck(
  "YF-RESUMABLE-CLOSE",
  "close=true on the last chunk stores the chunks in order",
  async (ctx) => {
    businessTypeOf(ctx);
    await ctx.property(
      chunkSets,
      async (chunks) => {
        const last = chunks.length - 1;
        const session = await openWithout(ctx, chunks);
        const closed = await putChunk(ctx, session, {
          position: last,
          bytes: chunks[last] ?? utf8(""),
          close: true,
        });
        const expected = concat(...chunks);
        const file = await expectClosed(ctx, closed, session, expected.length, "closing a complete set");
        await expectReadBack(ctx, file.id, expected, "the closed upload");
      },
      { numRuns: 3 },
    );
  },
);

const yfResumableCloseGap: Check = youforceCheck(
  "YF-RESUMABLE-CLOSE-GAP",
  "closing with a position missing is refused; after sending it, closing stores the whole file",
  async (ctx) => {
    businessTypeOf(ctx);
    await ctx.property(
      chunkSets.chain((chunks) =>
        fc.record({ chunks: fc.constant(chunks), missing: fc.integer({ min: 1, max: chunks.length - 2 }) }),
      ),
      async ({ chunks, missing }) => {
        const last = chunks.length - 1;
        const session = await openWithout(ctx, chunks, missing);
        expectRefused(
          ctx,
          await putChunk(ctx, session, { position: last, bytes: chunks[last] ?? utf8(""), close: true }),
          [400, 409],
          `closing at position ${last} without position ${missing}`,
        );
        expectStoredChunk(
          ctx,
          await putChunk(ctx, session, { position: missing, bytes: chunks[missing] ?? utf8("") }),
          `the missing chunk ${missing}`,
        );
        const closed = await putChunk(ctx, session, {
          position: last,
          bytes: chunks[last] ?? utf8(""),
          close: true,
        });
        const expected = concat(...chunks);
        const file = await expectClosed(ctx, closed, session, expected.length, "closing a complete set");
        await expectReadBack(ctx, file.id, expected, "the closed upload");
      },
      { numRuns: 3 },
    );
  },
);

/** What a closed upload must not take: a new chunk, a replaced chunk, a second close. */
const AFTER_CLOSE = [
  "a chunk at the next position",
  "a chunk replacing position 1",
  "a second close",
] as const;

const yfResumableClosed: Check = youforceCheck(
  "YF-RESUMABLE-CLOSED",
  "after close, chunks and a second close change nothing: the file reads back unchanged and is listed once",
  async (ctx) => {
    businessTypeOf(ctx);
    await ctx.property(
      fc.record({
        chunks: chunkSets,
        late: chunkBytes(64),
        order: fc.shuffledSubarray([...AFTER_CLOSE], { minLength: 3 }),
      }),
      async ({ chunks, late, order }) => {
        const last = chunks.length - 1;
        const session = await openWithout(ctx, chunks);
        const closed = await putChunk(ctx, session, {
          position: last,
          bytes: chunks[last] ?? utf8(""),
          close: true,
        });
        const expected = concat(...chunks);
        const file = await expectClosed(ctx, closed, session, expected.length, "closing the upload");
        for (const call of order) {
          const answer = await putChunk(
            ctx,
            { uploadToken: session.uploadToken, token: session.token },
            {
              position:
                call === "a chunk at the next position" ? last + 1 : call === "a second close" ? last : 1,
              bytes: call === "a second close" ? (chunks[last] ?? late) : late,
              close: call === "a second close",
            },
          );
          const id = answer.json<{ id?: unknown }>()?.id;
          const ok = answer.status >= 200 && answer.status < 300;
          if (ok && !(call === "a second close" && (id === undefined || id === file.id)))
            ctx.fail(
              `${call} after the close answered ${answer.status}: a closed upload takes nothing more`,
              answer.exchange,
            );
          if (!ok && ![400, 404, 409, 410].includes(answer.status))
            ctx.fail(
              `${call} after the close answered ${answer.status}, not 400, 404, 409 or 410`,
              answer.exchange,
            );
        }
        await expectReadBack(ctx, file.id, expected, "the closed file after the late calls");
        const { answer, ids } = await listedIds(ctx, session.name, { token: session.token });
        if (ids.length !== 1)
          ctx.fail(
            `the token's listing shows ${ids.length} files named ${JSON.stringify(session.name)}, not 1`,
            answer.exchange,
          );
      },
      { numRuns: 3 },
    );
  },
);

export const resumableChecks: readonly Check[] = [
  yfResumableToken,
  yfResumableChunkSize,
  yfResumableChunkLimit,
  yfSizeUnit,
  yfResumablePosition,
  yfResumableResend,
  yfResumableClose,
  yfResumableCloseGap,
  yfResumableClosed,
];
