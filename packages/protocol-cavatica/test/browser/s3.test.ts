/**
 * CAVATICA on a real S3 in Chromium: the page uploads a Blob in several parts, each PUT straight to
 * RGW's presigned UploadPart URL (cross-origin: the bucket's CORS rule must expose `ETag`, which
 * the uploader compares with the part's MD5), then reads the file back through its presigned GET.
 * Runs when the run has a gateway (`PARTWISE_S3_ENV`, CI); skipped otherwise.
 */
import { md5, toHex } from "@partwise/engine";
import { expect, inject, test } from "vitest";
import { bytesOf, sameBytes } from "../../../../test-support/bytes.ts";
import { createCavaticaClient, upload } from "../../src/index.ts";

const { token, limits } = inject("cavatica");
const s3 = inject("cavaticaS3");
const KiB = 1024;

test.skipIf(s3 === undefined)(
  "a Blob uploads in parts PUT straight to RGW, and reads back byte-equal",
  async () => {
    if (s3 === undefined) return;
    const puts: string[] = [];
    const pageFetch = globalThis.fetch.bind(globalThis);
    const fetch: typeof globalThis.fetch = (input, init) => {
      if (init?.method === "PUT") puts.push(String(input instanceof Request ? input.url : input));
      return pageFetch(input, init);
    };
    const client = createCavaticaClient({ baseUrl: s3.baseUrl, token, limits, fetch });
    const bytes = bytesOf(700 * KiB + 3, 11);
    const result = await upload(new Blob([bytes]), {
      wholeFileMd5: true,
      client,
      project: "browser/s3",
      name: "on-s3.bin",
      overwrite: true,
      partSize: 256 * KiB,
      concurrency: 2,
    });
    expect(result).toMatchObject({ size: bytes.length, parts: 3, md5: toHex(await md5(bytes)) });
    expect(puts).toHaveLength(3);
    for (const url of puts) expect(url.startsWith(`${s3.s3Endpoint}/`)).toBe(true);
    const info = await client.getDownloadInfo(result.id);
    expect(info.url.startsWith(`${s3.s3Endpoint}/`)).toBe(true);
    expect(sameBytes(await client.storageGetFile(info), bytes)).toBe(true);
  },
);
