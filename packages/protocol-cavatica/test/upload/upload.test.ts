/**
 * `upload` against the reference server over real sockets: random files of every source kind
 * read back byte-equal, the server's `part_size` wins, progress, batched reports, the storage
 * request without the token, rule violations failing at once.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FetchLike } from "@partwise/client";
import { fileSource } from "@partwise/node";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  type CavaticaUploadProgress,
  createCavaticaClient,
  isCavaticaError,
  upload,
} from "../../src/index.ts";
import {
  arraySource,
  bytesOf,
  type Cavatica,
  download,
  entries,
  expectSameBytes,
  iterableOf,
  KiB,
  MiB,
  md5Hex,
  type Recorded,
  recordingFetch,
  SMALL_LIMITS,
  startCavatica,
  storedParts,
  streamOf,
  TOKEN,
  uniqueName,
} from "./helpers.ts";

type Kind = "blob" | "random" | "stream" | "iterable";

function sourceOf(kind: Kind, bytes: Uint8Array<ArrayBuffer>, chunks: readonly number[]) {
  switch (kind) {
    case "blob":
      return new Blob([bytes]);
    case "random":
      return arraySource(bytes);
    case "stream":
      return streamOf(bytes, chunks);
    case "iterable":
      return iterableOf(bytes, chunks[0] ?? 1000);
  }
}

const fast = { maxRetriesPerPart: 8, baseDelayMs: 1, maxDelayMs: 20 } as const;

describe("upload against the reference server (small test limits)", () => {
  let h: Cavatica;
  beforeAll(async () => {
    h = await startCavatica({ limits: SMALL_LIMITS });
  });
  afterAll(() => h.close());

  test("random files of every source kind, sizes around the part size, any concurrency: byte-equal, MD5 and part count right", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(1 * KiB, 1536, 4 * KiB),
        fc.constantFrom<Kind>("blob", "random", "stream", "iterable"),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.nat(),
        async (partSize, kind, concurrency, chunks, seed, pick) => {
          const candidates = [0, 1, partSize - 1, partSize, partSize + 1, 2 * partSize - 1, 2 * partSize + 1];
          const size = pick % 2 === 0 ? candidates[pick % candidates.length]! : pick % (12 * partSize);
          const bytes = bytesOf(size, seed);
          const result = await upload(sourceOf(kind, bytes, chunks), {
            wholeFileMd5: true,
            client: h.client,
            project: "alice/property",
            name: uniqueName(kind),
            partSize,
            concurrency,
            retry: fast,
          });
          expect(result.partSize).toBe(partSize);
          expect(result.size).toBe(size);
          expect(result.md5).toBe(md5Hex(bytes));
          expect(result.parts).toBe(Math.max(1, Math.ceil(size / partSize)));
          expectSameBytes(await download(h.client, result.id), bytes);
        },
      ),
      { numRuns: 40 },
    );
  });

  test("the server's answered part_size wins (CV-PART-SIZE): parts are exactly that size, the last smaller", async () => {
    for (const kind of ["blob", "stream"] as const) {
      const bytes = bytesOf(10 * KiB + 5, 11);
      const before = h.log.length;
      // 100 bytes is below the server's minimum: it answers 1 KiB instead.
      const result = await upload(sourceOf(kind, bytes, [777]), {
        wholeFileMd5: true,
        client: h.client,
        project: "alice/size",
        name: uniqueName(kind),
        partSize: 100,
      });
      expect(result.partSize).toBe(1 * KiB);
      expect(result.parts).toBe(11);
      expectSameBytes(await download(h.client, result.id), bytes);
      // A part may be stored twice when a loaded machine makes the client retry it; each of the 11 is stored.
      expect([...new Set(storedParts(h.log.slice(before)))].sort((a, b) => a - b)).toEqual(
        Array.from({ length: 11 }, (_, i) => i + 1),
      );
    }
  });

  test("by default the whole file's MD5 is not computed: no md5, and the server holds exactly the bytes", async () => {
    for (const kind of ["blob", "random", "stream", "iterable"] as const) {
      const bytes = bytesOf(5 * KiB + 3, 13);
      const result = await upload(sourceOf(kind, bytes, [333]), {
        client: h.client,
        project: "alice/default",
        name: uniqueName(kind),
        partSize: KiB,
        concurrency: 3,
      });
      expect(result).not.toHaveProperty("md5");
      expect(result).toMatchObject({ size: bytes.length, parts: 6 });
      expectSameBytes(await download(h.client, result.id), bytes);
    }
  });

  test("progress: monotonic, totals known for a Blob, everything accepted at the end", async () => {
    const bytes = bytesOf(9 * KiB, 3);
    const events: CavaticaUploadProgress[] = [];
    const result = await upload(new Blob([bytes]), {
      wholeFileMd5: true,
      client: h.client,
      project: "alice/progress",
      name: uniqueName(),
      partSize: KiB,
      concurrency: 3,
      reportBatchSize: 4,
      onProgress: (p) => events.push(p),
    });
    expect(result.parts).toBe(9);
    expect(events.length).toBeGreaterThan(9);
    for (const [i, e] of events.entries()) {
      expect(e.bytesTotal).toBe(bytes.length);
      expect(e.partsTotal).toBe(9);
      expect(e.totalKnown).toBe(true);
      expect(e.bytesAccepted).toBeLessThanOrEqual(e.bytesSent);
      if (i > 0) {
        const prev = events[i - 1]!;
        expect(e.bytesSent).toBeGreaterThanOrEqual(prev.bytesSent);
        expect(e.bytesAccepted).toBeGreaterThanOrEqual(prev.bytesAccepted);
      }
    }
    const last = events.at(-1)!;
    expect(last).toMatchObject({ bytesAccepted: bytes.length, partsAccepted: 9, partsDone: 9 });
    expect(last.bytesSent).toBe(bytes.length);
  });

  test("a stream's totals are unknown until its end", async () => {
    const bytes = bytesOf(5 * KiB, 4);
    const events: CavaticaUploadProgress[] = [];
    await upload(streamOf(bytes, [1000]), {
      wholeFileMd5: true,
      client: h.client,
      project: "alice/progress",
      name: uniqueName(),
      partSize: KiB,
      concurrency: 1,
      onProgress: (p) => events.push(p),
    });
    expect(events[0]?.totalKnown).toBe(false);
    expect(events.at(-1)).toMatchObject({
      bytesTotal: bytes.length,
      partsTotal: 5,
      bytesAccepted: bytes.length,
      totalKnown: true,
    });
  });

  test("reports go in batches (CV-REPORT-BATCH): ceil(parts / batch) requests when the interval never fires", async () => {
    const before = h.log.length;
    const bytes = bytesOf(23 * KiB, 5);
    const result = await upload(new Blob([bytes]), {
      wholeFileMd5: true,
      client: h.client,
      project: "alice/batch",
      name: uniqueName(),
      partSize: KiB,
      concurrency: 4,
      reportBatchSize: 10,
      reportIntervalMs: 3_600_000,
    });
    const log = h.log.slice(before);
    expect(entries(log, "reportPart")).toHaveLength(0);
    expect(entries(log, "reportParts")).toHaveLength(3);
    expect(entries(log, "completeUpload")).toHaveLength(1);
    expectSameBytes(await download(h.client, result.id), bytes);
  });

  test("the storage request carries the part URL's headers and a Content-Length, never the token", async () => {
    const requests: Recorded[] = [];
    const client = createCavaticaClient({
      baseUrl: h.baseUrl,
      token: TOKEN,
      limits: SMALL_LIMITS,
      fetch: recordingFetch(requests),
    });
    const bytes = bytesOf(2 * KiB + 10, 6);
    await upload(new Blob([bytes]), { client, project: "alice/token", name: uniqueName(), partSize: KiB });
    const puts = requests.filter((r) => r.method === "PUT");
    expect(puts.map((r) => r.bodyLength).sort((a, b) => a! - b!)).toEqual([10, KiB, KiB]);
    for (const put of puts) {
      expect(put.url).toContain("/storage/uploads/");
      expect(put.headers.has("x-sbg-auth-token")).toBe(false);
      expect(put.headers.has("authorization")).toBe(false);
    }
    expect(
      requests.filter((r) => r.method !== "PUT").every((r) => r.headers.get("x-sbg-auth-token") === TOKEN),
    ).toBe(true);
  });

  test("parallel_uploads: false sends one part at a time", async () => {
    let inFlight = 0;
    let most = 0;
    const fetch: FetchLike = async (input, init) => {
      const url = String(input);
      if (init?.method === "POST" && url.endsWith("/upload/multipart")) {
        const response = await globalThis.fetch(input, init);
        const body = { ...((await response.json()) as object), parallel_uploads: false };
        return Response.json(body, { status: response.status });
      }
      const storage = init?.method === "PUT";
      if (storage) most = Math.max(most, ++inFlight);
      try {
        const response = await globalThis.fetch(input, init);
        await new Promise((resolve) => setTimeout(resolve, 2));
        return response;
      } finally {
        if (storage) inFlight--;
      }
    };
    const client = createCavaticaClient({ baseUrl: h.baseUrl, token: TOKEN, limits: SMALL_LIMITS, fetch });
    const bytes = bytesOf(8 * KiB, 8);
    const result = await upload(new Blob([bytes]), {
      wholeFileMd5: true,
      client,
      project: "alice/serial",
      name: uniqueName(),
      partSize: KiB,
      concurrency: 6,
    });
    expect(most).toBe(1);
    expectSameBytes(await download(h.client, result.id), bytes);
  });

  test("a Node file through fileSource, its name taken from the path", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cavatica-upload-"));
    try {
      const path = join(dir, "reads.fastq");
      const bytes = bytesOf(5 * KiB + 3, 9);
      await writeFile(path, bytes);
      await using source = await fileSource(path);
      const result = await upload(source, { client: h.client, parent: "folder-files", partSize: KiB });
      expect(result).toMatchObject({
        name: "reads.fastq",
        parent: "folder-files",
        size: bytes.length,
        parts: 6,
      });
      expectSameBytes(await download(h.client, result.id), bytes);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("a rule violation fails at once, without retries, naming the rule (CV-INIT-OVERWRITE); overwrite replaces", async () => {
    const name = uniqueName("taken");
    const first = await upload(new Blob([bytesOf(100, 1)]), { client: h.client, project: "alice/ow", name });
    const before = h.log.length;
    let error: unknown;
    try {
      await upload(new Blob([bytesOf(100, 2)]), { client: h.client, project: "alice/ow", name, retry: fast });
    } catch (e) {
      error = e;
    }
    expect(isCavaticaError(error)).toBe(true);
    expect(error).toMatchObject({
      code: "PW_CAVATICA_HTTP",
      status: 409,
      rule: "CV-INIT-OVERWRITE",
      retryable: false,
      operation: "initUpload",
    });
    expect(entries(h.log.slice(before), "initUpload")).toHaveLength(1);
    const replaced = await upload(new Blob([bytesOf(100, 3)]), {
      wholeFileMd5: true,
      client: h.client,
      project: "alice/ow",
      name,
      overwrite: true,
    });
    expect(replaced.id).not.toBe(first.id);
    expectSameBytes(await download(h.client, replaced.id), bytesOf(100, 3));
  });

  test("a storage 403 on a valid URL (CV-PART-URL-SIGNATURE) fails at once and aborts the upload on the server", async () => {
    const fetch: FetchLike = (input, init) => {
      const url = String(input);
      // Alter the signature of part 2's URL, as a broken proxy would.
      const altered = /\/parts\/2\?/.test(url) ? url.replace(/signature=./, "signature=z") : url;
      return globalThis.fetch(altered, init);
    };
    const client = createCavaticaClient({ baseUrl: h.baseUrl, token: TOKEN, limits: SMALL_LIMITS, fetch });
    const before = h.log.length;
    let error: unknown;
    try {
      await upload(new Blob([bytesOf(3 * KiB, 1)]), {
        wholeFileMd5: true,
        client,
        project: "alice/sig",
        name: uniqueName(),
        partSize: KiB,
        concurrency: 1,
        retry: fast,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: "PW_CAVATICA_HTTP",
      status: 403,
      rule: "CV-PART-URL-SIGNATURE",
      retryable: false,
    });
    const log = h.log.slice(before);
    expect(entries(log, "storagePutPart").filter((e) => e.path.includes("/parts/2?"))).toHaveLength(1);
    expect(entries(log, "abortUpload").map((e) => e.status)).toEqual([204]);
    expect(entries(log, "completeUpload")).toHaveLength(0);
  });

  test("usage errors before anything is sent", async () => {
    const before = h.log.length;
    const blob = new Blob([bytesOf(10)]);
    const base = { client: h.client, name: "x" };
    const usage = { code: "PW_CAVATICA_USAGE" };
    await expect(upload(blob, { ...base } as never)).rejects.toMatchObject(usage);
    await expect(upload(blob, { ...base, project: "a/b", parent: "f" } as never)).rejects.toMatchObject(
      usage,
    );
    await expect(upload(blob, { ...base, project: "nope" })).rejects.toMatchObject(usage);
    await expect(upload(blob, { client: h.client, project: "a/b" })).rejects.toMatchObject(usage);
    await expect(upload(blob, { ...base, project: "a/b", name: "a/b" })).rejects.toMatchObject(usage);
    await expect(upload(blob, { ...base, project: "a/b", concurrency: 0 })).rejects.toMatchObject(usage);
    await expect(upload(blob, { ...base, project: "a/b", partSize: -1 })).rejects.toMatchObject(usage);
    expect(h.log.length).toBe(before);
  });
});

describe("upload with the spec's real limits", () => {
  test("5 MiB parts: a 2 × 5 MiB + 1 byte Blob and stream, and an empty file", async () => {
    const h = await startCavatica();
    try {
      const bytes = bytesOf(10 * MiB + 1, 21);
      for (const source of [new Blob([bytes]), streamOf(bytes, [64 * KiB, 1000])]) {
        const result = await upload(source, {
          wholeFileMd5: true,
          client: h.client,
          project: "alice/real",
          name: uniqueName("real"),
          partSize: 5 * MiB,
          concurrency: 3,
        });
        expect(result).toMatchObject({ partSize: 5 * MiB, parts: 3, size: bytes.length, md5: md5Hex(bytes) });
        expectSameBytes(await download(h.client, result.id), bytes);
      }
      // Without a preference the server keeps the SDKs' 32 MiB.
      const empty = await upload(new Blob([]), {
        wholeFileMd5: true,
        client: h.client,
        project: "alice/real",
        name: uniqueName(),
      });
      expect(empty).toMatchObject({ size: 0, parts: 1, partSize: 32 * MiB, md5: md5Hex(new Uint8Array(0)) });
      expectSameBytes(await download(h.client, empty.id), new Uint8Array(0));
    } finally {
      await h.close();
    }
  });

  test("a file the limits cannot carry fails before an upload exists (CV-MAX-FILE-SIZE)", async () => {
    const h = await startCavatica();
    try {
      const huge = { size: 6 * 1024 ** 4, read: async () => new Uint8Array(0) };
      await expect(upload(huge, { client: h.client, project: "a/b", name: "huge" })).rejects.toMatchObject({
        code: "PW_PART_LIMIT",
        rule: "CV-MAX-FILE-SIZE",
      });
      expect(entries(h.log, "initUpload")).toHaveLength(0);
    } finally {
      await h.close();
    }
  });
});
