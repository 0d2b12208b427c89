/**
 * Resume with a journal: a first run "crashes" (its journal store throws after some saves, so the
 * driver stops without aborting on the server, as a killed process would), then a second run with
 * the same source and journal sends only the parts the journal does not hold, and the file reads
 * back byte-equal. A changed source is refused.
 */
import { mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type JournalStore, memoryJournal, type UploadJournal } from "@partwise/client";
import { fileSource } from "@partwise/node";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type CavaticaJournal, type CavaticaUploadOptions, upload } from "../../src/index.ts";
import {
  arraySource,
  bytesOf,
  type Cavatica,
  download,
  entries,
  expectSameBytes,
  KiB,
  md5Hex,
  SMALL_LIMITS,
  startCavatica,
  storedParts,
  streamOf,
  uniqueName,
} from "./helpers.ts";

class Crash extends Error {}

/** A journal whose saves fail (the process "dies") after `allowed` successful ones. */
function crashingJournal(store: JournalStore, allowed: number): JournalStore {
  let saves = 0;
  return {
    load: () => store.load(),
    remove: () => store.remove(),
    async save(journal: UploadJournal) {
      if (++saves > allowed) throw new Crash("simulated crash while journaling");
      await store.save(journal);
    },
  };
}

type Kind = "blob" | "random" | "stream";
const sourceOf = (kind: Kind, bytes: Uint8Array<ArrayBuffer>) =>
  kind === "blob" ? new Blob([bytes]) : kind === "random" ? arraySource(bytes) : streamOf(bytes, [700, 2000]);

const parts = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const journaledParts = (journal: UploadJournal | undefined) =>
  Object.keys((journal as CavaticaJournal | undefined)?.parts ?? {}).map(Number);

let h: Cavatica;
beforeAll(async () => {
  h = await startCavatica({ limits: SMALL_LIMITS });
});
afterAll(() => h.close());

/** What the server answered to requests that arrived in a phase (see `Cavatica.handled`). */
const phaseOf = (phase: number) => h.handled.filter((entry) => entry.phase === phase);

/** Runs an upload that crashes; returns the journal store as the crash left it. */
async function crashedRun(
  source: Parameters<typeof upload>[0],
  options: Omit<CavaticaUploadOptions, "client" | "journal"> & { allowedSaves: number },
) {
  const store = memoryJournal();
  const { allowedSaves, ...rest } = options;
  await expect(
    upload(source, {
      wholeFileMd5: true,
      client: h.client,
      ...rest,
      journal: crashingJournal(store, allowedSaves),
    } as CavaticaUploadOptions),
  ).rejects.toBeInstanceOf(Crash);
  return store;
}

describe("resume", () => {
  test("after a crash at any point, the second run sends only the parts the journal lacks", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2 * KiB + 1, max: 24 * KiB }),
        fc.constantFrom<Kind>("blob", "random"),
        fc.integer({ min: 1, max: 4 }),
        fc.nat(),
        fc.boolean(),
        fc.integer({ min: 1, max: 2 ** 31 }),
        async (size, kind, concurrency, crashAt, batchReports, seed) => {
          const bytes = bytesOf(size, seed);
          const count = Math.ceil(size / KiB);
          // A run saves the new journal, then after init, then once per part: it crashes at some part.
          const allowedSaves = 2 + (crashAt % count);
          const options = {
            wholeFileMd5: true,
            project: "alice/resume",
            name: uniqueName(kind),
            partSize: KiB,
            concurrency,
            // Either reports come soon, or not at all before the crash (parts journaled, unreported).
            reportBatchSize: batchReports ? 2 : 1000,
            reportIntervalMs: batchReports ? 1 : 3_600_000,
          } as const;
          const store = await crashedRun(sourceOf(kind, bytes), { ...options, allowedSaves });
          const journaled = journaledParts(store.current);
          // The crash left the upload on the server (no abort), with the journal naming it.
          const uploadId = (store.current as CavaticaJournal).upload?.uploadId as string;
          await expect(h.client.getUpload(uploadId)).resolves.toMatchObject({ part_size: KiB });

          // Requests the crash abandoned may still be answered during the next run: by arrival.
          const phase = h.nextPhase();
          const result = await upload(sourceOf(kind, bytes), {
            client: h.client,
            ...options,
            journal: store,
          });
          const resent = storedParts(phaseOf(phase));
          expect(resent.filter((n) => journaled.includes(n))).toEqual([]);
          expect(new Set(resent).size).toBe(resent.length);
          expect([...resent, ...journaled].sort((a, b) => a - b)).toEqual(parts(count));
          expect(entries(phaseOf(phase), "initUpload")).toHaveLength(0);
          expect(result).toMatchObject({ uploadId, parts: count, size, md5: md5Hex(bytes) });
          expectSameBytes(await download(h.client, result.id), bytes);
          expect(store.current).toBeUndefined();
        },
      ),
      { numRuns: 15 },
    );
  });

  test("parts storage accepted but the API never recorded are reported first, not sent again", async () => {
    const bytes = bytesOf(10 * KiB, 42);
    const options = {
      wholeFileMd5: true,
      project: "alice/resume",
      name: uniqueName(),
      partSize: KiB,
      concurrency: 1,
      reportBatchSize: 1000,
      reportIntervalMs: 3_600_000,
    } as const;
    const store = await crashedRun(new Blob([bytes]), { ...options, allowedSaves: 7 });
    const journal = store.current as CavaticaJournal;
    expect(journal).toMatchObject({
      format: "partwise.upload-journal",
      version: 1,
      protocol: "cavatica",
      partSize: KiB,
    });
    expect(journal.source).toMatchObject({ size: bytes.length });
    // Saves: the new journal, 1 after init, then one per accepted part.
    expect(Object.keys(journal.parts)).toEqual(["1", "2", "3", "4", "5"]);
    for (const [n, part] of Object.entries(journal.parts)) {
      const from = (Number(n) - 1) * KiB;
      expect(part).toEqual({
        size: KiB,
        md5: md5Hex(bytes.subarray(from, from + KiB)),
        etag: part.md5,
      });
    }
    expect((await h.client.getUpload(journal.upload?.uploadId as string)).uploaded_parts_count).toBe(0);

    const phase = h.nextPhase();
    const result = await upload(new Blob([bytes]), { client: h.client, ...options, journal: store });
    const log = phaseOf(phase);
    expect(storedParts(log).sort((a, b) => a - b)).toEqual([6, 7, 8, 9, 10]);
    expect(log.findIndex((e) => e.op === "reportParts")).toBeLessThan(
      log.findIndex((e) => e.op === "storagePutPart"),
    );
    expectSameBytes(await download(h.client, result.id), bytes);
  });

  test("a journal whose upload is gone (aborted meanwhile) starts over", async () => {
    const bytes = bytesOf(5 * KiB, 43);
    const options = {
      project: "alice/resume",
      name: uniqueName(),
      partSize: KiB,
      concurrency: 1,
      wholeFileMd5: true,
    } as const;
    const store = await crashedRun(new Blob([bytes]), { ...options, allowedSaves: 3 });
    await h.client.abortUpload((store.current as CavaticaJournal).upload?.uploadId as string);
    const phase = h.nextPhase();
    const result = await upload(new Blob([bytes]), { client: h.client, ...options, journal: store });
    expect(entries(phaseOf(phase), "initUpload")).toHaveLength(1);
    expect(storedParts(phaseOf(phase))).toHaveLength(5);
    expectSameBytes(await download(h.client, result.id), bytes);
  });

  describe("a changed source is refused", () => {
    const options = { project: "alice/changed", partSize: KiB, concurrency: 1, wholeFileMd5: true } as const;

    test("same size, other bytes; other size (Blob)", async () => {
      const name = uniqueName();
      const bytes = bytesOf(6 * KiB, 44);
      const store = await crashedRun(new Blob([bytes]), { ...options, name, allowedSaves: 3 });
      const saved = structuredClone(store.current);
      const changed = bytes.slice();
      changed[0] = changed[0]! ^ 1;
      const phase = h.nextPhase();
      for (const other of [changed, bytes.subarray(0, 5 * KiB)])
        await expect(
          upload(new Blob([other]), { client: h.client, ...options, name, journal: store }),
        ).rejects.toMatchObject({
          code: "PW_CAVATICA_SOURCE_CHANGED",
          kind: "usage",
        });
      // Nothing was sent, the journal and the server's upload are as they were.
      expect(phaseOf(phase)).toEqual([]);
      expect(store.current).toEqual(saved);
      await expect(
        h.client.getUpload((saved as CavaticaJournal).upload?.uploadId as string),
      ).resolves.toBeDefined();
      // The unchanged source still resumes.
      const result = await upload(new Blob([bytes]), { client: h.client, ...options, name, journal: store });
      expectSameBytes(await download(h.client, result.id), bytes);
    });

    test("a file modified since (its mtime)", async () => {
      const dir = await mkdtemp(join(tmpdir(), "cavatica-resume-"));
      try {
        const path = join(dir, "data.bin");
        await writeFile(path, bytesOf(4 * KiB, 45));
        await utimes(path, new Date(1_700_000_000_000), new Date(1_700_000_000_000));
        let store: ReturnType<typeof memoryJournal>;
        {
          await using source = await fileSource(path);
          store = await crashedRun(source, { ...options, allowedSaves: 2 });
        }
        await utimes(path, new Date(1_700_000_100_000), new Date(1_700_000_100_000));
        await using source = await fileSource(path);
        await expect(upload(source, { client: h.client, ...options, journal: store })).rejects.toMatchObject({
          code: "PW_CAVATICA_SOURCE_CHANGED",
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test("a stream cannot resume: a journal with a stream is a usage error, nothing sent", async () => {
      const phase = h.nextPhase();
      await expect(
        upload(streamOf(bytesOf(3 * KiB, 46)), {
          client: h.client,
          ...options,
          name: uniqueName(),
          journal: memoryJournal(),
        }),
      ).rejects.toMatchObject({ code: "PW_CAVATICA_USAGE" });
      expect(phaseOf(phase)).toEqual([]);
    });

    test("a journal of another upload or protocol is a usage error", async () => {
      const name = uniqueName();
      const bytes = bytesOf(3 * KiB, 47);
      const store = await crashedRun(new Blob([bytes]), { ...options, name, allowedSaves: 2 });
      await expect(
        upload(new Blob([bytes]), { client: h.client, ...options, name: "other.bin", journal: store }),
      ).rejects.toMatchObject({ code: "PW_CAVATICA_USAGE" });
      const foreign = memoryJournal({ ...(store.current as UploadJournal), protocol: "basespace" });
      await expect(
        upload(new Blob([bytes]), { client: h.client, ...options, name, journal: foreign }),
      ).rejects.toMatchObject({ code: "PW_CAVATICA_USAGE" });
    });
  });
});
