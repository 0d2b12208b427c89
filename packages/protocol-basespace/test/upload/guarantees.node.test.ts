/**
 * What `upload` promises, against the reference server over a real socket with its fault
 * injection: the initiation and completion are retried, a lost answer to the completion or to a
 * simple upload is looked up (no duplicate, no dead end), a rerun after a completion uploads
 * nothing, and a failure with a journal keeps the upload pending and the journal for a rerun.
 */
import { memoryJournal } from "@partwise/client";
import { parseFaultSpec } from "@partwise/node";
import { describe, expect, test } from "vitest";
import { type BasespaceError, upload } from "../../src/index.ts";
import { bytesOf, download, partRequests, serve, smallLimits, statusChanges, TOKEN } from "./support.ts";

const quick = { retries: 8, baseDelayMs: 1, maxDelayMs: 4 };
const base = (url: string, name: string) =>
  ({
    baseUrl: url,
    token: TOKEN,
    appResultId: "700",
    name,
    partSize: 100,
    limits: smallLimits,
    retry: quick,
  }) as const;

describe("upload guarantees (BaseSpace)", () => {
  test("the initiation and the completion are retried like parts", async () => {
    const s = await serve({
      faults: [
        parseFaultSpec("op=createAppResultFile,status=503,count=2"),
        parseFaultSpec("op=setFileUploadStatus,status=503,count=1"),
      ],
    });
    try {
      const bytes = bytesOf(450, 70);
      const result = await upload(new Blob([bytes]), { ...base(s.base, "retried.bin"), simpleUploadMax: -1 });
      expect(s.log.filter((e) => e.op === "createAppResultFile").map((e) => e.status)).toEqual([
        503, 503, 200,
      ]);
      expect(await download(s.client, result.id)).toEqual(bytes);
    } finally {
      await s.close();
    }
  });

  test("a lost answer to the completion: the look-up finds the file complete, the upload resolves with its id", async () => {
    const s = await serve({ faults: [parseFaultSpec("op=setFileUploadStatus,drop,count=1")] });
    try {
      const bytes = bytesOf(350, 71);
      const result = await upload(new Blob([bytes]), { ...base(s.base, "lost.bin"), simpleUploadMax: -1 });
      expect(statusChanges(s.log)).toEqual(["complete"]);
      expect(await download(s.client, result.id)).toEqual(bytes);
    } finally {
      await s.close();
    }
  });

  test("a lost answer to a simple upload: found in the AppResult, not uploaded twice", async () => {
    const s = await serve({ faults: [parseFaultSpec("op=createAppResultFile,drop,count=1")] });
    try {
      const bytes = bytesOf(300, 72);
      const result = await upload(new Blob([bytes]), base(s.base, "simple.bin"));
      expect(result.method).toBe("simple");
      expect(s.log.filter((e) => e.op === "createAppResultFile")).toHaveLength(1);
      expect(await download(s.client, result.id)).toEqual(bytes);
    } finally {
      await s.close();
    }
  });

  test("a failure with a journal keeps the upload pending and the journal; the rerun sends only what is missing", async () => {
    const s = await serve({ faults: [parseFaultSpec("op=uploadFilePart,status=503,after=3,count=3")] });
    try {
      const bytes = bytesOf(600, 73);
      const journal = memoryJournal();
      const options = {
        ...base(s.base, "kept.bin"),
        simpleUploadMax: -1,
        concurrency: 1,
        journal,
        retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 2 },
      };
      const error = (await upload(new Blob([bytes]), options).catch((e: unknown) => e)) as BasespaceError;
      expect(error).toMatchObject({ status: 503 });
      expect(error.message).toMatch(/gave up on part 4 after 2 attempts/);
      expect(statusChanges(s.log)).toEqual([]);
      expect(Object.keys(journal.current?.parts ?? {})).toEqual(["1", "2", "3"]);
      const before = s.log.length;
      const result = await upload(new Blob([bytes]), { ...options, retry: quick });
      expect(partRequests(s.log.slice(before)).map((p) => p.number)).toEqual([4, 4, 5, 6]);
      expect(await download(s.client, result.id)).toEqual(bytes);
    } finally {
      await s.close();
    }
  });
});
