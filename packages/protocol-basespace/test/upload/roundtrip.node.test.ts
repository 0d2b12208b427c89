/**
 * `upload` against the reference server over real sockets: random files of sizes that sit on and
 * around the part limits, from every kind of source, at every concurrency, each downloaded back
 * byte-equal with the MD5 the uploader reports; and the real BaseSpace limits once.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  BASESPACE_SIMPLE_UPLOAD_MAX,
  type BasespaceUploadProgress,
  basespaceLimits,
  upload,
} from "../../src/index.ts";
import {
  bytesOf,
  download,
  md5Hex,
  partCount,
  partRequests,
  type SourceKind,
  sameBytes,
  serve,
  smallLimits,
  sourceOf,
  statusChanges,
  type TestServer,
  TOKEN,
} from "./support.ts";

describe("small limits (64 … 256 bytes per part)", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await serve();
  });
  afterAll(() => s.close());

  test("any file, any source, any concurrency: downloaded back byte-equal, with its MD5 and part count", async () => {
    const partSizeArb = fc.integer({ min: smallLimits.minPartSize, max: smallLimits.maxPartSize });
    // Sizes on the part limits ± 1 (k parts of partSize, of the limits themselves) and anywhere up to ~12 parts.
    const sizeArb = (partSize: number) =>
      fc.oneof(
        fc.constantFrom(0, 1),
        fc.tuple(fc.integer({ min: 1, max: 5 }), fc.constantFrom(-1, 0, 1)).map(([k, d]) => k * partSize + d),
        fc
          .tuple(fc.constantFrom(smallLimits.minPartSize, smallLimits.maxPartSize), fc.constantFrom(-1, 0, 1))
          .map(([limit, d]) => limit + d),
        fc.integer({ min: 0, max: 3000 }),
      );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        partSizeArb.chain((partSize) => fc.tuple(fc.constant(partSize), sizeArb(partSize))),
        fc.constantFrom<SourceKind>("blob", "random", "stream", "iterable"),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom(-1, 300),
        fc.integer({ min: 1, max: 300 }),
        async ([partSize, size], kind, concurrency, simpleUploadMax, chunk) => {
          run += 1;
          const bytes = bytesOf(size, run);
          const events: BasespaceUploadProgress[] = [];
          const before = s.log.length;
          const result = await upload(sourceOf(kind, bytes, chunk), {
            wholeFileMd5: true,
            baseUrl: s.base,
            token: TOKEN,
            appResultId: "100",
            name: `f${run}.bin`,
            directory: "runs",
            contentType: "application/x-test",
            partSize,
            concurrency,
            limits: smallLimits,
            simpleUploadMax,
            onProgress: (event) => events.push(event),
          });
          const stream = kind === "stream" || kind === "iterable";
          const simple = !stream && size <= simpleUploadMax;
          // A stream is cut by the engine's sizer: with these limits every part is maxPartSize.
          const parts = simple ? 1 : partCount(size, stream ? smallLimits.maxPartSize : partSize);
          expect(result).toMatchObject({
            name: `f${run}.bin`,
            path: `runs/f${run}.bin`,
            contentType: "application/x-test",
            size,
            md5: md5Hex(bytes),
            parts,
            method: simple ? "simple" : "multipart",
            resumed: false,
          });
          expect(await download(s.client, result.id)).toEqual(bytes);
          const puts = partRequests(s.log.slice(before));
          expect(puts.length).toBe(simple ? 0 : parts);
          expect(new Set(puts.map((p) => p.number)).size).toBe(puts.length);
          const last = events.at(-1);
          expect(last).toMatchObject({
            bytesAccepted: size,
            bytesTotal: size,
            partsDone: parts,
            partsTotal: parts,
          });
        },
      ),
      { numRuns: 45 },
    );
  });

  test("a stream's totals are unknown until it ends; a Blob's are known from the start", async () => {
    const bytes = bytesOf(1000, 9);
    const streamed: BasespaceUploadProgress[] = [];
    await upload(sourceOf("stream", bytes, 50), {
      wholeFileMd5: true,
      baseUrl: s.base,
      token: TOKEN,
      appResultId: "101",
      name: "s.bin",
      limits: smallLimits,
      onProgress: (event) => streamed.push(event),
    });
    expect(streamed[0]?.totalKnown).toBe(false);
    expect(streamed.at(-1)).toMatchObject({ bytesTotal: 1000, totalKnown: true });
    const blob: BasespaceUploadProgress[] = [];
    await upload(new Blob([bytes]), {
      wholeFileMd5: true,
      baseUrl: s.base,
      token: TOKEN,
      appResultId: "101",
      name: "b.bin",
      limits: smallLimits,
      simpleUploadMax: -1,
      onProgress: (event) => blob.push(event),
    });
    for (const event of blob) expect(event).toMatchObject({ bytesTotal: 1000, partsTotal: 4 });
  });

  test("an empty stream is one empty part; an empty Blob is a simple upload", async () => {
    const empty = await upload(sourceOf("iterable", new Uint8Array(0)), {
      wholeFileMd5: true,
      baseUrl: s.base,
      token: TOKEN,
      appResultId: "102",
      name: "empty-stream",
      limits: smallLimits,
    });
    expect(empty).toMatchObject({ size: 0, parts: 1, method: "multipart", md5: md5Hex(new Uint8Array(0)) });
    const blob = await upload(new Blob([]), {
      wholeFileMd5: true,
      baseUrl: s.base,
      token: TOKEN,
      appResultId: "102",
      name: "empty",
    });
    expect(blob).toMatchObject({ size: 0, parts: 1, method: "simple" });
    expect(await download(s.client, blob.id)).toEqual(new Uint8Array(0));
  });

  test("by default the whole file's MD5 is not computed: no md5, and the server holds exactly the bytes", async () => {
    for (const [kind, size, simpleUploadMax] of [
      ["blob", 1000, -1],
      ["stream", 1000, -1],
      ["blob", 100, 25_000_000],
    ] as const) {
      const bytes = bytesOf(size);
      const result = await upload(sourceOf(kind, bytes, 97), {
        baseUrl: s.base,
        token: TOKEN,
        appResultId: "104",
        name: `default-${kind}-${size}.bin`,
        partSize: 128,
        limits: smallLimits,
        simpleUploadMax,
      });
      expect(result).not.toHaveProperty("md5");
      expect(result).toMatchObject({ size, method: simpleUploadMax < 0 ? "multipart" : "simple" });
      expect(await download(s.client, result.id)).toEqual(bytes);
    }
  });

  test("a File gives its name and type; a client can be passed instead of baseUrl and token", async () => {
    const file = new File([bytesOf(10)], "reads.fastq", { type: "text/plain" });
    const result = await upload(file, { client: s.client, appResultId: "103" });
    expect(result).toMatchObject({ name: "reads.fastq", path: "reads.fastq", contentType: "text/plain" });
  });

  test("bad options are PW_BASESPACE_USAGE before any request, naming the part rule", async () => {
    const before = s.log.length;
    const attempt = (options: Record<string, unknown>, source: unknown = new Blob(["x"])) =>
      upload(source as Blob, {
        wholeFileMd5: true,
        baseUrl: s.base,
        token: TOKEN,
        appResultId: "104",
        name: "x",
        limits: smallLimits,
        ...options,
      }).catch((e: unknown) => e);
    expect(await attempt({ partSize: 63 })).toMatchObject({
      code: "PW_BASESPACE_USAGE",
      rule: "BS-PART-MIN-SIZE",
    });
    expect(await attempt({ partSize: 257 })).toMatchObject({
      code: "PW_BASESPACE_USAGE",
      rule: "BS-PART-MAX-SIZE",
    });
    expect(await attempt({ concurrency: 0 })).toMatchObject({ code: "PW_BASESPACE_USAGE" });
    expect(await attempt({ appResultId: "" })).toMatchObject({ code: "PW_BASESPACE_USAGE" });
    expect(await attempt({ name: undefined }, sourceOf("stream", bytesOf(3)))).toMatchObject({
      code: "PW_BASESPACE_USAGE",
      rule: "BS-INIT-NAME",
    });
    expect(await attempt({}, 42)).toMatchObject({ code: "PW_BASESPACE_USAGE" });
    expect(await attempt({ retry: { maxRetriesPerPart: -1 } })).toMatchObject({ code: "PW_BASESPACE_USAGE" });
    expect(s.log.length).toBe(before);
  });

  test("a stream longer than the limits allow fails and is aborted on the server", async () => {
    const tiny = { ...smallLimits, maxTotalSize: 600 };
    const error = await upload(sourceOf("stream", bytesOf(700), 100), {
      wholeFileMd5: true,
      baseUrl: s.base,
      token: TOKEN,
      appResultId: "105",
      name: "too-long",
      limits: tiny,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "PW_BASESPACE_USAGE" });
    const files = await s.client.listAppResultFiles({ appResultId: "105" });
    expect(files.Response.Items.map((f) => f.UploadStatus)).toEqual(["aborted"]);
    expect(statusChanges(s.log, files.Response.Items[0]!.Id)).toEqual(["aborted"]);
  });
});

describe("the real limits (5 MiB ≤ part ≤ 25,000,000 bytes)", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await serve({ limits: undefined });
  });
  afterAll(() => s.close());

  test("25,000,000 bytes go in one simple request; one byte more is multipart with 5 MiB parts", async () => {
    const MiB = 1024 * 1024;
    expect(basespaceLimits).toMatchObject({ minPartSize: 5 * MiB, maxPartSize: 25_000_000 });
    const big = bytesOf(BASESPACE_SIMPLE_UPLOAD_MAX + 1, 77);
    const atLimit = big.subarray(0, BASESPACE_SIMPLE_UPLOAD_MAX);
    const simple = await upload(new Blob([atLimit]), {
      wholeFileMd5: true,
      client: s.client,
      appResultId: "200",
      name: "at-limit",
    });
    expect(simple).toMatchObject({ method: "simple", parts: 1, size: 25_000_000, md5: md5Hex(atLimit) });
    const multi = await upload(new Blob([big]), {
      wholeFileMd5: true,
      client: s.client,
      appResultId: "200",
      name: "over-limit",
      partSize: 5 * MiB,
    });
    expect(multi).toMatchObject({ method: "multipart", parts: 5, size: 25_000_001, md5: md5Hex(big) });
    expect(sameBytes(await download(s.client, multi.id), big)).toBe(true);
    // Parts of exactly the minimum, and one of 25,000,000 bytes (the largest valid under both readings of "MB").
    const exact = big.subarray(0, 5 * MiB + 1);
    const edge = await upload(new Blob([exact]), {
      wholeFileMd5: true,
      client: s.client,
      appResultId: "200",
      name: "min-part",
      partSize: 5 * MiB,
      simpleUploadMax: -1,
    });
    expect(edge).toMatchObject({ parts: 2, md5: md5Hex(exact) });
    const max = await upload(new Blob([big]), {
      wholeFileMd5: true,
      client: s.client,
      appResultId: "200",
      name: "max-part",
      partSize: 25_000_000,
    });
    expect(max).toMatchObject({ parts: 2, md5: md5Hex(big) });
    expect(sameBytes(await download(s.client, max.id), big)).toBe(true);
  });
});
