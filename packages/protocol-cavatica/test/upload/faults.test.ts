/**
 * Fault injection (the reference server's seeded `faults`): with 20% 503, 5% reset and 5% corrupt
 * on the part operation (the storage PUT), and failures on part URLs and reports too, every
 * upload completes byte-equal — corrupt parts are caught by the ETag check (CV-STORAGE-ETAG), and
 * re-reporting after a lost answer is idempotent (CV-REPORT-BODY).
 */
import { parseFaultSpec } from "@partwise/node";
import fc from "fast-check";
import { expect, test } from "vitest";
import { upload } from "../../src/index.ts";
import {
  arraySource,
  bytesOf,
  download,
  expectSameBytes,
  KiB,
  md5Hex,
  SMALL_LIMITS,
  startCavatica,
  streamOf,
  uniqueName,
} from "./helpers.ts";

test("100% of uploads complete byte-equal under seeded faults on every part operation", async () => {
  const h = await startCavatica({
    limits: SMALL_LIMITS,
    faults: [
      "op=storagePutPart,status=503,rate=0.2,seed=101",
      "op=storagePutPart,reset,rate=0.05,seed=102",
      "op=storagePutPart,corrupt,rate=0.05,seed=103",
      "op=getPartUrl,status=503,rate=0.1,seed=104",
      "op=reportParts,status=503,rate=0.2,seed=105",
      // The report is recorded, the answer lost: the retry reports the same parts again.
      "op=reportParts,drop,rate=0.1,seed=106",
      "op=completeUpload,status=500,rate=0.3,seed=107",
    ].map(parseFaultSpec),
  });
  try {
    let uploads = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 30 * KiB }),
        fc.constantFrom("blob", "random", "stream"),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 2 ** 31 }),
        async (size, kind, concurrency, seed) => {
          const bytes = bytesOf(size, seed);
          const source =
            kind === "blob"
              ? new Blob([bytes])
              : kind === "random"
                ? arraySource(bytes)
                : streamOf(bytes, [1500]);
          const result = await upload(source, {
            wholeFileMd5: true,
            client: h.client,
            project: "alice/faults",
            name: uniqueName(kind),
            partSize: KiB,
            concurrency,
            reportBatchSize: 5,
            reportIntervalMs: 5,
            retry: { maxRetriesPerPart: 12, baseDelayMs: 1, maxDelayMs: 10 },
          });
          uploads++;
          expect(result.md5).toBe(md5Hex(bytes));
          expectSameBytes(await download(h.client, result.id), bytes);
        },
      ),
      { numRuns: 15 },
    );
    expect(uploads).toBe(15);
    // The faults did fire, each kind of them.
    const fired = (op: string, fault: string) => h.log.filter((e) => e.op === op && e.fault === fault).length;
    expect(fired("storagePutPart", "status")).toBeGreaterThan(5);
    expect(fired("storagePutPart", "reset")).toBeGreaterThan(0);
    expect(fired("storagePutPart", "corrupt")).toBeGreaterThan(0);
    expect(fired("reportParts", "status") + fired("reportParts", "drop")).toBeGreaterThan(0);
    // Nothing left behind: every upload completed.
    expect((await h.client.listUploads()).items).toEqual([]);
  } finally {
    await h.close();
  }
});
