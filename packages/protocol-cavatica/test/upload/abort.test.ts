/**
 * `signal`: the upload stops promptly and requests in flight are cancelled. Without a journal the
 * upload is aborted on the server (CV-ABORT: `DELETE` answers 204, then the upload is 404 / 8003);
 * with one it is paused (kept for a rerun) unless the reason is an `AbortUpload`.
 */
import { AbortUpload, type FetchLike, memoryJournal } from "@partwise/client";
import { afterAll, beforeAll, expect, test } from "vitest";
import { CavaticaError, createCavaticaClient, upload } from "../../src/index.ts";
import {
  bytesOf,
  type Cavatica,
  entries,
  KiB,
  SMALL_LIMITS,
  startCavatica,
  storedParts,
  TOKEN,
  uniqueName,
} from "./helpers.ts";

let h: Cavatica;
beforeAll(async () => {
  h = await startCavatica({ limits: SMALL_LIMITS });
});
afterAll(() => h.close());

async function rejection(promise: Promise<unknown>): Promise<CavaticaError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CavaticaError);
    return error as CavaticaError;
  }
  throw new Error("expected the upload to fail");
}

test("aborting after the first accepted part stops sending and aborts on the server", async () => {
  const controller = new AbortController();
  const reason = new Error("user pressed cancel");
  const before = h.log.length;
  const error = await rejection(
    upload(new Blob([bytesOf(40 * KiB, 1)]), {
      client: h.client,
      project: "alice/abort",
      name: uniqueName(),
      partSize: KiB,
      concurrency: 2,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.partsDone >= 1) controller.abort(reason);
      },
    }),
  );
  expect(error).toMatchObject({ code: "PW_CAVATICA_ABORTED", kind: "aborted", retryable: false });
  expect(error.cause).toBe(reason);
  const log = h.log.slice(before);
  expect(entries(log, "abortUpload").map((e) => e.status)).toEqual([204]);
  expect(entries(log, "completeUpload")).toHaveLength(0);
  // Far fewer than the 40 parts were sent.
  expect(entries(log, "storagePutPart").length).toBeLessThan(10);
  const uploadId = /\/upload\/multipart\/([A-Za-z0-9]+)/.exec(entries(log, "abortUpload")[0]!.path)![1]!;
  await expect(h.client.getUpload(uploadId)).rejects.toMatchObject({ status: 404, platformCode: 8003 });
  expect((await h.client.listUploads()).items.map((i) => i.upload_id)).not.toContain(uploadId);
});

test("a storage request in flight is cancelled by the abort; the upload settles at once", async () => {
  const controller = new AbortController();
  let stuck = 0;
  // Part 2's storage request never answers on its own.
  const fetch: FetchLike = (input, init) => {
    if (init?.method === "PUT" && /\/parts\/2\?/.test(String(input))) {
      stuck++;
      setTimeout(() => controller.abort(new Error("stop")), 5);
      return new Promise((_, reject) => {
        init.signal?.addEventListener("abort", () => reject(init.signal?.reason), { once: true });
      });
    }
    return globalThis.fetch(input, init);
  };
  const client = createCavaticaClient({ baseUrl: h.baseUrl, token: TOKEN, limits: SMALL_LIMITS, fetch });
  const before = h.log.length;
  const error = await rejection(
    upload(new Blob([bytesOf(4 * KiB, 2)]), {
      client,
      project: "alice/abort",
      name: uniqueName(),
      partSize: KiB,
      concurrency: 1,
      signal: controller.signal,
    }),
  );
  expect(error.code).toBe("PW_CAVATICA_ABORTED");
  expect(stuck).toBe(1);
  const log = h.log.slice(before);
  expect(storedParts(log)).toEqual([1]);
  expect(entries(log, "abortUpload").map((e) => e.status)).toEqual([204]);
});

test("an already aborted signal sends nothing", async () => {
  const controller = new AbortController();
  controller.abort();
  const before = h.log.length;
  const error = await rejection(
    upload(new Blob([bytesOf(10)]), {
      client: h.client,
      project: "alice/abort",
      name: "x",
      signal: controller.signal,
    }),
  );
  expect(error.code).toBe("PW_CAVATICA_ABORTED");
  expect(h.log.length).toBe(before);
});

test("with a journal the signal pauses: the upload and the journal are kept, and a rerun finishes", async () => {
  const controller = new AbortController();
  const journal = memoryJournal();
  const before = h.log.length;
  const bytes = bytesOf(20 * KiB, 3);
  const options = { client: h.client, project: "alice/abort", name: uniqueName(), partSize: KiB, journal };
  const error = await rejection(
    upload(new Blob([bytes]), {
      ...options,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.partsDone >= 2) controller.abort();
      },
    }),
  );
  expect(error.code).toBe("PW_CAVATICA_ABORTED");
  expect(error.message).toMatch(/paused/);
  expect(entries(h.log.slice(before), "abortUpload")).toEqual([]);
  expect(journal.current?.upload).toMatchObject({ uploadId: expect.any(String) });
  const result = await upload(new Blob([bytes]), options);
  expect(result.resumed).toBe(true);
  expect(journal.current).toBeUndefined();
});

test("an AbortUpload reason aborts even with a journal: the upload is deleted and the journal removed", async () => {
  const controller = new AbortController();
  const journal = memoryJournal();
  const before = h.log.length;
  const error = await rejection(
    upload(new Blob([bytesOf(20 * KiB, 4)]), {
      client: h.client,
      project: "alice/abort",
      name: uniqueName(),
      partSize: KiB,
      journal,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.partsDone >= 2) controller.abort(new AbortUpload());
      },
    }),
  );
  expect(error.code).toBe("PW_CAVATICA_ABORTED");
  expect(entries(h.log.slice(before), "abortUpload").map((e) => e.status)).toEqual([204]);
  expect(journal.current).toBeUndefined();
});
