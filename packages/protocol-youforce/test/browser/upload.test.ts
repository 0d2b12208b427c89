/**
 * Issue 5: the client and `upload` run in a browser. In headless Chromium, against the reference
 * server the globalSetup started (CORS for any origin): Blobs of 0 and 1 bytes and a small one
 * (one `uploadType=multipart` request each), a Blob sent `resumable` in 64 KiB chunks with 6 in
 * flight, and a ReadableStream (always resumable), each with progress events, checked by the
 * uploader's `HEAD` (an MD5 `ETag` a cross-origin page can read only if the server exposes it:
 * `verified`) and read back through `downloadFile` byte for byte; and a wrong token. The
 * transport is the page's own `fetch`, injected. No node:* import here.
 */
import { md5, toHex } from "@partwise/engine";
import { describe, expect, inject, test } from "vitest";
import { bytesOf, sameBytes, streamOf } from "../../../../test-support/bytes.ts";
import {
  createYouforceClient,
  isYouforceError,
  upload,
  type YouforceUploadProgress,
} from "../../src/index.ts";

const { baseUrl, token } = inject("youforce");
const fetch = globalThis.fetch.bind(globalThis);
const client = createYouforceClient({ baseUrl, token, fetch });
const BUSINESS_TYPE = 7100;
const KiB = 1024;

async function downloaded(fileId: string): Promise<Uint8Array> {
  return (await client.downloadFile({ fileId })).bytes();
}

/** Progress only grows and ends with every byte and chunk done. */
function expectProgress(events: readonly YouforceUploadProgress[], size: number, parts: number): void {
  expect(events.length).toBeGreaterThan(0);
  for (let i = 1; i < events.length; i++)
    expect(events[i]!.bytesDone).toBeGreaterThanOrEqual(events[i - 1]!.bytesDone);
  expect(events.at(-1)).toMatchObject({
    bytesDone: size,
    bytesTotal: size,
    partsDone: parts,
    partsTotal: parts,
    totalKnown: true,
  });
}

test("runs in Chromium, not in Node", () => {
  expect(navigator.userAgent).toContain("Chrome");
  expect(typeof document.createElement).toBe("function");
});

describe("multipart uploads of Blobs", () => {
  test.each([0, 1, 100_003])("%i bytes: verified by ETag and read back byte-equal", async (size) => {
    const bytes = bytesOf(size, size + 7);
    const events: YouforceUploadProgress[] = [];
    const result = await upload(new Blob([bytes]), {
      wholeFileMd5: true,
      baseUrl,
      token,
      fetch,
      businessTypeId: BUSINESS_TYPE,
      name: `multipart-${size}.bin`,
      onProgress: (event) => events.push(event),
    });
    expect(result).toMatchObject({
      uploadType: "multipart",
      name: `multipart-${size}.bin`,
      size,
      parts: 1,
      verified: true,
      md5: toHex(await md5(bytes)),
    });
    expectProgress(events, size, 1);
    expect(sameBytes(await downloaded(result.id), bytes)).toBe(true);
  });
});

test("a 1 MiB Blob sent resumable in 64 KiB chunks, 6 in flight: verified and read back byte-equal", async () => {
  const size = 1024 * KiB + 1001;
  const chunkSize = 64 * KiB;
  const chunks = Math.ceil(size / chunkSize);
  const bytes = bytesOf(size, 17);
  const events: YouforceUploadProgress[] = [];
  const result = await upload(new Blob([bytes]), {
    wholeFileMd5: true,
    baseUrl,
    token,
    fetch,
    businessTypeId: BUSINESS_TYPE,
    name: "resumable.bin",
    multipartThreshold: 0, // resumable whatever the size
    chunkSize,
    concurrency: 6,
    onProgress: (event) => events.push(event),
  });
  expect(result).toMatchObject({
    uploadType: "resumable",
    size,
    parts: chunks,
    numChunks: chunks,
    verified: true,
    md5: toHex(await md5(bytes)),
  });
  expectProgress(events, size, chunks);
  expect(sameBytes(await downloaded(result.id), bytes)).toBe(true);
});

test("a ReadableStream of unknown length: resumable, verified and read back byte-equal", async () => {
  const size = 300 * KiB + 5;
  const chunkSize = 64 * KiB;
  const chunks = Math.ceil(size / chunkSize);
  const bytes = bytesOf(size, 5);
  const events: YouforceUploadProgress[] = [];
  const result = await upload(streamOf(bytes, 10_007), {
    wholeFileMd5: true,
    baseUrl,
    token,
    fetch,
    businessTypeId: BUSINESS_TYPE,
    name: "stream.bin",
    chunkSize,
    onProgress: (event) => events.push(event),
  });
  expect(result).toMatchObject({
    uploadType: "resumable",
    size,
    parts: chunks,
    verified: true,
    md5: toHex(await md5(bytes)),
  });
  expectProgress(events, size, chunks);
  expect(sameBytes(await downloaded(result.id), bytes)).toBe(true);
});

test("CORS: a page on another origin can read the file's ETag", async () => {
  const bytes = bytesOf(2000, 3);
  const result = await upload(new Blob([bytes]), {
    wholeFileMd5: true,
    client,
    businessTypeId: BUSINESS_TYPE,
    name: "cors.bin",
  });
  expect(new URL(baseUrl).origin).not.toBe(location.origin);
  const head = await client.headFile({ fileId: result.id });
  expect(head.etag?.replace(/"/g, "")).toBe(toHex(await md5(bytes)));
});

test("a wrong token: PW_YOUFORCE_HTTP 401, and the token appears nowhere", async () => {
  const wrong = "yf-wrong-token-Pb72Xe0Ls3";
  const error = await upload(new Blob(["hello\n"]), {
    wholeFileMd5: true,
    baseUrl,
    token: wrong,
    fetch,
    businessTypeId: BUSINESS_TYPE,
    name: "denied.txt",
  }).catch((caught: unknown) => caught);
  expect(isYouforceError(error)).toBe(true);
  if (!isYouforceError(error)) return;
  expect(error).toMatchObject({ code: "PW_YOUFORCE_HTTP", status: 401, rule: "YF-AUTH", retryable: false });
  expect(error.message).not.toContain(wrong);
  expect(JSON.stringify(error.envelope)).not.toContain(wrong);
});
