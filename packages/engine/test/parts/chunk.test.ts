import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { md5 } from "../../src/hash/digest.ts";
import { toHex } from "../../src/hash/encoding.ts";
import { createMd5 } from "../../src/hash/index.ts";
import {
  blobSource,
  type ChunkedPart,
  chunkSource,
  chunkStream,
  type RandomAccessSource,
  READ_SLICE_BYTES,
  readPart,
  ShortReadError,
} from "../../src/parts/chunk.ts";
import type { PartLimits } from "../../src/parts/limits.ts";
import { planParts } from "../../src/parts/plan.ts";
import { createPartSizer } from "../../src/parts/sizer.ts";
import { capacity, RULES, smallLimits } from "./arbitraries.ts";

/** An in-memory source that records every read. */
function memorySource(data: Uint8Array): RandomAccessSource & { reads: [number, number][] } {
  const reads: [number, number][] = [];
  return {
    size: data.length,
    reads,
    read: async (offset, length) => {
      reads.push([offset, length]);
      return data.slice(offset, offset + length);
    },
  };
}

/** Cuts data into chunks whose lengths cycle through `lengths` (zero-length chunks included). */
function rechunk(data: Uint8Array, lengths: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (let k = 0; at < data.length; k++) {
    const length = lengths.length === 0 ? data.length : lengths[k % lengths.length]!;
    chunks.push(data.slice(at, at + length));
    at += length;
    if (k > 10 * data.length + 10) throw new Error("chunk lengths never advance");
  }
  return chunks;
}

async function* iterate(
  chunks: readonly Uint8Array[],
  pulled?: { count: number },
): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) {
    if (pulled) pulled.count += 1;
    yield chunk;
  }
}

function readable(chunks: readonly Uint8Array[], log: string[] = []): ReadableStream<Uint8Array> {
  let k = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[k++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(chunk);
    },
    cancel() {
      log.push("cancel");
    },
  });
}

async function collect(parts: AsyncIterable<ChunkedPart>): Promise<ChunkedPart[]> {
  const out: ChunkedPart[] = [];
  for await (const part of parts) out.push(part);
  return out;
}

function concat(parts: readonly ChunkedPart[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.bytes.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part.bytes, at);
    at += part.bytes.length;
  }
  return out;
}

async function expectMd5sMatch(parts: readonly ChunkedPart[]): Promise<void> {
  for (const part of parts) expect(toHex(part.md5)).toBe(toHex(await md5(part.bytes)));
}

describe("blobSource", () => {
  it("reads any byte range of a Blob", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), async (data, a, b) => {
        const source = blobSource(new Blob([data]));
        expect(source.size).toBe(data.length);
        const offset = data.length === 0 ? 0 : a % data.length;
        const length = Math.min(b % 64, data.length - offset);
        expect(await source.read(offset, length)).toEqual(data.slice(offset, offset + length));
      }),
    );
  });
});

describe("readPart and chunkSource", () => {
  it("reads each planned part with its MD5; the parts join to the source and only the last is final", async () => {
    await fc.assert(
      fc.asyncProperty(
        smallLimits().chain((limits) =>
          fc.record({
            limits: fc.constant(limits),
            data: fc.uint8Array({ maxLength: Math.min(capacity(limits), 500) }),
          }),
        ),
        async ({ limits, data }) => {
          const plan = planParts(data.length, limits);
          const parts = await collect(chunkSource(blobSource(new Blob([data])), plan));
          expect(parts.map(({ number, offset, size }) => ({ number, offset, size }))).toEqual(plan);
          expect(concat(parts)).toEqual(data);
          expect(parts.map((part) => part.isFinal)).toEqual(plan.map((_, k) => k === plan.length - 1));
          await expectMd5sMatch(parts);
        },
      ),
    );
  });

  it("reads lazily: one read per part, only when the consumer pulls it", async () => {
    const source = memorySource(new Uint8Array(100).map((_, k) => k));
    const iterator = chunkSource(
      source,
      planParts(
        100,
        { minPartSize: 10, maxPartSize: 30, maxParts: 10, maxTotalSize: 1000 },
        { preferredPartSize: 30 },
      ),
    );
    expect(source.reads).toEqual([]);
    await iterator.next();
    expect(source.reads).toEqual([[0, 30]]);
    await iterator.next();
    expect(source.reads).toEqual([
      [0, 30],
      [30, 30],
    ]);
  });

  it("a 0-byte source gives one empty final part with the MD5 of nothing, without reading", async () => {
    const source = memorySource(new Uint8Array(0));
    const part = await readPart(source, { number: 1, offset: 0, size: 0 });
    expect(part).toMatchObject({ number: 1, size: 0, isFinal: true });
    expect(toHex(part.md5)).toBe("d41d8cd98f00b204e9800998ecf8427e");
    expect(source.reads).toEqual([]);
  });

  it("throws ShortReadError when the source returns fewer bytes than the part needs", async () => {
    const truncated: RandomAccessSource = { size: 10, read: async () => new Uint8Array(3) };
    await expect(readPart(truncated, { number: 2, offset: 5, size: 5 })).rejects.toThrow(ShortReadError);
    await expect(readPart(truncated, { number: 2, offset: 5, size: 5 })).rejects.toMatchObject({
      code: "PW_SOURCE_SHORT_READ",
      partNumber: 2,
      expected: 5,
      actual: 3,
    });
  });
});

describe("chunkStream", () => {
  const streamCase = smallLimits({ partSize: 40, parts: 30 }).chain((limits) =>
    fc.record({
      limits: fc.constant(limits),
      data: fc.uint8Array({ maxLength: Math.min(capacity(limits), 400) }),
      lengths: fc
        .array(fc.nat({ max: 50 }), { maxLength: 8 })
        .map((lengths) => (lengths.some((l) => l > 0) ? lengths : [])),
      preferredPartSize: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
      asReadable: fc.boolean(),
    }),
  );

  it("for random bytes and random re-chunking, parts join to the input, each MD5 matches, sizes obey the sizer", async () => {
    await fc.assert(
      fc.asyncProperty(streamCase, async ({ limits, data, lengths, preferredPartSize, asReadable }) => {
        const chunks = rechunk(data, lengths);
        const input = asReadable ? readable(chunks) : iterate(chunks);
        const parts = await collect(chunkStream(input, limits, { preferredPartSize }));
        expect(concat(parts)).toEqual(data);
        await expectMd5sMatch(parts);
        const sizer = createPartSizer(limits, { preferredPartSize });
        let offset = 0;
        for (const [k, part] of parts.entries()) {
          const isLast = k === parts.length - 1;
          expect(part.number).toBe(k + 1);
          expect(part.offset).toBe(offset);
          expect(part.size).toBe(part.bytes.length);
          expect(part.isFinal).toBe(isLast);
          if (isLast) expect(part.size).toBeLessThanOrEqual(sizer.partSizeAt(part.number));
          else expect(part.size).toBe(sizer.partSizeAt(part.number));
          if (isLast && data.length > 0) expect(part.size).toBeGreaterThan(0);
          offset += part.size;
        }
      }),
    );
  });

  it("an empty stream yields one empty final part", async () => {
    const limits: PartLimits = { minPartSize: 5, maxPartSize: 10, maxParts: 3, maxTotalSize: 30 };
    for (const input of [iterate([]), iterate([new Uint8Array(0), new Uint8Array(0)]), readable([])]) {
      const parts = await collect(chunkStream(input, limits));
      expect(parts).toHaveLength(1);
      expect(parts[0]).toMatchObject({ number: 1, offset: 0, size: 0, isFinal: true });
      expect(toHex(parts[0]!.md5)).toBe("d41d8cd98f00b204e9800998ecf8427e");
    }
  });

  it("a stream ending exactly at a part boundary marks that full part final, with no empty part after it", async () => {
    const limits: PartLimits = { minPartSize: 4, maxPartSize: 4, maxParts: 10, maxTotalSize: 40 };
    const parts = await collect(chunkStream(iterate([new Uint8Array(8)]), limits));
    expect(parts.map((part) => [part.size, part.isFinal])).toEqual([
      [4, false],
      [4, true],
    ]);
  });

  it("throws maxTotalSize, with its rule, once the stream grows past maxTotalSize", async () => {
    await fc.assert(
      fc.asyncProperty(
        smallLimits({ partSize: 20, parts: 10 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 17 }),
        async (limits, excess, chunkLength) => {
          // With maxTotalSize above maxParts × maxPartSize, the stream stays within maxTotalSize
          // and runs out of part numbers instead.
          const partsRunOut = limits.maxTotalSize > limits.maxParts * limits.maxPartSize;
          const over = partsRunOut ? Math.min(excess, limits.maxTotalSize - capacity(limits)) : excess;
          const data = new Uint8Array(capacity(limits) + over);
          const withRules = { ...limits, rules: RULES };
          const expected = partsRunOut
            ? { limit: "maxParts", rule: "BS-PART-NUMBER" }
            : { limit: "maxTotalSize", rule: "CV-MAX-FILE-SIZE" };
          await expect(
            collect(chunkStream(iterate(rechunk(data, [chunkLength])), withRules)),
          ).rejects.toMatchObject({
            code: "PW_PART_LIMIT",
            ...expected,
          });
        },
      ),
    );
  });

  it("is lazy: pulls source chunks only to fill the requested part and see past its end", async () => {
    const limits: PartLimits = { minPartSize: 10, maxPartSize: 10, maxParts: 100, maxTotalSize: 1000 };
    const pulled = { count: 0 };
    const parts = chunkStream(iterate(rechunk(new Uint8Array(100), [5]), pulled), limits);
    expect(pulled.count).toBe(0);
    await parts.next();
    // Two chunks fill part 1; a third shows that part 1 is not the last.
    expect(pulled.count).toBe(3);
    await parts.next();
    expect(pulled.count).toBe(5);
  });

  it("cancels a ReadableStream when the consumer stops early", async () => {
    const log: string[] = [];
    const limits: PartLimits = { minPartSize: 4, maxPartSize: 4, maxParts: 100, maxTotalSize: 400 };
    for await (const part of chunkStream(readable(rechunk(new Uint8Array(40), [3]), log), limits)) {
      expect(part.number).toBe(1);
      break;
    }
    expect(log).toEqual(["cancel"]);
  });

  it("does not keep a view into a caller's chunk: later changes to the chunk do not alter the part", async () => {
    const limits: PartLimits = { minPartSize: 4, maxPartSize: 8, maxParts: 10, maxTotalSize: 80 };
    const chunk = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const parts = chunkStream(iterate([chunk, new Uint8Array([9])]), limits, { preferredPartSize: 8 });
    const first = await parts.next();
    chunk.fill(0);
    expect(first.value).toMatchObject({ bytes: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) });
  });
});

describe("readPart into a given buffer", () => {
  it("reads straight into the buffer when the source has readInto, with the same bytes and MD5", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 600 }),
        fc.integer({ min: 1, max: 200 }),
        fc.nat({ max: 50 }),
        async (data, partSize, slack) => {
          const plain = memorySource(data);
          let intoCalls = 0;
          const withInto: RandomAccessSource = {
            ...memorySource(data),
            readInto: async (offset, target) => {
              intoCalls++;
              const piece = data.subarray(offset, offset + target.length);
              target.set(piece);
              return piece.length;
            },
          };
          const buffer = new Uint8Array(partSize + slack);
          for (let offset = 0; offset < data.length; offset += partSize) {
            const part = {
              number: offset / partSize + 1,
              offset,
              size: Math.min(partSize, data.length - offset),
            };
            const expected = await readPart(plain, part);
            const got = await readPart(withInto, part, { into: buffer });
            expect(got.bytes).toEqual(expected.bytes);
            expect(got.md5).toEqual(expected.md5);
            expect(got.isFinal).toBe(expected.isFinal);
            expect(got.bytes.buffer).toBe(buffer.buffer);
            // md5: false reads the same bytes, into the buffer or not, and hashes nothing.
            for (const read of [
              await readPart(withInto, part, { into: buffer, md5: false }),
              await readPart(plain, part, { md5: false }),
            ]) {
              expect(read.bytes).toEqual(expected.bytes);
              expect(read.md5).toBeUndefined();
              expect(read.isFinal).toBe(expected.isFinal);
            }
            // alsoHash is fed the same bytes, with or without the part's own MD5.
            for (const md5 of [true, false]) {
              const also = await createMd5();
              const read = await readPart(withInto, part, { into: buffer, md5, alsoHash: also });
              expect(also.digest()).toEqual(expected.md5);
              expect(read.md5).toEqual(md5 ? expected.md5 : undefined);
            }
          }
          expect(intoCalls).toBe(4 * Math.ceil(data.length / partSize));
          // Without readInto, `into` is ignored and the source's read is used.
          const ignored = await readPart(
            plain,
            { number: 1, offset: 0, size: Math.min(partSize, data.length) },
            { into: buffer },
          );
          expect(ignored.bytes.buffer).not.toBe(buffer.buffer);
        },
      ),
    );
  });

  it("reads a part in READ_SLICE_BYTES slices, one read at a time, hashing the same bytes and MD5", async () => {
    const S = READ_SLICE_BYTES;
    const data = new Uint8Array(3 * S + 4099);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    const sizes = fc.oneof(
      fc.constantFrom(1, S - 1, S, S + 1, 2 * S, 2 * S + 1, 3 * S),
      fc.integer({ min: 1, max: 3 * S }),
    );
    await fc.assert(
      fc.asyncProperty(sizes, fc.nat({ max: 4098 }), fc.nat({ max: 3 }), async (size, offset, slack) => {
        const calls: { offset: number; length: number }[] = [];
        let active = 0;
        let overlapped = false;
        const source: RandomAccessSource = {
          ...memorySource(data),
          readInto: async (at, target) => {
            calls.push({ offset: at, length: target.length });
            overlapped ||= active > 0;
            active++;
            await new Promise((resolve) => setTimeout(resolve, 0));
            const piece = data.subarray(at, at + target.length);
            target.set(piece);
            active--;
            return piece.length;
          },
        };
        const part = { number: 1, offset, size };
        const got = await readPart(source, part, { into: new Uint8Array(size + slack) });
        const expected = await readPart(memorySource(data), part);
        // A loop, not toEqual: deep equality of MiB-sized arrays is slow.
        const differ = got.bytes.findIndex((byte, i) => byte !== expected.bytes[i]);
        expect(got.bytes.length).toBe(size);
        expect(differ).toBe(-1);
        expect(got.md5).toEqual(expected.md5);
        expect(overlapped).toBe(false);
        expect(calls.length).toBe(Math.ceil(size / S));
        calls.forEach((call, k) => {
          expect(call.offset).toBe(offset + k * S);
          expect(call.length).toBe(Math.min(S, size - k * S));
        });
      }),
      { numRuns: 25 },
    );
  });

  it("stops at a short slice: ShortReadError, and no read after it", async () => {
    const S = READ_SLICE_BYTES;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 * S - 1 }), async (available) => {
        let calls = 0;
        let afterShort = false;
        let short = false;
        const source: RandomAccessSource = {
          size: 3 * S,
          read: async () => new Uint8Array(0),
          readInto: async (at, target) => {
            calls++;
            afterShort ||= short;
            const n = Math.max(0, Math.min(target.length, available - at));
            short ||= n < target.length;
            return n;
          },
        };
        const failure = readPart(
          source,
          { number: 1, offset: 0, size: 3 * S },
          { into: new Uint8Array(3 * S) },
        );
        await expect(failure).rejects.toMatchObject({ code: "PW_SOURCE_SHORT_READ", actual: available });
        expect(afterShort).toBe(false);
        expect(calls).toBe(Math.floor(available / S) + 1);
      }),
      { numRuns: 30 },
    );
  });

  it("a short readInto is a ShortReadError", async () => {
    const source: RandomAccessSource = {
      size: 10,
      read: async () => new Uint8Array(0),
      readInto: async () => 3,
    };
    await expect(
      readPart(source, { number: 1, offset: 0, size: 10 }, { into: new Uint8Array(10) }),
    ).rejects.toThrow(ShortReadError);
  });
});
