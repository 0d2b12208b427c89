/**
 * `upload` under the reference server's fault injection (seeded): retryable failures are retried
 * until every upload is byte-equal, corrupted bytes are caught by the MD5 check and sent again,
 * rule violations fail at once without a retry, spent retries keep the last failure's code, and
 * an `AbortSignal` stops the upload with nothing more sent.
 */
import { parseFaultSpec } from "@partwise/node";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { upload, type YouforceError } from "../../src/index.ts";
import {
  BT,
  chunkRequests,
  downloaded,
  posts,
  randomBytes,
  sameBytes,
  settle,
  startHarness,
} from "./helpers.ts";

const CHUNK = 1000;
const patient = { maxRetriesPerPart: 30, baseDelayMs: 1, maxDelayMs: 8 };

async function rejection(promise: Promise<unknown>): Promise<YouforceError> {
  try {
    await promise;
  } catch (error) {
    return error as YouforceError;
  }
  throw new Error("expected the upload to fail");
}

describe("retryable faults", () => {
  test("20% 503, 5% resets and 5% corrupt chunks: every upload completes byte-equal", async () => {
    await using h = await startHarness({
      chunkMaxSize: CHUNK,
      faults: [
        parseFaultSpec("op=uploadChunk,status=503,rate=0.2,seed=11"),
        parseFaultSpec("op=uploadChunk,reset,rate=0.05,seed=12"),
        parseFaultSpec("op=uploadChunk,corrupt,rate=0.05,seed=13"),
        parseFaultSpec("op=uploadFile,status=503,rate=0.2,seed=14"),
        parseFaultSpec("op=uploadFile,reset,rate=0.05,seed=15"),
      ],
    });
    let uploads = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 8 * CHUNK }),
        fc.integer({ min: 1, max: 6 }),
        fc.nat(),
        async (size, concurrency, seed) => {
          const bytes = randomBytes(size, seed);
          const result = await upload(new Blob([bytes]), {
            wholeFileMd5: true,
            client: h.client,
            businessTypeId: BT,
            name: "faulty.bin",
            chunkSize: CHUNK,
            multipartThreshold: 1500,
            concurrency,
            retry: patient,
            // A corrupted chunk is found only once the file is closed: each one costs an upload.
            reuploads: 10,
          });
          uploads++;
          expect(result.size).toBe(size);
          expect(result.verified).toBe(true);
          expect(sameBytes(await downloaded(h.client, result.id), bytes)).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
    expect(uploads).toBe(25);
    // The faults really fired: each kind at least once.
    const fired = new Set(h.log.map((entry) => `${entry.op}:${entry.fault}`));
    for (const kind of [
      "uploadChunk:status",
      "uploadChunk:reset",
      "uploadChunk:corrupt",
      "uploadFile:status",
    ])
      expect(fired).toContain(kind);
  });

  test("a corrupted multipart body is caught by the MD5 check and sent again", async () => {
    await using h = await startHarness({ faults: [parseFaultSpec("op=uploadFile,corrupt,count=1,seed=3")] });
    const bytes = randomBytes(200_000, 21);
    const result = await upload(new Blob([bytes]), {
      client: h.client,
      businessTypeId: BT,
      name: "m.bin",
      verify: true,
    });
    expect(result).toMatchObject({ uploadType: "multipart", verified: true });
    expect(posts(h.log, "multipart").map((e) => e.fault)).toEqual(["corrupt", undefined]);
    expect(sameBytes(await downloaded(h.client, result.id), bytes)).toBe(true);
  });

  test("a corrupted chunk makes the resumable upload start over", async () => {
    await using h = await startHarness({ faults: [parseFaultSpec("op=uploadChunk,corrupt,count=1,seed=4")] });
    const bytes = randomBytes(5 * CHUNK + 3, 22);
    const result = await upload(new Blob([bytes]), {
      wholeFileMd5: true,
      client: h.client,
      businessTypeId: BT,
      name: "r.bin",
      chunkSize: CHUNK,
      multipartThreshold: 0,
    });
    expect(result).toMatchObject({ uploadType: "resumable", verified: true, parts: 6 });
    expect(posts(h.log, "resumable")).toHaveLength(2);
    expect(sameBytes(await downloaded(h.client, result.id), bytes)).toBe(true);
  });

  test("regression: a failed first POST is retried even when every chunk slot would wait for its token", async () => {
    // A first design sent the POST as one session part among the PUTs: with the POST in backoff,
    // `concurrency` PUTs waiting for its token held every slot and the upload hung.
    for (const concurrency of [1, 6]) {
      await using h = await startHarness({ faults: [parseFaultSpec("op=uploadFile,status=503,count=1")] });
      const bytes = randomBytes(8 * CHUNK, 27);
      const result = await upload(new Blob([bytes]), {
        wholeFileMd5: true,
        client: h.client,
        businessTypeId: BT,
        name: "first.bin",
        chunkSize: CHUNK,
        multipartThreshold: 0,
        concurrency,
        retry: patient,
      });
      expect(posts(h.log).map((e) => e.status)).toEqual([503, 201]);
      expect(sameBytes(await downloaded(h.client, result.id), bytes)).toBe(true);
    }
  });

  test("spent retries fail with the last failure's code and status, after exactly 1 + maxRetriesPerPart sends", async () => {
    await using h = await startHarness({ faults: [parseFaultSpec("op=uploadChunk,status=503")] });
    const error = await rejection(
      upload(new Blob([randomBytes(3 * CHUNK, 23)]), {
        wholeFileMd5: true,
        client: h.client,
        businessTypeId: BT,
        name: "x.bin",
        chunkSize: CHUNK,
        multipartThreshold: 0,
        concurrency: 1,
        retry: { maxRetriesPerPart: 3, baseDelayMs: 1, maxDelayMs: 2 },
      }),
    );
    expect(error).toMatchObject({
      code: "PW_YOUFORCE_HTTP",
      status: 503,
      retryable: true,
      operation: "uploadChunk",
    });
    expect((error.cause as { code?: string }).code).toBe("PW_GAVE_UP");
    expect(error.message).toMatch(/503.*gave up on part 2 after 4 attempts/);
    expect(chunkRequests(h.log).filter((r) => r.position === 1)).toHaveLength(4);
  });
});

describe("rule violations fail at once, without retries", () => {
  test("a server-side extension rule (YF-NAME-EXTENSION) is named, one request sent", async () => {
    await using h = await startHarness({ deniedExtensions: [".csv"] });
    for (const multipartThreshold of [100_000, 0]) {
      const before = h.log.length;
      const error = await rejection(
        upload(new Blob([randomBytes(5 * CHUNK, 24)]), {
          wholeFileMd5: true,
          client: h.client,
          businessTypeId: BT,
          name: "data.csv",
          chunkSize: CHUNK,
          multipartThreshold,
          retry: patient,
        }),
      );
      expect(error).toMatchObject({
        code: "PW_YOUFORCE_HTTP",
        status: 400,
        rule: "YF-NAME-EXTENSION",
        retryable: false,
      });
      expect(error.message).toContain("[YF-NAME-EXTENSION]");
      expect(h.log.slice(before)).toHaveLength(1);
    }
  });

  test("a chunk over the server's limit (413, YF-RESUMABLE-CHUNK-SIZE) is named, one request sent", async () => {
    await using h = await startHarness({ chunkMaxSize: CHUNK });
    const error = await rejection(
      upload(new Blob([randomBytes(5 * CHUNK, 25)]), {
        wholeFileMd5: true,
        client: h.client,
        businessTypeId: BT,
        name: "big.bin",
        chunkSize: 2 * CHUNK,
        multipartThreshold: 0,
        retry: patient,
      }),
    );
    expect(error).toMatchObject({ status: 413, rule: "YF-RESUMABLE-CHUNK-SIZE", retryable: false });
    expect(h.log).toHaveLength(1);
  });

  test("a business type of another publisher (403, YF-AUTH-ISOLATION)", async () => {
    await using h = await startHarness({
      tokens: ["token-alice-0123456789", "someone-else"],
      businessTypes: { 7200: "someone-else" },
    });
    const error = await rejection(
      upload(new Blob(["x"]), { client: h.client, businessTypeId: 7200, name: "a.txt", retry: patient }),
    );
    expect(error).toMatchObject({ status: 403, rule: "YF-AUTH-ISOLATION", retryable: false });
    expect(h.log).toHaveLength(1);
  });
});

describe("AbortSignal", () => {
  test("stops promptly: rejects PW_YOUFORCE_ABORTED, sends nothing more, stores no file", async () => {
    await using h = await startHarness();
    const controller = new AbortController();
    const error = await rejection(
      upload(new Blob([randomBytes(30 * CHUNK, 26)]), {
        wholeFileMd5: true,
        client: h.client,
        businessTypeId: BT,
        name: "a.bin",
        chunkSize: CHUNK,
        multipartThreshold: 0,
        concurrency: 2,
        onProgress: (p) => {
          if (p.partsDone >= 3) controller.abort(new Error("user cancelled"));
        },
        signal: controller.signal,
      }),
    );
    expect(error).toMatchObject({ code: "PW_YOUFORCE_ABORTED", kind: "aborted", retryable: false });
    expect((error.cause as Error).message).toBe("user cancelled");
    const sent = h.requests.length;
    await settle();
    expect(h.requests).toHaveLength(sent);
    expect(chunkRequests(h.log).some((r) => r.close)).toBe(false);
    expect((await h.client.listFiles({ role: "publisher" })).count).toBe(0);
  });

  test("an already aborted signal sends nothing", async () => {
    await using h = await startHarness();
    const error = await rejection(
      upload(new Blob(["abc"]), {
        wholeFileMd5: true,
        client: h.client,
        businessTypeId: BT,
        name: "a.txt",
        signal: AbortSignal.abort(),
      }),
    );
    expect(error).toMatchObject({ code: "PW_YOUFORCE_ABORTED" });
    expect(h.requests).toHaveLength(0);
  });
});
