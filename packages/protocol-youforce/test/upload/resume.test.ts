/**
 * Resume with a journal: a run that stops (a crash right after a journal write, or an abort)
 * leaves the upload token and the accepted positions; a new `upload` with the same source and
 * journal sends only the missing positions (checked in the server's log: no accepted position is
 * sent twice, no second POST) and the file is byte-equal. A changed source, or a journal of
 * another upload, is refused before any request.
 */
import { type JournalStore, memoryJournal, type UploadJournal } from "@partwise/client";
import type { RandomAccessSource } from "@partwise/engine";
import { describe, expect, test } from "vitest";
import { upload, type YouforceError } from "../../src/index.ts";
import {
  BT,
  chunkRequests,
  downloaded,
  posts,
  randomBytes,
  sameBytes,
  startHarness,
  streamOf,
} from "./helpers.ts";

const CHUNK = 1000;

/** A journal whose store "crashes" right after its `n`-th durable write. */
function crashAfter(n: number): JournalStore & { readonly inner: ReturnType<typeof memoryJournal> } {
  const inner = memoryJournal();
  let saves = 0;
  return {
    inner,
    load: () => inner.load(),
    async save(journal: UploadJournal) {
      await inner.save(journal);
      if (++saves === n) throw new Error("simulated crash after a journal write");
    },
    remove: () => inner.remove(),
  };
}

function sourceOf(
  bytes: Uint8Array,
  extra: { mtimeMs?: number } = {},
): RandomAccessSource & { mtimeMs?: number } {
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.slice(offset, offset + length),
    ...extra,
  };
}

async function rejection(promise: Promise<unknown>): Promise<YouforceError> {
  try {
    await promise;
  } catch (error) {
    return error as YouforceError;
  }
  throw new Error("expected the upload to fail");
}

const base = {
  businessTypeId: BT,
  name: "resume.bin",
  chunkSize: CHUNK,
  multipartThreshold: 0,
  wholeFileMd5: true,
} as const;

function accepted(log: Parameters<typeof chunkRequests>[0]): number[] {
  return chunkRequests(log)
    .filter((r) => r.status === 202)
    .map((r) => r.position);
}

describe("resume", () => {
  test("after a crash: only missing positions are sent, no accepted chunk twice, byte-equal", async () => {
    await using h = await startHarness();
    const bytes = randomBytes(10 * CHUNK + 1, 31);
    // Saves: the new journal, then the upload token with chunk 0 (part 1), then one per chunk.
    const journal = crashAfter(5);
    await expect(
      upload(sourceOf(bytes), { ...base, client: h.client, concurrency: 1, journal }),
    ).rejects.toThrow("simulated crash");
    const saved = journal.inner.current!;
    expect(Object.keys(saved.parts).sort()).toEqual(["1", "2", "3", "4"]);
    expect(saved).toMatchObject({ protocol: "youforce", partSize: CHUNK, stage: "parts" });
    expect(saved.upload).toMatchObject({ uploadToken: expect.any(String) });
    const first = h.log.length;
    const firstAccepted = accepted(h.log);
    expect(firstAccepted).toEqual([1, 2, 3]);

    const result = await upload(sourceOf(bytes), {
      ...base,
      client: h.client,
      concurrency: 1,
      journal: journal.inner,
    });
    expect(result).toMatchObject({
      resumed: true,
      uploadType: "resumable",
      parts: 11,
      size: bytes.length,
      verified: true,
    });
    const second = h.log.slice(first);
    expect(posts(second)).toHaveLength(0);
    const sent = chunkRequests(second).map((r) => r.position);
    expect(sent).toEqual([4, 5, 6, 7, 8, 9, 10]);
    // Over both runs, no position was accepted twice.
    const all = accepted(h.log);
    expect(new Set(all).size).toBe(all.length);
    expect(sameBytes(await downloaded(h.client, result.id), bytes)).toBe(true);
    expect(journal.inner.current).toBeUndefined();
  });

  test("after an abort with chunks in flight: the journal's positions are never sent again", async () => {
    await using h = await startHarness();
    const bytes = randomBytes(24 * CHUNK + 500, 32);
    const journal = memoryJournal();
    const controller = new AbortController();
    const error = await rejection(
      upload(sourceOf(bytes), {
        ...base,
        client: h.client,
        concurrency: 4,
        journal,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.partsDone >= 6) controller.abort();
        },
      }),
    );
    expect(error.code).toBe("PW_YOUFORCE_ABORTED");
    // Journal part n is chunk position n - 1.
    const journaled = Object.keys(journal.current!.parts).map((key) => Number(key) - 1);
    expect(journaled.length).toBeGreaterThanOrEqual(6);
    const first = h.log.length;
    const result = await upload(sourceOf(bytes), { ...base, client: h.client, concurrency: 4, journal });
    const second = h.log.slice(first);
    expect(posts(second)).toHaveLength(0);
    const resent = chunkRequests(second).map((r) => r.position);
    expect(resent.filter((p) => journaled.includes(p))).toEqual([]);
    expect(resent.at(-1)).toBe(24);
    expect(sameBytes(await downloaded(h.client, result.id), bytes)).toBe(true);
  });

  test("when every chunk but the last was accepted, the resumed run only closes", async () => {
    await using h = await startHarness();
    const bytes = randomBytes(3 * CHUNK, 33);
    const journal = crashAfter(3);
    await expect(
      upload(sourceOf(bytes), { ...base, client: h.client, concurrency: 1, journal }),
    ).rejects.toThrow();
    const first = h.log.length;
    const result = await upload(sourceOf(bytes), { ...base, client: h.client, journal: journal.inner });
    expect(chunkRequests(h.log.slice(first))).toEqual([{ position: 2, close: true, status: 201 }]);
    expect(sameBytes(await downloaded(h.client, result.id), bytes)).toBe(true);
  });

  test("a changed source is refused before any request: sampled bytes, modification time, a journaled chunk", async () => {
    await using h = await startHarness();
    // 6 chunks of 70,000 bytes: chunk 1 lies outside the fingerprint's 64 KiB head and tail samples.
    const chunk = 70_000;
    const bytes = randomBytes(6 * chunk, 34);
    const journal = crashAfter(4);
    const options = { ...base, chunkSize: chunk, client: h.client, concurrency: 1 };
    await expect(upload(sourceOf(bytes, { mtimeMs: 1 }), { ...options, journal })).rejects.toThrow();
    const before = h.requests.length;

    const head = bytes.slice();
    head[10] = head[10]! ^ 0xff;
    const middle = bytes.slice();
    middle[chunk + 5] = middle[chunk + 5]! ^ 0xff;
    for (const changed of [
      sourceOf(head, { mtimeMs: 1 }),
      sourceOf(bytes, { mtimeMs: 2 }),
      sourceOf(middle, { mtimeMs: 1 }),
    ]) {
      const error = await rejection(upload(changed, { ...options, journal: journal.inner }));
      expect(error).toMatchObject({ code: "PW_YOUFORCE_USAGE", retryable: false });
      expect(error.message).toMatch(/changed since/);
      expect(error.message).toMatch(/journal/);
    }
    expect(h.requests).toHaveLength(before);
    // The journal is left as it was: the unchanged file still resumes.
    const result = await upload(sourceOf(bytes, { mtimeMs: 1 }), { ...options, journal: journal.inner });
    expect(result.resumed).toBe(true);
    expect(sameBytes(await downloaded(h.client, result.id), bytes)).toBe(true);
  });

  test("a journal of another upload, another chunk size or another protocol is refused", async () => {
    await using h = await startHarness();
    const bytes = randomBytes(4 * CHUNK, 35);
    const journal = crashAfter(2);
    await expect(
      upload(sourceOf(bytes), { ...base, client: h.client, concurrency: 1, journal }),
    ).rejects.toThrow();
    const before = h.requests.length;
    for (const override of [{ name: "other.bin" }, { businessTypeId: 7101 }, { chunkSize: 500 }]) {
      const error = await rejection(
        upload(sourceOf(bytes), { ...base, ...override, client: h.client, journal: journal.inner }),
      );
      expect(error.code).toBe("PW_YOUFORCE_USAGE");
    }
    const foreign = memoryJournal({ ...journal.inner.current!, protocol: "basespace" });
    expect(
      (await rejection(upload(sourceOf(bytes), { ...base, client: h.client, journal: foreign }))).code,
    ).toBe("PW_YOUFORCE_USAGE");
    expect(h.requests).toHaveLength(before);
  });

  test("a stream cannot resume: a journal with a stream is a usage error", async () => {
    await using h = await startHarness();
    const error = await rejection(
      upload(streamOf(randomBytes(10, 36)), { ...base, client: h.client, journal: memoryJournal() }),
    );
    expect(error.code).toBe("PW_YOUFORCE_USAGE");
    expect(h.requests).toHaveLength(0);
  });
});
