/**
 * Random files in, the same bytes out (CV-COMPLETE-ORDER, CV-COMPLETE-FILE): sizes around the part
 * limits, parts sent in random order and concurrently, and many tokens uploading at once.
 * Small test limits (1 KiB minimum part) keep the properties fast; rules.test.ts checks the real
 * 5 MiB limit once.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  api,
  bytesOf,
  downloadBytes,
  type Harness,
  init,
  MiB,
  md5Hex,
  sendPart,
  split,
  startServer,
  uploadFile,
} from "./helpers.ts";

const KiB = 1024;
const MIN = KiB;
let h: Harness;

beforeAll(async () => {
  h = await startServer({ limits: { minPartSize: MIN } });
});
afterAll(() => h.close());

describe("round trips", () => {
  test("CV-COMPLETE-ORDER: random files in random part order and concurrency come back byte-equal", async () => {
    const size = fc.oneof(
      fc.constantFrom(0, 1, MIN - 1, MIN, MIN + 1, 2 * MIN, 2 * MIN + 1, 10 * MIN),
      fc.integer({ min: 0, max: 40 * KiB }),
    );
    const partSize = fc.constantFrom(MIN, MIN + 1, 3 * KiB, 8 * KiB);
    await fc.assert(
      fc.asyncProperty(
        size,
        partSize,
        fc.integer({ min: 1, max: 6 }),
        fc.integer(),
        async (n, ps, concurrency, seed) => {
          const bytes = bytesOf(n, seed);
          const count = split(bytes, ps).length;
          // A seeded permutation of the part indexes.
          const order = fc.sample(fc.shuffledSubarray([...Array(count).keys()], { minLength: count }), {
            seed,
            numRuns: 1,
          })[0]!;
          const file = await uploadFile(h, `token-${seed}`, bytes, {
            project: `owner/rt-${seed}`,
            partSize: ps,
            order,
            concurrency,
          });
          expect(file.size).toBe(n);
          expect(await downloadBytes(h, `token-${seed}`, file.id)).toEqual(bytes);
        },
      ),
      { numRuns: 40 },
    );
  });

  test("CV-AUTH-ISOLATION: 64 concurrent uploads under different tokens never mix", async () => {
    const tokens = Array.from({ length: 64 }, (_, i) => `concurrent-${i}`);
    const files = await Promise.all(
      tokens.map(async (token, i) => {
        const bytes = bytesOf(3 * KiB + i * 37, i + 1);
        // All in a project of the same *name*: claimed by the first, so each token uses its own.
        const file = await uploadFile(h, token, bytes, {
          project: `${token}/shared`,
          name: "same-name.bin",
          partSize: MIN,
          concurrency: 2,
        });
        return { token, bytes, file };
      }),
    );
    for (const { token, bytes, file } of files) {
      expect(md5Hex(await downloadBytes(h, token, file.id))).toBe(md5Hex(bytes));
      const listed = await api(h, "GET", "/upload/multipart", { token });
      expect((listed.body as { items: unknown[] }).items).toEqual([]);
    }
    const ids = new Set(files.map((f) => f.file.id));
    expect(ids.size).toBe(64);
    // One token cannot see another's file.
    expect((await api(h, "GET", `/files/${files[0]!.file.id}`, { token: tokens[1] })).status).toBe(404);
  });

  test("CV-LIST-PARTS: concurrent storage PUTs and reports of one upload lose no update", async () => {
    const token = "many-parts";
    const { upload_id } = await init(h, token, { project: "many/parts", name: "x", part_size: MIN });
    const numbers = Array.from({ length: 60 }, (_, i) => i + 1);
    await Promise.all(numbers.map((n) => sendPart(h, token, upload_id, n, bytesOf(MIN, n))));
    const details = await api(h, "GET", `/upload/multipart/${upload_id}?list_parts=true`, { token });
    expect((details.body as { uploaded_parts_count: number }).uploaded_parts_count).toBe(60);
    const done = await api(h, "POST", `/upload/multipart/${upload_id}/complete`, { token });
    expect(done.status).toBe(200);
    const expected = new Uint8Array(60 * MIN);
    for (const n of numbers) expected.set(bytesOf(MIN, n), (n - 1) * MIN);
    expect(md5Hex(await downloadBytes(h, token, (done.body as { id: string }).id))).toBe(md5Hex(expected));
  });

  test("CV-COMPLETE-ORDER: a file of several real 5 MiB parts streams in and out byte-equal", async () => {
    const real = await startServer();
    try {
      const bytes = bytesOf(15 * MiB + 1, 7);
      const file = await uploadFile(real, "t", bytes, {
        partSize: 5 * MiB,
        order: [3, 0, 2, 1],
        concurrency: 4,
      });
      expect(md5Hex(await downloadBytes(real, "t", file.id))).toBe(md5Hex(bytes));
    } finally {
      await real.close();
    }
  });
});
