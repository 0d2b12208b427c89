import { constants } from "node:fs";
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BATCH_BYTES, BatchBufferPool, BlobWriter, copyInto } from "../src/blob-writer.ts";
import { cut, patternBytes } from "./helpers.ts";

let dir: string;
/** Whether the test directory's filesystem takes O_DIRECT at all (Linux ext4/xfs/btrfs do; macOS has no flag). */
let directSupported = false;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "partwise-blob-writer-"));
  const flag = constants.O_DIRECT as number | undefined;
  if (flag === undefined) return;
  try {
    const probe = await open(join(dir, "probe"), constants.O_WRONLY | constants.O_CREAT | flag);
    await probe.close();
    directSupported = true;
  } catch {}
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A pool whose buffers start one byte past an allocation: never aligned for direct I/O. */
class MisalignedPool extends BatchBufferPool {
  override acquire(): Buffer {
    return Buffer.from(new ArrayBuffer(BATCH_BYTES + 1), 1, BATCH_BYTES);
  }
}

let files = 0;
async function writeBlob(
  chunks: readonly Uint8Array[],
  options: { pool?: BatchBufferPool; directIo?: boolean } = {},
): Promise<{ bytes: Uint8Array; directIo: boolean }> {
  const path = join(dir, `blob-${files++}`);
  const writer = await BlobWriter.create(path, {
    pool: options.pool ?? new BatchBufferPool(),
    directIo: options.directIo ?? true,
  });
  try {
    for (const chunk of chunks) await writer.write(chunk);
    await writer.end();
    const directIo = writer.directIo;
    await writer.close();
    return { bytes: new Uint8Array(await readFile(path)), directIo };
  } finally {
    await writer.close().catch(() => {});
    await rm(path, { force: true });
  }
}

const firstDifference = (a: Uint8Array, b: Uint8Array): number =>
  a.length !== b.length ? Math.min(a.length, b.length) : a.findIndex((byte, i) => byte !== b[i]);

describe("copyInto", () => {
  test("copies exactly the bytes given into shared memory at any offset, whatever their alignment", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
        fc.nat({ max: 16 }),
        fc.nat({ max: 16 }),
        fc.nat({ max: 400 }),
        fc.boolean(),
        (bytes, sourceStart, sourceTrim, offset, fromSharedMemory) => {
          // A source that is a view at an odd place of a larger buffer, shared or not, as chunks are.
          const backing = fromSharedMemory
            ? new Uint8Array(new SharedArrayBuffer(sourceStart + bytes.length + sourceTrim))
            : new Uint8Array(sourceStart + bytes.length + sourceTrim);
          backing.set(bytes, sourceStart);
          const source = backing.subarray(sourceStart, sourceStart + bytes.length);
          const target = Buffer.from(new SharedArrayBuffer(offset + bytes.length + 7)).fill(0xa5);
          copyInto(target, source, offset);
          const expected = Buffer.alloc(target.length, 0xa5);
          expected.set(bytes, offset);
          expect(Buffer.compare(target, expected)).toBe(0);
        },
      ),
    );
  });
});

describe("BlobWriter", () => {
  test("the file holds exactly the bytes written, whatever the chunking, with direct I/O or without", async () => {
    const sizes = fc.oneof(
      fc.constantFrom(
        0,
        1,
        4095,
        4096,
        4097,
        BATCH_BYTES - 1,
        BATCH_BYTES,
        BATCH_BYTES + 1,
        3 * BATCH_BYTES + 513,
      ),
      fc.integer({ min: 0, max: 3 * BATCH_BYTES + 9000 }),
    );
    const pool = new BatchBufferPool();
    await fc.assert(
      fc.asyncProperty(
        sizes,
        fc.array(fc.integer({ min: 0, max: 300_000 }), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.nat(),
        async (size, chunkSizes, directIo, seed) => {
          const data = patternBytes(size, seed + 1);
          const written = await writeBlob(cut(data, chunkSizes), { pool, directIo });
          expect(firstDifference(written.bytes, data)).toBe(-1);
          // Where the filesystem takes direct I/O, every batch went out that way: no fallback.
          expect(written.directIo).toBe(directIo && directSupported);
        },
      ),
      { numRuns: 40 },
    );
  });

  test("a buffer the kernel will not write directly falls back to buffered writes, with the same bytes", async () => {
    const data = patternBytes(2 * BATCH_BYTES + 12_345, 7);
    const written = await writeBlob(cut(data, [65_536]), { pool: new MisalignedPool() });
    expect(firstDifference(written.bytes, data)).toBe(-1);
    expect(written.directIo).toBe(false);
  });

  test("a chunk may be reused as soon as write resolves", async () => {
    const data = patternBytes(BATCH_BYTES + 70_000, 3);
    const path = join(dir, "reuse");
    const writer = await BlobWriter.create(path, { pool: new BatchBufferPool() });
    const scratch = new Uint8Array(50_000);
    for (let at = 0; at < data.length; at += scratch.length) {
      const piece = data.subarray(at, at + scratch.length);
      scratch.set(piece);
      await writer.write(scratch.subarray(0, piece.length));
      scratch.fill(0xee); // the writer must have copied it already
    }
    await writer.end();
    await writer.close();
    expect(firstDifference(new Uint8Array(await readFile(path)), data)).toBe(-1);
  });
});
