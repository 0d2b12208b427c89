/**
 * Issue 5: the client and `upload` run in a browser. In headless Chromium, against the reference
 * server the globalSetup started (CORS for any origin): Blobs of 0 and 1 bytes and a small one
 * (simple uploads), an 11 MiB Blob in three 5 MiB parts (multipart; BaseSpace's 5 MiB part
 * minimum is the server's, so parts cannot be smaller), and a ReadableStream (multipart, cut as
 * it is read), each with progress events and read back through `getFileContent` byte for byte;
 * and a wrong token. The transport is the page's own `fetch`, injected. No node:* import here.
 */
import { md5, toBase64, toHex } from "@partwise/engine";
import { describe, expect, inject, test } from "vitest";
import { bytesOf, sameBytes, streamOf } from "../../../../test-support/bytes.ts";
import {
  type BasespaceUploadProgress,
  createBasespaceClient,
  isBasespaceError,
  upload,
} from "../../src/index.ts";

const { baseUrl, token } = inject("basespace");
const fetch = globalThis.fetch.bind(globalThis);
const client = createBasespaceClient({ baseUrl, token, fetch });
const MiB = 1024 * 1024;
const APP_RESULT = "5001";

async function downloaded(fileId: string): Promise<Uint8Array> {
  return (await client.getFileContent({ fileId, redirect: "false" })).bytes();
}

/** Progress only grows and ends with every byte and part accepted. */
function expectProgress(events: readonly BasespaceUploadProgress[], size: number, parts: number): void {
  expect(events.length).toBeGreaterThan(0);
  for (let i = 1; i < events.length; i++)
    expect(events[i]!.bytesAccepted).toBeGreaterThanOrEqual(events[i - 1]!.bytesAccepted);
  expect(events.at(-1)).toMatchObject({
    bytesAccepted: size,
    bytesTotal: size,
    partsDone: parts,
    partsTotal: parts,
  });
}

test("runs in Chromium, not in Node", () => {
  expect(navigator.userAgent).toContain("Chrome");
  expect(typeof document.createElement).toBe("function");
});

describe("simple uploads of Blobs", () => {
  test.each([0, 1, 100_003])("%i bytes: uploaded and read back byte-equal", async (size) => {
    const bytes = bytesOf(size, size + 7);
    const events: BasespaceUploadProgress[] = [];
    const result = await upload(new Blob([bytes], { type: "application/x-test" }), {
      wholeFileMd5: true,
      baseUrl,
      token,
      fetch,
      appResultId: APP_RESULT,
      name: `simple-${size}.bin`,
      directory: "browser",
      onProgress: (event) => events.push(event),
    });
    expect(result).toMatchObject({
      method: "simple",
      size,
      parts: 1,
      path: `browser/simple-${size}.bin`,
      contentType: "application/x-test",
      md5: toHex(await md5(bytes)),
    });
    expectProgress(events, size, 1);
    expect(sameBytes(await downloaded(result.id), bytes)).toBe(true);
  });
});

test("an 11 MiB Blob in three 5 MiB parts, two in flight: multipart, read back byte-equal", async () => {
  const size = 11 * MiB;
  const bytes = bytesOf(size, 11);
  const events: BasespaceUploadProgress[] = [];
  const result = await upload(new Blob([bytes]), {
    wholeFileMd5: true,
    baseUrl,
    token,
    fetch,
    appResultId: APP_RESULT,
    name: "multipart.bin",
    partSize: 5 * MiB,
    concurrency: 2,
    simpleUploadMax: -1, // 11 MiB would otherwise go as one simple upload (≤ 25,000,000 bytes)
    onProgress: (event) => events.push(event),
  });
  expect(result).toMatchObject({ method: "multipart", size, parts: 3, md5: toHex(await md5(bytes)) });
  expectProgress(events, size, 3);
  expect(sameBytes(await downloaded(result.id), bytes)).toBe(true);
});

// A stream is cut by the engine's growing sizer, which starts BaseSpace streams at 25,000,000-byte
// parts (so 10,000 parts can reach maxTotalSize): this one is a single multipart part.
test("a ReadableStream of unknown length: multipart, read back byte-equal", async () => {
  const size = 3 * MiB + 123_457;
  const bytes = bytesOf(size, 5);
  const events: BasespaceUploadProgress[] = [];
  const result = await upload(streamOf(bytes, 64 * 1024 + 3), {
    wholeFileMd5: true,
    baseUrl,
    token,
    fetch,
    appResultId: APP_RESULT,
    name: "stream.bin",
    onProgress: (event) => events.push(event),
  });
  expect(result).toMatchObject({ method: "multipart", size, parts: 1, md5: toHex(await md5(bytes)) });
  expectProgress(events, size, 1);
  expect(sameBytes(await downloaded(result.id), bytes)).toBe(true);
});

test("CORS: a page on another origin can read the ETag header of a part's answer", async () => {
  // The uploader checks the ETag of the JSON body; the header is what S3-style clients read, and a
  // cross-origin script sees it only if the server exposes it.
  const { Response: file } = await client.createAppResultFile({
    appResultId: APP_RESULT,
    name: "cors.bin",
    multipart: true,
  });
  const part = bytesOf(1000, 3);
  const digest = await md5(part);
  const response = await fetch(`${baseUrl}/files/${file.Id}/parts/1`, {
    method: "PUT",
    headers: { "x-access-token": token, "content-md5": toBase64(digest) },
    body: part,
  });
  expect(response.status).toBe(200);
  expect(new URL(baseUrl).origin).not.toBe(location.origin);
  expect(response.headers.get("etag")).toBe(`"${toHex(digest)}"`);
  await client.setFileUploadStatus({ fileId: file.Id, uploadstatus: "aborted" });
});

test("a wrong token: PW_BASESPACE_HTTP 401 naming BS-AUTH, and the token appears nowhere", async () => {
  const wrong = "bs-wrong-token-Hx81Pq0Zt5";
  const error = await upload(new Blob(["hello\n"]), {
    wholeFileMd5: true,
    baseUrl,
    token: wrong,
    fetch,
    appResultId: APP_RESULT,
    name: "denied.txt",
  }).catch((caught: unknown) => caught);
  expect(isBasespaceError(error)).toBe(true);
  if (!isBasespaceError(error)) return;
  expect(error).toMatchObject({ code: "PW_BASESPACE_HTTP", status: 401, rule: "BS-AUTH", retryable: false });
  expect(error.message).not.toContain(wrong);
  expect(JSON.stringify(error.envelope)).not.toContain(wrong);
});
