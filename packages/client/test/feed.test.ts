import { md5, UploadSession } from "@partwise/engine";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { driveUpload } from "../src/drive.ts";
import { createPartFeed, fingerprintSource } from "../src/feed.ts";

const limits = { minPartSize: 8, maxPartSize: 64, maxParts: 1000, maxTotalSize: 64_000 };

async function* chunked(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const cut of cuts) {
    if (at >= bytes.length) break;
    yield bytes.slice(at, at + cut);
    at += cut;
  }
  if (at < bytes.length) yield bytes.slice(at);
}

describe("createPartFeed + driveUpload", () => {
  test("a Blob and a stream of the same bytes upload the same bytes, parts in order of number", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(fc.integer({ min: 1, max: 90 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        async (bytes, cuts, concurrency, asStream) => {
          const feed = createPartFeed(asStream ? chunked(bytes, cuts) : new Blob([bytes]), { limits });
          const session = new UploadSession({
            parts: feed.known,
            openEnded: feed.openEnded,
            concurrency,
            random: () => 0,
          });
          const received = new Map<number, Uint8Array>();
          let completed: number[] = [];
          await driveUpload({
            session,
            driver: {
              async sendPart(command) {
                const part = await feed.read(command.number);
                expect(part.md5).toEqual(await md5(part.bytes));
                received.set(command.number, part.bytes.slice());
                return `etag-${command.number}`;
              },
              async complete(command) {
                completed = command.parts.map((p) => p.number);
              },
              nextPart: () => feed.next(),
            },
            onPartAccepted: (n) => feed.release(n),
          });
          const joined = completed.flatMap((n) => [...received.get(n)!]);
          expect(Uint8Array.from(joined)).toEqual(bytes);
          expect(completed).toEqual([...completed].sort((a, b) => a - b));
        },
      ),
      { numRuns: 80 },
    );
  });

  test("fingerprints differ when the content at either end changes", async () => {
    const a = new Uint8Array(200_000).fill(1);
    const b = a.slice();
    b[199_999] = 2;
    const fa = await fingerprintSource(new Blob([a]));
    expect(fa.size).toBe(200_000);
    expect(fa.sample).not.toBe((await fingerprintSource(new Blob([b]))).sample);
    expect(fa.sample).toBe((await fingerprintSource(new Blob([a.slice()]))).sample);
  });
});

describe("createPartFeed with a readInto source (pooled part buffers)", () => {
  /** An in-memory source with readInto, counting reads. */
  function intoSource(data: Uint8Array) {
    const counts = { read: 0, readInto: 0 };
    return {
      counts,
      source: {
        size: data.length,
        read: async (offset: number, length: number) => {
          counts.read++;
          return data.slice(offset, offset + length);
        },
        readInto: async (offset: number, target: Uint8Array) => {
          counts.readInto++;
          const piece = data.subarray(offset, offset + target.length);
          target.set(piece);
          return piece.length;
        },
      },
    };
  }

  test("bytes and MD5 equal a plain read, whatever the order of reads and releases; buffers are reused", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 1500 }),
        fc.array(fc.tuple(fc.boolean(), fc.nat()), { minLength: 1, maxLength: 80 }),
        async (bytes, steps) => {
          const { source, counts } = intoSource(bytes);
          const feed = createPartFeed(source, { limits, preferredPartSize: 16 });
          const plain = createPartFeed(new Blob([bytes]), { limits, preferredPartSize: 16 });
          const count = feed.known.length;
          const buffers = new Set<ArrayBufferLike>();
          let reads = 0;
          for (const [isRead, pick] of steps) {
            const number = (pick % count) + 1;
            if (!isRead) {
              feed.release(number);
              continue;
            }
            const part = await feed.read(number);
            reads++;
            buffers.add(part.bytes.buffer);
            const expected = await plain.read(number);
            expect(part.bytes).toEqual(expected.bytes);
            expect(part.md5).toEqual(expected.md5);
            expect(part.md5).toEqual(await md5(bytes.subarray(part.offset, part.offset + part.size)));
            expect(part.isFinal).toBe(expected.isFinal);
          }
          expect(counts.read).toBe(0);
          expect(counts.readInto).toBeLessThanOrEqual(reads);
          // At most one buffer per part held at once plus the final part's own size.
          expect(buffers.size).toBeLessThanOrEqual(Math.min(reads, count + 1));
        },
      ),
      { numRuns: 150 },
    );
  });

  test("a held part is returned again without a read; a released one is read into the same buffer", async () => {
    const bytes = Uint8Array.from({ length: 100 }, (_, i) => i);
    const { source, counts } = intoSource(bytes);
    const feed = createPartFeed(source, { limits, preferredPartSize: 16 });
    const first = await feed.read(1);
    const again = await feed.read(1);
    expect(again).toBe(first);
    expect(counts.readInto).toBe(1);
    const buffer = first.bytes.buffer;
    feed.release(1);
    const second = await feed.read(2);
    expect(second.bytes.buffer).toBe(buffer);
    expect(second.bytes).toEqual(bytes.subarray(16, 32));
    expect(counts.readInto).toBe(2);
  });

  test("a failed read holds nothing and can be retried", async () => {
    const bytes = Uint8Array.from({ length: 40 }, (_, i) => i);
    let fail = true;
    const source = {
      size: bytes.length,
      read: async () => new Uint8Array(0),
      readInto: async (offset: number, target: Uint8Array) => {
        if (fail) return 1;
        target.set(bytes.subarray(offset, offset + target.length));
        return target.length;
      },
    };
    const feed = createPartFeed(source, { limits, preferredPartSize: 16 });
    await expect(feed.read(1)).rejects.toMatchObject({ code: "PW_SOURCE_SHORT_READ" });
    fail = false;
    expect((await feed.read(1)).bytes).toEqual(bytes.subarray(0, 16));
  });
});
