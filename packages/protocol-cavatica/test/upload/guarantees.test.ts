/**
 * What `upload` promises, against the reference server over a real socket with its fault
 * injection: every request is retried (initiation, reports, completion, verification), a lost
 * answer to `complete` is not a dead end, a rerun after a completion uploads nothing, and a
 * failure with a journal keeps the upload and the journal for a rerun.
 */
import { memoryJournal } from "@partwise/client";
import { parseFaultSpec } from "@partwise/node";
import { describe, expect, test } from "vitest";
import { type CavaticaError, upload } from "../../src/index.ts";
import {
  bytesOf,
  download,
  entries,
  expectSameBytes,
  KiB,
  SMALL_LIMITS,
  startCavatica,
  storedParts,
  uniqueName,
} from "./helpers.ts";

const quick = { retries: 8, baseDelayMs: 1, maxDelayMs: 4 };

describe("upload guarantees (CAVATICA)", () => {
  test("initiation, reports, completion and verification are retried like parts", async () => {
    const h = await startCavatica({
      limits: SMALL_LIMITS,
      faults: [
        parseFaultSpec("op=initUpload,status=503,count=2"),
        parseFaultSpec("op=reportParts,status=502,count=2"),
        parseFaultSpec("op=completeUpload,status=503,count=1"),
        parseFaultSpec("op=getFile,status=503,count=2"),
      ],
    });
    try {
      const bytes = bytesOf(5 * KiB + 3, 60);
      const result = await upload(new Blob([bytes]), {
        client: h.client,
        project: "alice/retry",
        name: uniqueName(),
        partSize: KiB,
        retry: quick,
      });
      expect(entries(h.log, "initUpload").map((e) => e.status)).toEqual([503, 503, 200]);
      expect(entries(h.log, "getFile").map((e) => e.status)).toEqual([503, 503, 200]);
      expect(entries(h.log, "completeUpload").map((e) => e.status)[0]).toBe(503);
      expectSameBytes(await download(h.client, result.id), bytes);
    } finally {
      await h.close();
    }
  });

  test("a lost answer to complete: GET /files finds the file by name and its id, no 409 dead end", async () => {
    const h = await startCavatica({
      limits: SMALL_LIMITS,
      faults: [parseFaultSpec("op=completeUpload,drop,count=1")],
    });
    try {
      const bytes = bytesOf(4 * KiB, 61);
      const name = uniqueName();
      const journal = memoryJournal();
      const options = { client: h.client, project: "alice/lost", name, partSize: KiB, retry: quick, journal };
      const result = await upload(new Blob([bytes]), options);
      expect(result).toMatchObject({ name, size: bytes.length, found: "by-name" });
      expect(journal.current).toBeUndefined();
      // The completion was sent once (its answer dropped), never again: the look-up found the file.
      expect(entries(h.log, "completeUpload").map((e) => e.fault)).toEqual(["drop"]);
      expect(entries(h.log, "listFiles").map((e) => e.status)).toEqual([200]);
      expect(entries(h.log, "initUpload").map((e) => e.status)).toEqual([200]);
      // The id is the file's the dropped completion created, and it holds the bytes.
      const [listedFile] = (await h.client.listFiles({ project: "alice/lost", name })).items;
      expect(result.id).not.toBe("");
      expect(result.id).toBe(listedFile?.id);
      expectSameBytes(await download(h.client, result.id), bytes);
    } finally {
      await h.close();
    }
  });

  test("a lost answer to complete on a server without GET /files: a probe finds the file, without its id", async () => {
    const h = await startCavatica({
      limits: SMALL_LIMITS,
      faults: [
        parseFaultSpec("op=completeUpload,drop,count=1"),
        parseFaultSpec("op=listFiles,status=404,count=1"),
      ],
    });
    try {
      const bytes = bytesOf(4 * KiB, 63);
      const name = uniqueName();
      const options = { client: h.client, project: "alice/lost-old", name, partSize: KiB, retry: quick };
      const result = await upload(new Blob([bytes]), options);
      expect(result).toMatchObject({ name, size: bytes.length, found: "by-name", id: "" });
      expect(entries(h.log, "listFiles").map((e) => e.status)).toEqual([404]);
      expect(entries(h.log, "initUpload").map((e) => e.status)).toEqual([200, 409]);
    } finally {
      await h.close();
    }
  });

  test("a rerun after a crash right after completion uploads nothing", async () => {
    const h = await startCavatica({ limits: SMALL_LIMITS });
    try {
      const bytes = bytesOf(3 * KiB + 1, 62);
      const inner = memoryJournal();
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
        project: "alice/twice",
        name: uniqueName(),
        partSize: KiB,
        retry: quick,
      };
      await expect(upload(new Blob([bytes]), { ...options, journal })).rejects.toThrow("killed");
      const before = h.log.length;
      const result = await upload(new Blob([bytes]), { ...options, journal: inner });
      const rerun = h.log.slice(before);
      expect(entries(rerun, "initUpload").filter((e) => e.status === 200)).toEqual([]);
      expect(storedParts(rerun)).toEqual([]);
      expect(result).toMatchObject({ size: bytes.length, resumed: true });
      expect(inner.current).toBeUndefined();
    } finally {
      await h.close();
    }
  });

  test("a failure with a journal keeps the upload and the journal; the rerun sends only what is missing", async () => {
    const h = await startCavatica({
      limits: SMALL_LIMITS,
      faults: [parseFaultSpec("op=storagePutPart,status=503,after=3,count=3")],
    });
    try {
      const bytes = bytesOf(6 * KiB, 63);
      const journal = memoryJournal();
      const options = {
        client: h.client,
        project: "alice/kept",
        name: uniqueName(),
        partSize: KiB,
        concurrency: 1,
        journal,
        retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 2 },
      };
      const error = (await upload(new Blob([bytes]), options).catch((e: unknown) => e)) as CavaticaError;
      expect(error).toMatchObject({ code: "PW_CAVATICA_HTTP", status: 503 });
      expect(error.message).toMatch(/gave up on part 4 after 2 attempts/);
      expect(entries(h.log, "abortUpload")).toEqual([]);
      expect(Object.keys(journal.current?.parts ?? {})).toEqual(["1", "2", "3"]);
      const before = h.log.length;
      const result = await upload(new Blob([bytes]), { ...options, retry: quick });
      expect(entries(h.log.slice(before), "initUpload")).toEqual([]);
      expect(storedParts(h.log.slice(before)).sort()).toEqual([4, 5, 6]);
      expectSameBytes(await download(h.client, result.id), bytes);
    } finally {
      await h.close();
    }
  });
});
