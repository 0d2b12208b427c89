/**
 * `upload` against the reference server over real sockets: multipart up to the threshold,
 * resumable above it, byte-equal round trips for random sizes around every limit, streams, the
 * chunk protocol's order (POST first, close last, ≤ concurrency in flight), progress, and the
 * local checks that send nothing.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { upload, type YouforceError, type YouforceUploadProgress, youforceSchemas } from "../../src/index.ts";
import {
  BT,
  chunkRequests,
  downloaded,
  iterableOf,
  posts,
  randomBytes,
  sameBytes,
  startHarness,
  streamOf,
  TOKEN,
} from "./helpers.ts";

const CHUNK = 1000;
const THRESHOLD = 2500;
const fast = { maxRetriesPerPart: 10, baseDelayMs: 1, maxDelayMs: 5 };

async function md5Hex(bytes: Uint8Array): Promise<string> {
  const { md5, toHex } = await import("@partwise/engine");
  return toHex(await md5(bytes));
}

async function rejection(promise: Promise<unknown>): Promise<YouforceError> {
  try {
    await promise;
  } catch (error) {
    return error as YouforceError;
  }
  throw new Error("expected the upload to fail");
}

/** Sizes around every boundary the uploader has: 0, 1, the chunk size, the threshold, several chunks. */
const interestingSize = fc.oneof(
  fc.constantFrom(
    0,
    1,
    CHUNK - 1,
    CHUNK,
    CHUNK + 1,
    THRESHOLD - 1,
    THRESHOLD,
    THRESHOLD + 1,
    3 * CHUNK,
    3 * CHUNK + 1,
  ),
  fc.integer({ min: 0, max: 12 * CHUNK }),
);

describe("upload: random files round-trip byte-equal", () => {
  test("Blob and RandomAccessSource sources, any size, any concurrency (server chunk limit = chunk size)", async () => {
    await using h = await startHarness({ chunkMaxSize: CHUNK, multipartMaxSize: THRESHOLD });
    await fc.assert(
      fc.asyncProperty(
        interestingSize,
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        fc.nat(),
        async (size, concurrency, asBlob, seed) => {
          const bytes = randomBytes(size, seed);
          const source = asBlob
            ? new Blob([bytes])
            : { size, read: async (offset: number, length: number) => bytes.slice(offset, offset + length) };
          const before = h.log.length;
          const progress: YouforceUploadProgress[] = [];
          const result = await upload(source, {
            wholeFileMd5: true,
            client: h.client,
            businessTypeId: BT,
            name: "payroll_2024(03).csv",
            chunkSize: CHUNK,
            multipartThreshold: THRESHOLD,
            concurrency,
            retry: fast,
            onProgress: (p) => progress.push(p),
          });
          const resumable = size > THRESHOLD && size > CHUNK;
          const chunks = resumable ? Math.ceil(size / CHUNK) : 1;
          expect(result).toMatchObject({
            size,
            name: "payroll_2024(03).csv",
            uploadType: resumable ? "resumable" : "multipart",
            parts: chunks,
            numChunks: chunks,
            verified: true,
            resumed: false,
            businessType: { id: BT },
          });
          expect(youforceSchemas.validate("File", result).ok).toBe(true);
          expect(result.md5).toBe(await md5Hex(bytes));
          expect(sameBytes(await downloaded(h.client, result.id), bytes)).toBe(true);

          const log = h.log.slice(before);
          if (resumable) {
            // One POST (position 0) first, every other position once, the close last.
            expect(posts(log).map((e) => new URL(e.path, "http://x").searchParams.get("uploadType"))).toEqual(
              ["resumable"],
            );
            const puts = chunkRequests(log);
            expect(puts.map((p) => p.position).sort((a, b) => a - b)).toEqual(
              Array.from({ length: chunks - 1 }, (_, i) => i + 1),
            );
            expect(puts.at(-1)).toEqual({ position: chunks - 1, close: true, status: 201 });
            expect(puts.filter((p) => p.close)).toHaveLength(1);
          } else {
            expect(posts(log).map((e) => new URL(e.path, "http://x").searchParams.get("uploadType"))).toEqual(
              ["multipart"],
            );
          }
          expect(h.maxInFlight()).toBeLessThanOrEqual(6);
          const last = progress.at(-1)!;
          expect(last).toMatchObject({
            bytesDone: size,
            bytesTotal: size,
            partsDone: chunks,
            partsTotal: chunks,
            totalKnown: true,
          });
          for (let i = 1; i < progress.length; i++)
            expect(progress[i]!.bytesDone).toBeGreaterThanOrEqual(progress[i - 1]!.bytesDone);
        },
      ),
      { numRuns: 30 },
    );
  });

  test("every upload is verified without being asked: its MD5 is computed and compared with the server's (HEAD)", async () => {
    await using h = await startHarness({ chunkMaxSize: CHUNK, multipartMaxSize: THRESHOLD });
    const cases = [
      ["blob multipart", 2000, () => new Blob([randomBytes(2000, 1)])],
      ["blob resumable", 4321, () => new Blob([randomBytes(4321, 2)])],
      ["stream resumable", 3500, () => streamOf(randomBytes(3500, 3), [700])],
      ["stream multipart", 900, () => iterableOf(randomBytes(900, 4), 300)],
    ] as const;
    for (const [label, size, source] of cases) {
      const before = h.log.length;
      const result = await upload(source(), {
        client: h.client,
        businessTypeId: BT,
        name: "default.bin",
        chunkSize: CHUNK,
        multipartThreshold: THRESHOLD,
        concurrency: 3,
        retry: fast,
      });
      const seed = cases.findIndex(([l]) => l === label) + 1;
      expect(result, label).toMatchObject({
        size,
        verified: true,
        md5: await md5Hex(randomBytes(size, seed)),
      });
      expect(sameBytes(await downloaded(h.client, result.id), randomBytes(size, seed)), label).toBe(true);
      expect(
        h.log.slice(before).filter((entry) => entry.method === "HEAD"),
        label,
      ).toHaveLength(1);
    }
  });

  test("chunks in flight never exceed `concurrency`, and the close waits for every other position", async () => {
    await using h = await startHarness();
    let inFlight = 0;
    let max = 0;
    const answered = new Set<number>();
    let closeSawAll = false;
    const fetch = async (input: string | URL, init?: RequestInit) => {
      const url = new URL(String(input));
      const position = Number(url.searchParams.get("position"));
      if (init?.method === "PUT" && url.searchParams.get("close") === "true")
        closeSawAll = inFlight === 0 && [...Array(position - 1).keys()].every((i) => answered.has(i + 1));
      if (init?.method === "PUT") max = Math.max(max, ++inFlight);
      try {
        return await h.fetch(input, init);
      } finally {
        if (init?.method === "PUT") {
          inFlight--;
          answered.add(position);
        }
      }
    };
    const bytes = randomBytes(40 * 1000 + 17, 9);
    const result = await upload(new Blob([bytes]), {
      wholeFileMd5: true,
      baseUrl: h.base,
      token: TOKEN,
      fetch,
      businessTypeId: BT,
      name: "wide.bin",
      chunkSize: 1000,
      multipartThreshold: 0,
      concurrency: 3,
    });
    expect(result.parts).toBe(41);
    expect(max).toBe(3);
    expect(closeSawAll).toBe(true);
    expect(sameBytes(await downloaded(h.client, result.id), bytes)).toBe(true);
  });

  test("the real limits: 9,000,000-byte chunks (the server's own maximum) and a default multipart", async () => {
    await using h = await startHarness();
    const bytes = randomBytes(9_000_001, 10);
    const big = await upload(new Blob([bytes]), {
      wholeFileMd5: true,
      client: h.client,
      businessTypeId: BT,
      name: "export.csv",
      chunkSize: 9_000_000,
      multipartThreshold: 0,
    });
    expect(big).toMatchObject({ uploadType: "resumable", parts: 2, size: 9_000_001, verified: true });
    expect(chunkRequests(h.log)).toEqual([{ position: 1, close: true, status: 201 }]);
    expect(sameBytes(await downloaded(h.client, big.id), bytes)).toBe(true);

    const small = await upload(new File([bytes.subarray(0, 5_000_000)], "TestFile.txt"), {
      wholeFileMd5: true,
      client: h.client,
      businessTypeId: BT,
    });
    expect(small).toMatchObject({ uploadType: "multipart", name: "TestFile.txt", size: 5_000_000, parts: 1 });
    expect(sameBytes(await downloaded(h.client, small.id), bytes.subarray(0, 5_000_000))).toBe(true);
  });

  test("streams of unknown length: chunked as they arrive, the final chunk closes; one chunk goes multipart", async () => {
    await using h = await startHarness({ chunkMaxSize: CHUNK });
    await fc.assert(
      fc.asyncProperty(
        interestingSize,
        fc.array(fc.integer({ min: 1, max: 2500 }), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        fc.nat(),
        async (size, pieces, readable, seed) => {
          const bytes = randomBytes(size, seed);
          const before = h.log.length;
          const progress: YouforceUploadProgress[] = [];
          const result = await upload(readable ? streamOf(bytes, pieces) : iterableOf(bytes, pieces[0]), {
            wholeFileMd5: true,
            client: h.client,
            businessTypeId: BT,
            name: "stdin.bin",
            chunkSize: CHUNK,
            concurrency: 4,
            retry: fast,
            onProgress: (p) => progress.push(p),
          });
          const chunks = Math.max(1, Math.ceil(size / CHUNK));
          expect(result).toMatchObject({
            size,
            parts: chunks,
            uploadType: chunks === 1 ? "multipart" : "resumable",
          });
          expect(result.md5).toBe(await md5Hex(bytes));
          expect(sameBytes(await downloaded(h.client, result.id), bytes)).toBe(true);
          const puts = chunkRequests(h.log.slice(before));
          expect(puts.filter((p) => p.close).map((p) => p.position)).toEqual(
            chunks === 1 ? [] : [chunks - 1],
          );
          expect(progress.at(-1)).toMatchObject({ bytesDone: size, partsDone: chunks, totalKnown: true });
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe("upload: checks before any request", () => {
  test.each([
    [{ name: "pay slip.pdf" }, "YF-NAME-CHARSET"],
    [{ name: "payload.EXE" }, "YF-NAME-EXTENSION"],
    [{ chunkSize: 9_000_001 }, "YF-RESUMABLE-CHUNK-SIZE"],
    [{ chunkSize: 0 }, "YF-RESUMABLE-CHUNK-SIZE"],
    [{ multipartThreshold: 100_000_001 }, "YF-MULTIPART-MAX-SIZE"],
    [{ businessTypeId: 1.5 }, "YF-METADATA-BUSINESS-TYPE"],
    [{ concurrency: 7 }, undefined],
  ])("%j is refused with a usage error naming %s, sending nothing", async (override, rule) => {
    await using h = await startHarness();
    const error = await rejection(
      upload(new Blob([new Uint8Array(10)]), {
        wholeFileMd5: true,
        client: h.client,
        businessTypeId: BT,
        name: "ok.txt",
        ...override,
      }),
    );
    expect(error).toMatchObject({ code: "PW_YOUFORCE_USAGE", rule, retryable: false });
    expect(h.requests).toHaveLength(0);
  });

  test("a nameless source needs `name`; a File gives its own", async () => {
    await using h = await startHarness();
    expect(await rejection(upload(new Blob(["x"]), { client: h.client, businessTypeId: BT }))).toMatchObject({
      code: "PW_YOUFORCE_USAGE",
      rule: "YF-METADATA-FILENAME",
    });
    const path = { size: 1, path: "/tmp/dir/report(1).csv", read: async () => new Uint8Array([65]) };
    expect(await upload(path, { client: h.client, businessTypeId: BT })).toMatchObject({
      name: "report(1).csv",
    });
  });
});
