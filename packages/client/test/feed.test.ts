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
          // Each part asked for is read once while held, plus at most one part read ahead each time.
          expect(counts.readInto).toBeLessThanOrEqual(2 * reads);
          // At most one buffer per part held at once, the part read ahead, and the final part's own size.
          expect(buffers.size).toBeLessThanOrEqual(Math.min(reads + 1, count + 1));
        },
      ),
      { numRuns: 150 },
    );
  });

  /** Lets queued reads (read-ahead included) run to the end. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

  test("a held part is returned again without a read; the next part is read ahead, into a released buffer", async () => {
    const bytes = Uint8Array.from({ length: 100 }, (_, i) => i);
    const { source, counts } = intoSource(bytes);
    const feed = createPartFeed(source, { limits, preferredPartSize: 16 });
    const first = await feed.read(1);
    expect(await feed.read(1)).toBe(first);
    await settle();
    expect(counts.readInto).toBe(2); // part 1, and part 2 read ahead
    feed.release(1);
    const second = await feed.read(2);
    expect(second.bytes).toEqual(bytes.subarray(16, 32));
    await settle();
    expect(counts.readInto).toBe(3); // part 2 was not read again; part 3 was read ahead
    const third = await feed.read(3);
    expect(third.bytes.buffer).toBe(first.bytes.buffer);
    expect(third.bytes).toEqual(bytes.subarray(32, 48));
    expect(counts.readInto).toBe(3);
  });

  test("reads run one at a time, whatever the number of parts asked for at once", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 400 }),
        fc.uniqueArray(fc.nat({ max: 30 }), { minLength: 1, maxLength: 8 }),
        async (length, picks) => {
          const bytes = Uint8Array.from({ length }, (_, i) => i * 7);
          let active = 0;
          let most = 0;
          const source = {
            size: length,
            read: async () => new Uint8Array(0),
            readInto: async (offset: number, target: Uint8Array) => {
              most = Math.max(most, ++active);
              await settle();
              target.set(bytes.subarray(offset, offset + target.length));
              active--;
              return Math.min(target.length, length - offset);
            },
          };
          const feed = createPartFeed(source, { limits, preferredPartSize: 16 });
          const numbers = [...new Set(picks.map((p) => (p % feed.known.length) + 1))];
          const parts = await Promise.all(numbers.map((n) => feed.read(n)));
          for (const part of parts)
            expect(part.bytes).toEqual(bytes.subarray(part.offset, part.offset + part.size));
          expect(most).toBe(1);
        },
      ),
      { numRuns: 60 },
    );
  });

  test("a part read ahead but never asked for (sent in an earlier run) gives its buffer back", async () => {
    const bytes = Uint8Array.from({ length: 16 * 40 }, (_, i) => i);
    const buffers = new Set<ArrayBufferLike>();
    const source = {
      size: bytes.length,
      read: async () => new Uint8Array(0),
      readInto: async (offset: number, target: Uint8Array) => {
        buffers.add(target.buffer);
        target.set(bytes.subarray(offset, offset + target.length));
        return target.length;
      },
    };
    const feed = createPartFeed(source, { limits, preferredPartSize: 16 });
    // Every other part, as a resumed upload asks: each read-ahead is passed over.
    for (let number = 1; number <= 40; number += 2) {
      const part = await feed.read(number);
      expect(part.bytes).toEqual(bytes.subarray(part.offset, part.offset + 16));
      await settle();
      feed.release(number);
    }
    // The part asked for, the one read ahead, and the next read: never a buffer per skipped part.
    expect(buffers.size).toBeLessThanOrEqual(3);
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
