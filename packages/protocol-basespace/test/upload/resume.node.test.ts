/**
 * Abort and resume. An `AbortSignal` stops the upload and aborts it on the server (BS-ABORT), or,
 * with `keepOnAbort` and a journal, pauses it. A journal saved after each accepted part lets a new
 * `upload` continue after a crash or a pause, sending only the parts the journal does not list —
 * checked against the server's request log — and refuses a source that changed since.
 */
import type { JournalStore, UploadJournal } from "@partwise/client";
import { AbortUpload, memoryJournal } from "@partwise/client";
import { parseFaultSpec } from "@partwise/node";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  type BasespaceError,
  type BasespaceUploadOptions,
  createBasespaceClient,
  upload,
} from "../../src/index.ts";
import {
  bytesOf,
  download,
  fastRetry,
  md5Hex,
  memorySource,
  partRequests,
  serve,
  smallLimits,
  statusChanges,
  type TestServer,
  TOKEN,
} from "./support.ts";

let s: TestServer;
beforeEach(async () => {
  s = await serve({ faults: [parseFaultSpec("op=uploadFilePart,delay=5")] });
});
afterEach(() => s.close());

const options = (overrides: Partial<BasespaceUploadOptions> = {}): BasespaceUploadOptions => ({
  wholeFileMd5: true,
  baseUrl: s.base,
  token: TOKEN,
  appResultId: "400",
  name: "genome.bam",
  partSize: 100,
  limits: smallLimits,
  simpleUploadMax: -1,
  retry: fastRetry,
  ...overrides,
});

/** A journal store that "crashes": after `okSaves` good saves, every save throws. */
function crashingJournal(
  okSaves: number,
): JournalStore & { current: UploadJournal | undefined; saves: number } {
  const inner = memoryJournal();
  const store = {
    saves: 0,
    get current() {
      return inner.current;
    },
    load: () => inner.load(),
    remove: () => inner.remove(),
    async save(journal: UploadJournal) {
      store.saves += 1;
      if (store.saves > okSaves) throw new Error("disk full");
      await inner.save(journal);
    },
  };
  return store;
}

const fileIdOf = (journal: UploadJournal | undefined): string =>
  (journal?.upload as { fileId?: string } | undefined)?.fileId ?? "";

const journaledParts = (journal: UploadJournal | undefined): number[] =>
  Object.keys(journal?.parts ?? {})
    .map(Number)
    .sort((a, b) => a - b);

describe("abort", () => {
  test("an AbortSignal stops the upload promptly and aborts it on the server", async () => {
    const controller = new AbortController();
    const bytes = bytesOf(2000);
    const error = (await upload(
      new Blob([bytes]),
      options({
        concurrency: 2,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.partsDone >= 3) controller.abort(new Error("user cancelled"));
        },
      }),
    ).catch((e: unknown) => e)) as BasespaceError;
    expect(error).toMatchObject({ code: "PW_BASESPACE_ABORTED", kind: "aborted", retryable: false });
    expect((error.cause as Error).message).toBe("user cancelled");
    const [file] = (await s.client.listAppResultFiles({ appResultId: "400" })).Response.Items;
    expect(file?.UploadStatus).toBe("aborted");
    expect(statusChanges(s.log, file?.Id)).toEqual(["aborted"]);
    // Stopped: far from all 20 parts were sent.
    expect(partRequests(s.log).length).toBeLessThan(10);
  });

  test("an already aborted signal sends nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await upload(new Blob([bytesOf(500)]), options({ signal: controller.signal })).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "PW_BASESPACE_ABORTED" });
    expect(s.log).toHaveLength(0);
  });

  test("with a journal, a signal pauses: the journal is kept and the upload stays pending", async () => {
    const journal = memoryJournal();
    const controller = new AbortController();
    const error = await upload(
      new Blob([bytesOf(2000)]),
      options({
        journal,
        signal: controller.signal,
        onProgress: (p) => p.partsDone >= 2 && controller.abort(),
      }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "PW_BASESPACE_ABORTED" });
    const fileId = fileIdOf(journal.current);
    expect((await s.client.getFile({ fileId })).Response.UploadStatus).toBe("pending");
    const resumed = await upload(new Blob([bytesOf(2000)]), options({ journal }));
    expect(resumed).toMatchObject({ id: fileId, resumed: true });
  });

  test("with a journal, an AbortUpload reason aborts on the server and removes the journal", async () => {
    const journal = memoryJournal();
    const controller = new AbortController();
    await upload(
      new Blob([bytesOf(2000)]),
      options({
        journal,
        signal: controller.signal,
        onProgress: (p) => p.partsDone >= 2 && controller.abort(new AbortUpload()),
      }),
    ).catch(() => {});
    expect(journal.current).toBeUndefined();
    expect(s.log.some((e) => e.op === "setFileUploadStatus" && e.path.includes("aborted"))).toBe(true);
  });
});

describe("resume", () => {
  test("after a crash (the journal cannot be written), a new upload sends only the missing parts", async () => {
    const bytes = bytesOf(2000, 42);
    const source = memorySource(bytes);
    // Save 1 writes the new journal, 2 records the initiation, 3–6 the first four parts; then the "crash".
    const journal = crashingJournal(6);
    const first = (await upload(source, options({ journal, concurrency: 2 })).catch(
      (e: unknown) => e,
    )) as BasespaceError;
    expect(first).toMatchObject({ kind: "usage", retryable: false });
    expect((first.cause as Error).message).toBe("disk full");
    // Like a crash: the upload is left pending on the server, not aborted.
    const fileId = fileIdOf(journal.current);
    expect((await s.client.getFile({ fileId })).Response.UploadStatus).toBe("pending");
    expect(statusChanges(s.log, fileId)).toEqual([]);
    const saved = journaledParts(journal.current);
    expect(saved).toHaveLength(4);

    const before = s.log.length;
    const second = await upload(source, options({ journal: memoryJournal(journal.current), concurrency: 3 }));
    expect(second).toMatchObject({ id: fileId, resumed: true, size: 2000, parts: 20, md5: md5Hex(bytes) });
    expect(await download(s.client, fileId)).toEqual(bytes);
    const resent = partRequests(s.log.slice(before)).map((p) => p.number);
    // No part the journal recorded as accepted was sent again; every other part was.
    for (const n of saved) expect(resent).not.toContain(n);
    const all = new Set([...saved, ...resent]);
    expect([...all].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  test("a signal with a journal pauses: the upload stays pending, and a later upload continues it", async () => {
    const bytes = bytesOf(1500, 8);
    const journal = memoryJournal();
    const controller = new AbortController();
    const paused = await upload(
      new Blob([bytes]),
      options({
        journal,
        concurrency: 1,
        signal: controller.signal,
        onProgress: (p) => p.partsDone >= 6 && controller.abort(),
      }),
    ).catch((e: unknown) => e);
    expect(paused).toMatchObject({ code: "PW_BASESPACE_ABORTED" });
    const fileId = fileIdOf(journal.current);
    expect((await s.client.getFile({ fileId })).Response.UploadStatus).toBe("pending");
    const saved = journaledParts(journal.current);
    expect(saved.length).toBeGreaterThanOrEqual(6);

    const before = s.log.length;
    const events: number[] = [];
    const result = await upload(
      new Blob([bytes]),
      options({ journal, onProgress: (p) => events.push(p.bytesAccepted) }),
    );
    expect(result).toMatchObject({ id: fileId, resumed: true, md5: md5Hex(bytes) });
    expect(await download(s.client, fileId)).toEqual(bytes);
    const resent = partRequests(s.log.slice(before)).map((p) => p.number);
    for (const n of saved) expect(resent).not.toContain(n);
    expect(resent).toHaveLength(15 - saved.length);
    // Progress counts the parts accepted in the earlier run.
    expect(events[0]).toBeGreaterThanOrEqual(saved.length * 100);
    expect(journal.current).toBeUndefined();
  });

  test("a source that changed since the journal was written is refused, and nothing is sent", async () => {
    const bytes = bytesOf(1000, 3);
    const journal = crashingJournal(4);
    await upload(memorySource(bytes), options({ journal, concurrency: 1 })).catch(() => {});
    const saved = journal.current;
    expect(journaledParts(saved)).toHaveLength(2);

    const changed = bytes.slice();
    changed[999] = changed[999]! ^ 1;
    const before = s.log.length;
    const error = await upload(memorySource(changed), options({ journal: memoryJournal(saved) })).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "PW_BASESPACE_USAGE" });
    expect((error as Error).message).toMatch(/source changed/);
    const longer = await upload(
      memorySource(bytesOf(1001, 3)),
      options({ journal: memoryJournal(saved) }),
    ).catch((e: unknown) => e);
    expect(longer).toMatchObject({ code: "PW_BASESPACE_USAGE" });
    expect(s.log.length).toBe(before);
    // The journal is for another target too: refused the same way.
    const elsewhere = await upload(
      memorySource(bytes),
      options({ journal: memoryJournal(saved), appResultId: "401" }),
    ).catch((e: unknown) => e);
    expect(elsewhere).toMatchObject({ code: "PW_BASESPACE_USAGE" });
  });

  test("paused while completing: every part is journaled, so the resume sends no part, only the completion", async () => {
    const bytes = bytesOf(600, 12);
    const journal = memoryJournal();
    const controller = new AbortController();
    // A transport whose completion never answers (until aborted), as a connection that hangs would.
    const hanging = createBasespaceClient({
      baseUrl: s.base,
      token: TOKEN,
      fetch: (input, init) =>
        String(input).includes("uploadstatus=complete")
          ? new Promise((_, reject) =>
              init?.signal?.addEventListener("abort", () => reject(init.signal?.reason), { once: true }),
            )
          : fetch(input, init),
    });
    const paused = await upload(
      new Blob([bytes]),
      options({
        client: hanging,
        journal,
        signal: controller.signal,
        onProgress: (p) => p.partsDone === p.partsTotal && controller.abort(),
      } as Partial<BasespaceUploadOptions>),
    ).catch((e: unknown) => e);
    expect(paused).toMatchObject({ code: "PW_BASESPACE_ABORTED" });
    expect(journaledParts(journal.current)).toEqual([1, 2, 3, 4, 5, 6]);
    const fileId = fileIdOf(journal.current);
    expect((await s.client.getFile({ fileId })).Response.UploadStatus).toBe("pending");

    const before = s.log.length;
    const result = await upload(new Blob([bytes]), options({ journal }));
    expect(result).toMatchObject({ id: fileId, resumed: true, parts: 6, md5: md5Hex(bytes) });
    // The look-up, the completion, the verification.
    expect(s.log.slice(before).map((entry) => entry.op)).toEqual([
      "getFile",
      "setFileUploadStatus",
      "getFile",
    ]);
    expect(await download(s.client, fileId)).toEqual(bytes);
  });

  test("a journal whose upload already completed returns the File without sending anything", async () => {
    const bytes = bytesOf(700, 6);
    const inner = memoryJournal();
    // remove() fails, as a process killed right after completing would leave the journal behind.
    const journal: JournalStore = { ...inner, load: inner.load, save: inner.save, remove: async () => {} };
    const first = await upload(memorySource(bytes), options({ journal }));
    expect(inner.current).toBeDefined();
    const before = s.log.length;
    const again = await upload(memorySource(bytes), options({ journal }));
    expect(again).toMatchObject({ id: first.id, resumed: true, md5: md5Hex(bytes), size: 700 });
    expect(s.log.slice(before).map((entry) => entry.op)).toEqual(["getFile"]);
  });

  test("a journal whose upload was aborted on the server starts a new upload", async () => {
    const bytes = bytesOf(500, 2);
    const journal = crashingJournal(3);
    await upload(memorySource(bytes), options({ journal, concurrency: 1 })).catch(() => {});
    const old = fileIdOf(journal.current);
    await s.client.setFileUploadStatus({ fileId: old, uploadstatus: "aborted" });
    const result = await upload(memorySource(bytes), options({ journal: memoryJournal(journal.current) }));
    expect(result.id).not.toBe(old);
    expect(result).toMatchObject({ resumed: false, md5: md5Hex(bytes) });
  });

  test("a damaged journal and a journal for a stream are usage errors", async () => {
    const damaged = memoryJournal({
      format: "partwise.upload-journal",
      version: 1,
    } as unknown as UploadJournal);
    expect(
      await upload(memorySource(bytesOf(500)), options({ journal: damaged })).catch((e: unknown) => e),
    ).toMatchObject({
      code: "PW_BASESPACE_USAGE",
    });
    const stream = new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    expect(
      await upload(stream, options({ journal: memoryJournal() })).catch((e: unknown) => e),
    ).toMatchObject({
      code: "PW_BASESPACE_USAGE",
    });
    expect(s.log).toHaveLength(0);
  });
});
