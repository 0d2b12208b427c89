/**
 * Random files go in and come back byte-equal through the download endpoint: multipart uploads of
 * sizes around the (overridden) limits, and resumable uploads whose chunks are sent in random order,
 * concurrently, some of them twice (YF-CREATED, YF-RESUMABLE-POSITION, YF-RESUMABLE-CLOSE).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  bytesEqual,
  concat,
  download,
  downloadBytes,
  expectError,
  OTHER,
  postFile,
  pseudoRandomBytes,
  putChunk,
  startResumable,
  startServer,
  storedFiles,
  type TestServer,
  TOKEN,
  uploadOk,
} from "./helpers.ts";

const MULTIPART_MAX = 20_000;
const CHUNK_MAX = 1000;

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ multipartMaxSize: MULTIPART_MAX, chunkMaxSize: CHUNK_MAX });
});
afterAll(() => server.close());

const sizes = fc.oneof(
  fc.constantFrom(0, 1, 2, MULTIPART_MAX - 1, MULTIPART_MAX),
  fc.integer({ min: 0, max: MULTIPART_MAX }),
);

describe("multipart round trip", () => {
  test("YF-CREATED: random files of sizes 0, 1, the limit and limit-1 read back byte for byte; limit+1 is refused", async () => {
    await fc.assert(
      fc.asyncProperty(
        sizes.chain((size) => fc.uint8Array({ minLength: size, maxLength: size })),
        async (bytes) => {
          const file = await uploadOk(server.base, bytes, { name: `r${bytes.length}.bin` });
          expect(file.size).toBe(bytes.length);
          expect(bytesEqual(await downloadBytes(server.base, file.id), bytes)).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
    await expectError(
      await postFile(server.base, new Uint8Array(MULTIPART_MAX + 1)),
      413,
      "YF-MULTIPART-MAX-SIZE",
    );
  });
});

describe("resumable round trip", () => {
  const chunkSize = fc.oneof(
    fc.constantFrom(1, CHUNK_MAX - 1, CHUNK_MAX),
    fc.integer({ min: 0, max: CHUNK_MAX }),
  );
  const chunks = fc.array(
    chunkSize.chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
    { minLength: 2, maxLength: 12 },
  );

  test("YF-RESUMABLE-POSITION: chunks PUT in random order, concurrently and some twice, assemble by position", async () => {
    await fc.assert(
      fc.asyncProperty(
        chunks,
        fc.infiniteStream(fc.nat()),
        fc.uint8Array({ minLength: 1, maxLength: 50 }),
        async (parts, random, junk) => {
          const token = await startResumable(server.base, parts[0]!);
          const positions = parts.slice(1, -1).map((_, i) => i + 1);
          // Shuffle the middle positions; first send junk to one of them (a retry replaces it).
          const order = positions
            .map((p) => ({ p, k: random.next().value as number }))
            .sort((a, b) => a.k - b.k)
            .map((x) => x.p);
          if (order.length > 0)
            expect((await putChunk(server.base, token, order[0]!, junk)).status).toBe(202);
          const results = await Promise.all(order.map((p) => putChunk(server.base, token, p, parts[p]!)));
          for (const r of results) expect(r.status).toBe(202);
          const last = parts.length - 1;
          const closed = await putChunk(server.base, token, last, parts[last]!, { close: true });
          const file = (await closed.json()) as { id: string; size: number; numChunks: number };
          expect(closed.status).toBe(201);
          const expected = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
          let at = 0;
          for (const p of parts) {
            expected.set(p, at);
            at += p.length;
          }
          expect(file.size).toBe(expected.length);
          expect(file.numChunks).toBe(parts.length);
          // The ETag uploaders verify with is the MD5 of the bytes stored, retries and all.
          const md5 = createHash("md5").update(expected).digest("hex");
          const head = await download(server.base, file.id, TOKEN, { method: "HEAD" });
          expect(head.headers.get("etag")).toBe(`"${md5}"`);
          expect(bytesEqual(await downloadBytes(server.base, file.id), expected)).toBe(true);
        },
      ),
      { numRuns: 20 },
    );
  });

  test("two tokens' resumable uploads running at once never mix", async () => {
    const a = await startResumable(server.base, "A0", { businessTypeId: 1 });
    const b = await startResumable(server.base, "B0", { token: OTHER, businessTypeId: 2 });
    await Promise.all([
      ...[1, 2, 3].map((p) => putChunk(server.base, a, p, `A${p}`)),
      ...[1, 2, 3].map((p) => putChunk(server.base, b, p, `B${p}`, { token: OTHER })),
    ]);
    const [fa, fb] = await Promise.all([
      putChunk(server.base, a, 4, "A4", { close: true }).then((r) => r.json() as Promise<{ id: string }>),
      putChunk(server.base, b, 4, "B4", { close: true, token: OTHER }).then(
        (r) => r.json() as Promise<{ id: string }>,
      ),
    ]);
    expect(new TextDecoder().decode(await downloadBytes(server.base, fa.id, TOKEN))).toBe("A0A1A2A3A4");
    expect(new TextDecoder().decode(await downloadBytes(server.base, fb.id, OTHER))).toBe("B0B1B2B3B4");
  });
});

describe("a closed resumable upload is its chunks, never copied", () => {
  test("close writes no new blob; the chunks' running digest is the file's MD5 without a request for it; ranges span chunk boundaries; HEAD's ETag; a restart keeps it", async () => {
    const parts = [0, 1, 2, 3].map((i) => pseudoRandomBytes(CHUNK_MAX - i * 7, i + 11));
    const whole = concat(...parts);
    const md5 = createHash("md5").update(whole).digest("hex");
    const token = await startResumable(server.base, parts[0]!);
    for (const p of [1, 2]) expect((await putChunk(server.base, token, p, parts[p]!)).status).toBe(202);
    const before = await storedFiles(server.dataDir);
    const closed = await putChunk(server.base, token, 3, parts[3]!, { close: true });
    expect(closed.status).toBe(201);
    const file = (await closed.json()) as { id: string; size: number };
    expect(file.size).toBe(whole.length);
    const fileDoc = async () =>
      JSON.parse(await readFile(join(server.dataDir, "state", `file-${file.id}`), "utf8")) as {
        md5?: string;
      };
    // Hashed in the background as the chunks came in: cached with no HEAD or GET asking.
    await expect.poll(async () => (await fileDoc()).md5).toBe(md5);
    // The only blob added is the closing chunk itself.
    const added = (await storedFiles(server.dataDir)).filter((name) => !before.includes(name));
    expect(added).toEqual([`chunk-${token}-3`]);

    for (const [start, end] of [
      [0, 0],
      [CHUNK_MAX - 3, CHUNK_MAX + 5],
      [500, whole.length - 2],
      [whole.length - 1, whole.length - 1],
    ] as const) {
      const response = await download(server.base, file.id, TOKEN, {
        headers: { range: `bytes=${start}-${end}` },
      });
      expect(response.status).toBe(206);
      expect(response.headers.get("content-range")).toBe(`bytes ${start}-${end}/${whole.length}`);
      expect(bytesEqual(new Uint8Array(await response.arrayBuffer()), whole.slice(start, end + 1))).toBe(
        true,
      );
    }
    const beyond = await download(server.base, file.id, TOKEN, {
      headers: { range: `bytes=${whole.length}-` },
    });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe(`bytes */${whole.length}`);
    await beyond.body?.cancel();

    const head = await download(server.base, file.id, TOKEN, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("etag")).toBe(`"${md5}"`);
    expect(head.headers.get("content-length")).toBe(String(whole.length));
    const get = await download(server.base, file.id);
    expect(get.headers.get("etag")).toBe(`"${md5}"`);
    expect(bytesEqual(new Uint8Array(await get.arrayBuffer()), whole)).toBe(true);

    // The same data dir, restarted: the chunks are the file's and survive the startup sweep.
    const again = await startServer({ dataDir: server.dataDir, chunkMaxSize: CHUNK_MAX });
    try {
      expect(bytesEqual(await downloadBytes(again.base, file.id), whole)).toBe(true);
    } finally {
      await again.close();
    }
  });

  test("a chunk re-sent after it was hashed gives the running digest up; a whole-file GET then caches the MD5 it streamed; the closed token takes no more chunks", async () => {
    const parts = [pseudoRandomBytes(700, 3), pseudoRandomBytes(300, 4), pseudoRandomBytes(200, 5)];
    const whole = concat(...parts);
    const token = await startResumable(server.base, parts[0]!);
    // Chunks 0 and 1 go into the running digest; the re-sent chunk 1 (other bytes, then the right
    // ones) may differ from what it hashed, so the file's MD5 is left to the first request.
    expect((await putChunk(server.base, token, 1, pseudoRandomBytes(300, 9))).status).toBe(202);
    expect((await putChunk(server.base, token, 1, parts[1]!)).status).toBe(202);
    const closed = await putChunk(server.base, token, 2, parts[2]!, { close: true });
    const file = (await closed.json()) as { id: string };
    const first = await download(server.base, file.id);
    expect(first.headers.get("etag")).toBeNull();
    expect(bytesEqual(new Uint8Array(await first.arrayBuffer()), whole)).toBe(true);
    const md5 = createHash("md5").update(whole).digest("hex");
    await expect
      .poll(async () => (await download(server.base, file.id, TOKEN, { method: "HEAD" })).headers.get("etag"))
      .toBe(`"${md5}"`);
    await expectError(await putChunk(server.base, token, 2, "x"), 404, "YF-RESUMABLE-TOKEN");
  });
});
