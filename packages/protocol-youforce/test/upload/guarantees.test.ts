/**
 * What `upload` promises, shown against the reference server over a real socket with its fault
 * injection: it resolves only with the bytes stored (verification retried, never skipped), a lost
 * answer to the closing chunk or the multipart request is found by a look-up (no duplicate, no
 * dead end), a rerun whose journal says "completed" uploads nothing, and a failure keeps the
 * journal so that a rerun sends only what is missing.
 */
import { memoryJournal } from "@partwise/client";
import { md5, toHex } from "@partwise/engine";
import { parseFaultSpec } from "@partwise/node";
import { describe, expect, test } from "vitest";
import { upload, type YouforceError } from "../../src/index.ts";
import { BT, chunkRequests, downloaded, posts, randomBytes, sameBytes, startHarness } from "./helpers.ts";

const CHUNK = 1000;
const quick = { retries: 8, baseDelayMs: 1, maxDelayMs: 4 };

async function listed(h: Awaited<ReturnType<typeof startHarness>>, name: string): Promise<number> {
  const list = await h.client.listFiles({ role: "publisher", filter: `fileName eq '${name}'` });
  return list.count;
}

describe("upload guarantees (YouForce)", () => {
  test("verification is never skipped: a failing HEAD is retried until it answers", async () => {
    await using h = await startHarness({ faults: [parseFaultSpec("op=headFile,status=503,count=2")] });
    const bytes = randomBytes(5 * CHUNK + 7, 40);
    const result = await upload(new Blob([bytes]), {
      client: h.client,
      businessTypeId: BT,
      name: "verified.bin",
      chunkSize: CHUNK,
      multipartThreshold: 0,
      retry: quick,
    });
    expect(result).toMatchObject({ verified: true, md5: toHex(await md5(bytes)) });
    expect(h.log.filter((e) => e.method === "HEAD").map((e) => e.status)).toEqual([503, 503, 200]);
  });

  test("a lost answer to the closing chunk: the file is found, the upload resolves with its id, no duplicate", async () => {
    // 6 chunks at concurrency 1: uploadChunk requests are positions 1..5, the fifth closes.
    await using h = await startHarness({ faults: [parseFaultSpec("op=uploadChunk,drop,after=4,count=1")] });
    const bytes = randomBytes(6 * CHUNK, 41);
    const result = await upload(new Blob([bytes]), {
      client: h.client,
      businessTypeId: BT,
      name: "closed.bin",
      chunkSize: CHUNK,
      multipartThreshold: 0,
      concurrency: 1,
      retry: quick,
    });
    expect(chunkRequests(h.log).filter((r) => r.close)).toHaveLength(1);
    expect(h.log.some((e) => e.op === "uploadChunk" && e.fault === "drop")).toBe(true);
    expect(await listed(h, "closed.bin")).toBe(1);
    expect(sameBytes(await downloaded(h.client, result.id), bytes)).toBe(true);
  });

  test("a lost answer to a multipart upload: found by the look-up, not sent twice", async () => {
    await using h = await startHarness({ faults: [parseFaultSpec("op=uploadFile,drop,count=1")] });
    const bytes = randomBytes(3000, 42);
    const result = await upload(new Blob([bytes]), {
      client: h.client,
      businessTypeId: BT,
      name: "single.bin",
      retry: quick,
    });
    expect(result.uploadType).toBe("multipart");
    expect(posts(h.log)).toHaveLength(1);
    expect(await listed(h, "single.bin")).toBe(1);
    expect(sameBytes(await downloaded(h.client, result.id), bytes)).toBe(true);
  });

  test("a rerun after a crash right after completion recognises the finished upload and sends nothing", async () => {
    await using h = await startHarness();
    const bytes = randomBytes(4 * CHUNK + 1, 43);
    const inner = memoryJournal();
    // The store "crashes" at the save that records the completed upload.
    const journal = {
      load: () => inner.load(),
      remove: () => inner.remove(),
      async save(j: Parameters<typeof inner.save>[0]) {
        if ((j as { stage?: string }).stage === "completed") throw new Error("killed");
        await inner.save(j);
      },
    };
    const options = {
      client: h.client,
      businessTypeId: BT,
      name: "twice.bin",
      chunkSize: CHUNK,
      multipartThreshold: 0,
      retry: quick,
    };
    await expect(upload(new Blob([bytes]), { ...options, journal })).rejects.toThrow("killed");
    expect(inner.current).toMatchObject({ stage: "completing" });
    const before = h.log.length;
    const result = await upload(new Blob([bytes]), { ...options, journal: inner });
    const rerun = h.log.slice(before);
    expect(rerun.filter((e) => e.op === "uploadFile" || e.op === "uploadChunk")).toEqual([]);
    expect(result).toMatchObject({ resumed: true, verified: true, size: bytes.length });
    expect(await listed(h, "twice.bin")).toBe(1);
    expect(inner.current).toBeUndefined();
  });

  test("a failure with a journal keeps it (and the server's upload): the rerun sends only what is missing", async () => {
    // Position 3 fails 3 times: more than one run's budget (1 retry), less than two runs'.
    await using h = await startHarness({
      faults: [parseFaultSpec("op=uploadChunk,status=503,after=2,count=3")],
    });
    const bytes = randomBytes(6 * CHUNK + 9, 44);
    const journal = memoryJournal();
    const options = {
      client: h.client,
      businessTypeId: BT,
      name: "kept.bin",
      chunkSize: CHUNK,
      multipartThreshold: 0,
      concurrency: 1,
      journal,
      retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 2 },
    };
    const error = (await upload(new Blob([bytes]), options).catch((e: unknown) => e)) as YouforceError;
    expect(error).toMatchObject({ code: "PW_YOUFORCE_HTTP", status: 503 });
    expect(error.message).toMatch(/gave up on part 4 after 2 attempts/);
    expect(Object.keys(journal.current?.parts ?? {}).sort()).toEqual(["1", "2", "3"]);
    const before = h.log.length;
    const result = await upload(new Blob([bytes]), { ...options, retry: quick });
    expect(posts(h.log.slice(before))).toHaveLength(0);
    expect(chunkRequests(h.log.slice(before)).map((r) => r.position)).toEqual([3, 3, 4, 5, 6]);
    expect(sameBytes(await downloaded(h.client, result.id), bytes)).toBe(true);
  });

  test("a signal with a journal pauses: the journal keeps the token and a rerun finishes", async () => {
    await using h = await startHarness();
    const bytes = randomBytes(8 * CHUNK, 45);
    const journal = memoryJournal();
    const controller = new AbortController();
    const options = {
      client: h.client,
      businessTypeId: BT,
      name: "paused.bin",
      chunkSize: CHUNK,
      multipartThreshold: 0,
      concurrency: 1,
      journal,
    };
    const error = (await upload(new Blob([bytes]), {
      ...options,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.partsAccepted >= 3) controller.abort();
      },
    }).catch((e: unknown) => e)) as YouforceError;
    expect(error).toMatchObject({ code: "PW_YOUFORCE_ABORTED" });
    expect(error.message).toMatch(/paused/);
    expect(journal.current?.upload).toMatchObject({ uploadToken: expect.any(String) });
    const result = await upload(new Blob([bytes]), options);
    expect(result.resumed).toBe(true);
    expect(sameBytes(await downloaded(h.client, result.id), bytes)).toBe(true);
  });
});
