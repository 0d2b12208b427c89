import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { md5 } from "../../src/hash/index.ts";
import { chunkStream } from "../../src/parts/chunk.ts";
import type { PartLimits } from "../../src/parts/limits.ts";
import { createPartBufferPool } from "../../src/parts/pool.ts";

const limits: PartLimits = { minPartSize: 64, maxPartSize: 256, maxParts: 1000, maxTotalSize: 256_000 };

async function* chunksOf(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const cut of cuts) {
    const end = Math.min(bytes.length, at + cut);
    yield bytes.slice(at, end);
    at = end;
  }
  if (at < bytes.length) yield bytes.slice(at);
}

describe("createPartBufferPool", () => {
  test("hands a released buffer out again and never the same buffer twice", () => {
    const pool = createPartBufferPool({ maxIdle: 2 });
    const a = pool.acquire(10);
    pool.release(a);
    pool.release(a);
    expect(pool.idle).toBe(1);
    const b = pool.acquire(10);
    expect(b.buffer).toBe(a.buffer);
    const c = pool.acquire(10);
    expect(c.buffer).not.toBe(a.buffer);
  });

  test("ignores buffers it did not make and bounds what it keeps", () => {
    const pool = createPartBufferPool({ maxIdle: 2 });
    pool.release(new Uint8Array(10));
    expect(pool.idle).toBe(0);
    for (const bytes of [pool.acquire(5), pool.acquire(5), pool.acquire(5)]) pool.release(bytes);
    expect(pool.idle).toBe(2);
  });

  test("chunkStream with a pool yields the same parts while reusing buffers", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 4000 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        async (bytes, cuts, inFlight) => {
          const pool = createPartBufferPool();
          const held: Uint8Array[] = [];
          const joined: number[] = [];
          const buffers = new Set<ArrayBufferLike>();
          for await (const part of chunkStream(chunksOf(bytes, cuts), limits, { pool })) {
            // The bytes and digest must be right while the part is held, before any reuse.
            expect(part.md5).toEqual(await md5(part.bytes));
            joined.push(...part.bytes);
            buffers.add(part.bytes.buffer);
            held.push(part.bytes);
            if (held.length >= inFlight) pool.release(held.shift()!);
          }
          expect(Uint8Array.from(joined)).toEqual(bytes);
          // At most the parts in flight plus the one being filled are ever distinct buffers per size.
          const sizes = new Set([...buffers].map((b) => b.byteLength));
          expect(buffers.size).toBeLessThanOrEqual(sizes.size * (inFlight + 1) + 1);
        },
      ),
      { numRuns: 100 },
    );
  });

  test("with fixed-size parts, no more buffers exist than the parts in flight plus the one filling", async () => {
    const fixed: PartLimits = { minPartSize: 64, maxPartSize: 64, maxParts: 1000, maxTotalSize: 64_000 };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 640, max: 4000 }),
        fc.integer({ min: 1, max: 4 }),
        async (size, inFlight) => {
          const pool = createPartBufferPool();
          const held: Uint8Array[] = [];
          const buffers = new Set<ArrayBufferLike>();
          for await (const part of chunkStream(chunksOf(new Uint8Array(size), [100, 7, 300]), fixed, {
            pool,
          })) {
            if (part.bytes.length === 64) buffers.add(part.bytes.buffer);
            held.push(part.bytes);
            if (held.length >= inFlight) pool.release(held.shift()!);
          }
          expect(buffers.size).toBeLessThanOrEqual(inFlight + 1);
        },
      ),
      { numRuns: 50 },
    );
  });
});
