/**
 * Uploads through a hostile network: the reference server's seeded fault injection on part PUTs
 * (503s, connection resets, corrupted bytes that Content-MD5 catches), a completion whose answer is
 * lost, ETags that do not match what was sent (BS-PART-ETAG) — every upload still completes
 * byte-equal — and rule violations, which fail at once without a single retry, naming the rule.
 */
import { parseFaultSpec } from "@partwise/node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type BasespaceError, createBasespaceClient, upload } from "../../src/index.ts";
import {
  bytesOf,
  download,
  fastRetry,
  md5Hex,
  partRequests,
  type SourceKind,
  serve,
  smallLimits,
  sourceOf,
  statusChanges,
  type TestServer,
  TOKEN,
} from "./support.ts";

describe("faults on the part operation: 20% 503, 5% reset, 5% corrupt (seeded)", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await serve({
      faults: [
        parseFaultSpec("op=uploadFilePart,status=503,rate=0.2,seed=11"),
        parseFaultSpec("op=uploadFilePart,reset,rate=0.05,seed=12"),
        parseFaultSpec("op=uploadFilePart,corrupt,rate=0.05,seed=13"),
        parseFaultSpec("op=setFileUploadStatus,drop,count=2,seed=14"),
      ],
    });
  });
  afterAll(() => s.close());

  test("100% of uploads complete byte-equal", async () => {
    const kinds: SourceKind[] = ["blob", "random", "stream", "iterable"];
    const uploads = Array.from({ length: 16 }, (_, i) => {
      const bytes = bytesOf(300 + i * 211, 1000 + i);
      const kind = kinds[i % kinds.length]!;
      return upload(sourceOf(kind, bytes, 97), {
        wholeFileMd5: true,
        baseUrl: s.base,
        token: TOKEN,
        appResultId: "300",
        name: `faulty-${i}.bin`,
        partSize: 64 + ((i * 37) % 193),
        concurrency: 1 + (i % 5),
        limits: smallLimits,
        simpleUploadMax: -1,
        retry: fastRetry,
        random: () => 0.5,
      }).then(async (result) => {
        expect(result.md5).toBe(md5Hex(bytes));
        expect(await download(s.client, result.id)).toEqual(bytes);
        return result;
      });
    });
    const results = await Promise.all(uploads);
    expect(results).toHaveLength(16);
    // The faults really happened, so this test can fail.
    const faults = partRequests(s.log).map((p) => p.fault);
    expect(faults).toContain("status");
    expect(faults).toContain("reset");
    expect(faults).toContain("corrupt");
    expect(s.log.some((entry) => entry.op === "setFileUploadStatus" && entry.fault === "drop")).toBe(true);
    // A corrupted part was refused by Content-MD5, never stored.
    expect(
      partRequests(s.log)
        .filter((p) => p.fault === "corrupt")
        .every((p) => p.status === 400),
    ).toBe(true);
  });
});

describe("ETags are checked against the local MD5 (BS-PART-ETAG)", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await serve();
  });
  afterAll(() => s.close());

  /** A transport that rewrites the ETag of part answers while `tamper()` says so. */
  function tampering(tamper: (partNumber: number) => boolean) {
    return createBasespaceClient({
      baseUrl: s.base,
      token: TOKEN,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        const match = /\/parts\/(\d+)$/.exec(new URL(String(input)).pathname);
        if (!match || response.status !== 200 || !tamper(Number(match[1]))) return response;
        const body = (await response.json()) as { Response: { ETag: string } };
        body.Response.ETag = "0".repeat(32);
        return new Response(JSON.stringify(body), { status: 200, headers: response.headers });
      },
    });
  }

  test("a mismatching ETag is a corrupt part: sent again, and the upload completes", async () => {
    const tampered = new Set<number>();
    const client = tampering((n) => {
      if (tampered.has(n) || n % 2 === 0) return false;
      tampered.add(n);
      return true;
    });
    const bytes = bytesOf(1000, 5);
    const before = s.log.length;
    const result = await upload(new Blob([bytes]), {
      wholeFileMd5: true,
      client,
      appResultId: "310",
      name: "etag.bin",
      partSize: 100,
      limits: smallLimits,
      simpleUploadMax: -1,
      retry: fastRetry,
    });
    expect(result.md5).toBe(md5Hex(bytes));
    expect(await download(s.client, result.id)).toEqual(bytes);
    const sent = partRequests(s.log.slice(before)).map((p) => p.number);
    for (const n of [1, 3, 5, 7, 9]) expect(sent.filter((x) => x === n)).toHaveLength(2);
    for (const n of [2, 4, 6, 8, 10]) expect(sent.filter((x) => x === n)).toHaveLength(1);
  });

  test("an ETag that never matches fails after the retry budget, as BS-PART-ETAG, and aborts on the server", async () => {
    const error = (await upload(new Blob([bytesOf(300)]), {
      wholeFileMd5: true,
      client: tampering((n) => n === 2),
      appResultId: "311",
      name: "never.bin",
      partSize: 100,
      limits: smallLimits,
      simpleUploadMax: -1,
      retry: { maxRetriesPerPart: 2, baseDelayMs: 1, maxDelayMs: 2 },
    }).catch((e: unknown) => e)) as BasespaceError;
    expect(error).toMatchObject({
      code: "PW_BASESPACE_INVALID_RESPONSE",
      rule: "BS-PART-ETAG",
      retryable: true,
    });
    expect(error.message).toMatch(/gave up on part 2 after 3 attempts/);
    const [file] = (await s.client.listAppResultFiles({ appResultId: "311" })).Response.Items;
    expect(file?.UploadStatus).toBe("aborted");
    expect(partRequests(s.log).filter((p) => p.fileId === file?.Id && p.number === 2)).toHaveLength(3);
  });
});

describe("a rule violation fails at once, without retries, naming the rule", () => {
  test("BS-PART-MAX-SIZE: a server whose parts are smaller than planned refuses the first parts (413)", async () => {
    const s = await serve({ limits: { ...smallLimits, maxPartSize: 128 } });
    try {
      const error = (await upload(new Blob([bytesOf(2000)]), {
        wholeFileMd5: true,
        baseUrl: s.base,
        token: TOKEN,
        appResultId: "320",
        name: "too-big-parts",
        partSize: 256,
        concurrency: 3,
        limits: smallLimits,
        simpleUploadMax: -1,
        retry: fastRetry,
      }).catch((e: unknown) => e)) as BasespaceError;
      expect(error).toMatchObject({
        code: "PW_BASESPACE_HTTP",
        status: 413,
        rule: "BS-PART-MAX-SIZE",
        retryable: false,
        operation: "uploadFilePart",
      });
      expect(error.message).toContain("BS-PART-MAX-SIZE");
      const puts = partRequests(s.log);
      expect(puts.length).toBeGreaterThan(0);
      expect(puts.length).toBeLessThanOrEqual(3);
      expect(new Set(puts.map((p) => p.number)).size).toBe(puts.length);
      expect(statusChanges(s.log)).toEqual(["aborted"]);
    } finally {
      await s.close();
    }
  });

  test("BS-PART-MIN-SIZE: a server with a larger minimum refuses the completion once (400)", async () => {
    const s = await serve({ limits: { ...smallLimits, minPartSize: 200 } });
    try {
      const error = (await upload(new Blob([bytesOf(500)]), {
        wholeFileMd5: true,
        baseUrl: s.base,
        token: TOKEN,
        appResultId: "321",
        name: "small-parts",
        partSize: 100,
        limits: smallLimits,
        simpleUploadMax: -1,
        retry: fastRetry,
      }).catch((e: unknown) => e)) as BasespaceError;
      expect(error).toMatchObject({
        code: "PW_BASESPACE_HTTP",
        status: 400,
        rule: "BS-PART-MIN-SIZE",
        retryable: false,
        operation: "setFileUploadStatus",
      });
      expect(statusChanges(s.log)).toEqual(["complete", "aborted"]);
      expect(partRequests(s.log)).toHaveLength(5);
    } finally {
      await s.close();
    }
  });

  test("BS-AUTH-ISOLATION: another token's AppResult is refused once (403)", async () => {
    const s = await serve({
      tokens: [TOKEN, "other-owner-token-0000"],
      appResults: { "322": "other-owner-token-0000" },
    });
    try {
      const error = (await upload(new Blob([bytesOf(10)]), {
        wholeFileMd5: true,
        baseUrl: s.base,
        token: TOKEN,
        appResultId: "322",
        name: "x",
        retry: fastRetry,
      }).catch((e: unknown) => e)) as BasespaceError;
      expect(error).toMatchObject({ status: 403, rule: "BS-AUTH-ISOLATION", retryable: false });
      expect(s.log).toHaveLength(1);
    } finally {
      await s.close();
    }
  });
});
