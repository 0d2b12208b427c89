/**
 * Issue 5: the client and `upload` run in a browser. In headless Chromium, against the reference
 * server the globalSetup started (CORS for any origin, 64 KiB … 1 MiB parts): Blobs of 0 and 1
 * bytes (one part), a Blob in several 256 KiB parts with 3 in flight, and a ReadableStream (cut as
 * it is read), each with progress events. Every part goes to a signed storage URL whose answer's
 * `ETag` the uploader must read (the server exposes it) and compare with the part's MD5; each file
 * is read back through `getDownloadInfo` + `storageGetFile` byte for byte. Also a wrong token. The
 * transport is the page's own `fetch`, injected. No node:* import here.
 */
import { md5, toHex } from "@partwise/engine";
import { describe, expect, inject, test } from "vitest";
import { bytesOf, sameBytes, streamOf } from "../../../../test-support/bytes.ts";
import {
  type CavaticaUploadProgress,
  createCavaticaClient,
  isCavaticaError,
  upload,
} from "../../src/index.ts";

const { baseUrl, token, limits } = inject("cavatica");
const fetch = globalThis.fetch.bind(globalThis);
const client = createCavaticaClient({ baseUrl, token, limits, fetch });
const KiB = 1024;
const PROJECT = "browser/uploads";

async function downloaded(fileId: string): Promise<Uint8Array> {
  return client.storageGetFile(await client.getDownloadInfo(fileId));
}

/** Progress only grows and ends with every byte and part accepted. */
function expectProgress(events: readonly CavaticaUploadProgress[], size: number, parts: number): void {
  expect(events.length).toBeGreaterThan(0);
  for (let i = 1; i < events.length; i++) {
    expect(events[i]!.bytesAccepted).toBeGreaterThanOrEqual(events[i - 1]!.bytesAccepted);
  }
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

describe("Blobs", () => {
  test.each([
    [0, 1],
    [1, 1],
    [1024 * KiB + 1001, 5],
  ])("%i bytes in %i part(s) of 256 KiB, 3 in flight: read back byte-equal", async (size, parts) => {
    const bytes = bytesOf(size, size + 7);
    const events: CavaticaUploadProgress[] = [];
    const result = await upload(new Blob([bytes]), {
      wholeFileMd5: true,
      client,
      project: PROJECT,
      name: `blob-${size}.bin`,
      overwrite: true,
      partSize: 256 * KiB,
      concurrency: 3,
      onProgress: (event) => events.push(event),
    });
    expect(result).toMatchObject({
      name: `blob-${size}.bin`,
      size,
      parts,
      partSize: 256 * KiB,
      md5: toHex(await md5(bytes)),
    });
    expectProgress(events, size, parts);
    expect(sameBytes(await downloaded(result.id), bytes)).toBe(true);
  });
});

test("a ReadableStream of unknown length: cut as it is read, read back byte-equal", async () => {
  const size = 600 * KiB + 5;
  const parts = Math.ceil(size / (128 * KiB));
  const bytes = bytesOf(size, 5);
  const events: CavaticaUploadProgress[] = [];
  const result = await upload(streamOf(bytes, 10_007), {
    wholeFileMd5: true,
    baseUrl,
    token,
    limits,
    fetch,
    project: PROJECT,
    name: "stream.bin",
    overwrite: true,
    partSize: 128 * KiB,
    onProgress: (event) => events.push(event),
  });
  expect(result).toMatchObject({ size, parts, partSize: 128 * KiB, md5: toHex(await md5(bytes)) });
  expectProgress(events, size, parts);
  expect(sameBytes(await downloaded(result.id), bytes)).toBe(true);
});

test("CORS: a page on another origin reads the ETag of a storage PUT", async () => {
  expect(new URL(baseUrl).origin).not.toBe(location.origin);
  const upload = await client.initUpload(
    { project: PROJECT, name: "cors.bin", size: 1000 },
    { overwrite: true },
  );
  const partUrl = await client.getPartUrl(upload.upload_id, 1);
  const bytes = bytesOf(1000, 3);
  const stored = await client.storagePutPart(partUrl, bytes);
  expect(stored.etag).toBe(toHex(await md5(bytes)));
  await client.abortUpload(upload.upload_id);
});

test("a wrong token: PW_CAVATICA_HTTP 401 naming CV-AUTH, and the token appears nowhere", async () => {
  const wrong = "cv-wrong-token-Fq40Mn7Tb1";
  const error = await upload(new Blob(["hello\n"]), {
    wholeFileMd5: true,
    baseUrl,
    token: wrong,
    limits,
    fetch,
    project: PROJECT,
    name: "denied.txt",
  }).catch((caught: unknown) => caught);
  expect(isCavaticaError(error)).toBe(true);
  if (!isCavaticaError(error)) return;
  expect(error).toMatchObject({ code: "PW_CAVATICA_HTTP", status: 401, rule: "CV-AUTH", retryable: false });
  expect(error.message).not.toContain(wrong);
  expect(JSON.stringify(error.envelope)).not.toContain(wrong);
});
