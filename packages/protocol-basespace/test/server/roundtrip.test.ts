/**
 * Files of random sizes — 0, 1, the part limits and the limits ± 1 among them — go in as parts
 * sent in random order and concurrently, and come back byte-equal through the download endpoint
 * (BS-PART-ANY-ORDER, BS-COMPLETE-ORDER, BS-DOWNLOAD); 64 uploads under different tokens at once
 * never mix (BS-AUTH-ISOLATION).
 */
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { File } from "../../src/index.ts";
import {
  answer,
  bytesOf,
  Client,
  cut,
  md5Hex,
  shuffled,
  smallLimits,
  startServer,
  type TestServer,
} from "./helpers.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

const min = smallLimits.minPartSize;
const max = smallLimits.maxPartSize;
const interesting = [0, 1, min - 1, min, min + 1, max - 1, max, max + 1, 2 * max, 2 * max + 1, 3 * min];

test("random files uploaded as shuffled concurrent parts download byte-equal", async () => {
  const client = new Client(s.base, "roundtrip");
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(fc.constantFrom(...interesting), fc.integer({ min: 0, max: 4000 })),
      fc.integer({ min, max }),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      fc.infiniteStream(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })),
      async (size, partSize, concurrency, seed, randoms) => {
        const bytes = bytesOf(size, seed);
        const file = await client.initiate("1", `rt-${size}.bin`);
        const iterator = randoms[Symbol.iterator]();
        const queue = shuffled(cut(bytes, partSize), () => iterator.next().value as number);
        const workers = Array.from({ length: concurrency }, async () => {
          for (let part = queue.pop(); part; part = queue.pop()) {
            const answer = await client.putPart(file.Id, part.number, part.bytes);
            expect(answer.ETag).toBe(md5Hex(part.bytes));
          }
        });
        await Promise.all(workers);
        const done = await client.complete(file.Id);
        expect(done.Size).toBe(size);
        const back = await client.download(file.Id);
        expect(back.length).toBe(size);
        expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
      },
    ),
    { numRuns: 40 },
  );
});

test("64 concurrent uploads under different tokens never mix", async () => {
  const uploads = Array.from({ length: 64 }, (_, i) => ({
    client: new Client(s.base, `tenant-${i}`),
    appResult: String(5000 + i),
    bytes: bytesOf(2 * min + i, i + 1),
  }));
  const files = await Promise.all(
    uploads.map(async ({ client, appResult, bytes }) => {
      const file = await client.initiate(appResult, "same-name.bin");
      await Promise.all(cut(bytes, min).map((part) => client.putPart(file.Id, part.number, part.bytes)));
      await client.complete(file.Id);
      return file;
    }),
  );
  await Promise.all(
    uploads.map(async ({ client, appResult, bytes }, i) => {
      expect(Buffer.from(await client.download(files[i]!.Id)).equals(Buffer.from(bytes))).toBe(true);
      const list = await answer<{ Response: { Items: File[] } }>(
        await fetch(`${s.base}/appresults/${appResult}/files`, { headers: client.headers }),
        "FileListResponse",
      );
      expect(list.body.Response.Items.map((f) => f.Id)).toEqual([files[i]!.Id]);
      // A neighbour's file is invisible.
      const neighbour = files[(i + 1) % files.length]!;
      expect((await fetch(`${s.base}/files/${neighbour.Id}`, { headers: client.headers })).status).toBe(404);
    }),
  );
});
