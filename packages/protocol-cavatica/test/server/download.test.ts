/**
 * The download side of the storage emulator (`getDownloadInfo` → `storageGetFile`): a signed,
 * token-free URL serving the file's bytes with single-range support (RFC 9110 §14).
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api, bytesOf, download, type Harness, MiB, md5Hex, startServer, uploadFile } from "./helpers.ts";

const TOKEN = "reader";
let h: Harness;
const bytes = bytesOf(10_000, 3);
let fileId: string;

beforeAll(async () => {
  h = await startServer({ tokens: [TOKEN] });
  fileId = (await uploadFile(h, TOKEN, bytes, { project: "r/p", name: "ranges.bin" })).id;
});
afterAll(() => h.close());

describe("storageGetFile", () => {
  test("CV-COMPLETE-FILE: the download URL needs no token and serves the bytes with ETag and length", async () => {
    const response = await download(h, TOKEN, fileId);
    expect(response.status).toBe(200);
    expect(response.headers.get("etag")).toBe(`"${md5Hex(bytes)}"`);
    expect(response.headers.get("content-length")).toBe("10000");
    expect(response.headers.get("accept-ranges")).toBe("bytes");
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);
    const info = await api(h, "GET", `/files/${fileId}/download_info`, { token: TOKEN });
    const head = await fetch((info.body as { url: string }).url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe("10000");
  });

  test("CV-COMPLETE-FILE: any single byte range returns exactly those bytes with 206", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 9_999 }), fc.nat({ max: 12_000 }), async (start, length) => {
        const end = start + length;
        const response = await download(h, TOKEN, fileId, { range: `bytes=${start}-${end}` });
        expect(response.status).toBe(206);
        const last = Math.min(end, bytes.length - 1);
        expect(response.headers.get("content-range")).toBe(`bytes ${start}-${last}/${bytes.length}`);
        expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes.subarray(start, last + 1));
      }),
      { numRuns: 30 },
    );
    const suffix = await download(h, TOKEN, fileId, { range: "bytes=-100" });
    expect(suffix.status).toBe(206);
    expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(bytes.subarray(9_900));
    const open = await download(h, TOKEN, fileId, { range: "bytes=9990-" });
    expect(new Uint8Array(await open.arrayBuffer())).toEqual(bytes.subarray(9_990));
  });

  test("CV-COMPLETE-FILE: an unsatisfiable range is 416 with Content-Range; several ranges serve the whole file", async () => {
    const beyond = await download(h, TOKEN, fileId, { range: "bytes=10000-" });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe("bytes */10000");
    await beyond.body?.cancel();
    const many = await download(h, TOKEN, fileId, { range: "bytes=0-1,5-6" });
    expect(many.status).toBe(200);
    expect((await many.arrayBuffer()).byteLength).toBe(10_000);
  });

  test("CV-PART-URL-SIGNATURE: a tampered or expired download URL is refused with 403", async () => {
    const info = await api(h, "GET", `/files/${fileId}/download_info`, { token: TOKEN });
    const url = (info.body as { url: string }).url;
    const tampered = url.replace(/expires=(\d)/, (_, d: string) => `expires=${(Number(d) + 1) % 10}`);
    expect((await fetch(tampered)).status).toBe(403);
    const expired = await startServer({ tokens: [TOKEN], downloadUrlTtlMs: 0 });
    try {
      const file = await uploadFile(expired, TOKEN, bytesOf(5), { project: "r/p" });
      const response = await download(expired, TOKEN, file.id);
      expect(response.status).toBe(403);
      expect(((await response.json()) as { message: string }).message).toContain("CV-PART-URL-EXPIRY");
    } finally {
      await expired.close();
    }
  });

  test("CV-INIT-OVERWRITE: the download URL of a replaced file answers 404 / 5002", async () => {
    const first = await uploadFile(h, TOKEN, bytesOf(50, 1), { project: "r/over", name: "o.bin" });
    const info = await api(h, "GET", `/files/${first.id}/download_info`, { token: TOKEN });
    const started = await api(h, "POST", "/upload/multipart?overwrite=true", {
      token: TOKEN,
      body: { project: "r/over", name: "o.bin" },
    });
    expect(started.status).toBe(200);
    const { upload_id } = started.body as { upload_id: string };
    const part = await api(h, "GET", `/upload/multipart/${upload_id}/part/1`, { token: TOKEN });
    const put = await fetch((part.body as { url: string }).url, { method: "PUT", body: bytesOf(60, 2) });
    await api(h, "POST", `/upload/multipart/${upload_id}/part`, {
      token: TOKEN,
      body: { part_number: 1, response: { headers: { ETag: put.headers.get("etag")! } } },
    });
    expect((await api(h, "POST", `/upload/multipart/${upload_id}/complete`, { token: TOKEN })).status).toBe(
      200,
    );
    const old = await fetch((info.body as { url: string }).url);
    expect(old.status).toBe(404);
    expect(await old.json()).toMatchObject({ status: 404, code: 5002 });
  });

  test("CV-COMPLETE-FILE: a multipart file is its part blobs in order; ranges span them; overwriting deletes the old blobs", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "cv-download-"));
    const server = await startServer({ tokens: [TOKEN], dataDir });
    try {
      const big = bytesOf(10 * MiB + 777, 5);
      const file = await uploadFile(server, TOKEN, big, {
        project: "r/multi",
        name: "m.bin",
        partSize: 5 * MiB,
        order: [2, 0, 1],
      });
      const blobs = async () => (await readdir(join(dataDir, "blobs"))).sort();
      // Completion copied nothing: the three part blobs are all there is.
      const parts = await blobs();
      expect(parts).toHaveLength(3);
      const whole = await download(server, TOKEN, file.id);
      expect(whole.headers.get("content-length")).toBe(String(big.length));
      expect(whole.headers.get("etag")).toMatch(/^"[0-9a-f]{32}-3"$/);
      expect(md5Hex(new Uint8Array(await whole.arrayBuffer()))).toBe(md5Hex(big));
      for (const [start, end] of [
        [5 * MiB - 3, 5 * MiB + 2],
        [1, 10 * MiB + 5],
        [10 * MiB, 20 * MiB],
      ] as const) {
        const response = await download(server, TOKEN, file.id, { range: `bytes=${start}-${end}` });
        expect(response.status).toBe(206);
        const last = Math.min(end, big.length - 1);
        expect(response.headers.get("content-range")).toBe(`bytes ${start}-${last}/${big.length}`);
        expect(md5Hex(new Uint8Array(await response.arrayBuffer()))).toBe(
          md5Hex(big.subarray(start, last + 1)),
        );
      }
      // Completing an overwrite keeps the old blobs until the new file document replaces the old one.
      const started = await api(server, "POST", "/upload/multipart?overwrite=true", {
        token: TOKEN,
        body: { project: "r/multi", name: "m.bin" },
      });
      const { upload_id } = started.body as { upload_id: string };
      const part = await api(server, "GET", `/upload/multipart/${upload_id}/part/1`, { token: TOKEN });
      const put = await fetch((part.body as { url: string }).url, { method: "PUT", body: bytesOf(60, 2) });
      await api(server, "POST", `/upload/multipart/${upload_id}/part`, {
        token: TOKEN,
        body: { part_number: 1, response: { headers: { ETag: put.headers.get("etag")! } } },
      });
      expect(await blobs()).toHaveLength(4);
      expect(md5Hex(new Uint8Array(await (await download(server, TOKEN, file.id)).arrayBuffer()))).toBe(
        md5Hex(big),
      );
      const done = await api(server, "POST", `/upload/multipart/${upload_id}/complete`, { token: TOKEN });
      expect(done.status).toBe(200);
      const left = await blobs();
      expect(left).toHaveLength(1);
      expect(parts).not.toContain(left[0]);
      const replaced = await download(server, TOKEN, (done.body as { id: string }).id);
      expect(new Uint8Array(await replaced.arrayBuffer())).toEqual(bytesOf(60, 2));
    } finally {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
