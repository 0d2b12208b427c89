/**
 * The storage port's contract (`Store`, src/store.ts), one suite run against every adapter
 * (store-contract.test.ts): atomic part writes, replace on re-send, reads and ranges across parts,
 * delete, listing, JSON state. Bodies are small and property runs few: it runs on a real S3 too.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { BlobDigestClosedError, BlobTooLargeError, InvalidStoreKeyError, type Store } from "../src/index.ts";
import { chunkedStream, cut, patternBytes, readAll } from "./helpers.ts";

const md5 = (bytes: Uint8Array): string => createHash("md5").update(bytes).digest("hex");
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

async function* iterate(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}

let serial = 0;
/** A key no other test of this run uses. */
const freshKey = (label: string): string =>
  `t-${label}-${++serial}-${Math.random().toString(36).slice(2, 8)}`;

async function put(store: Store, key: string, bytes: Uint8Array): Promise<void> {
  const staged = await store.ingest(iterate([bytes]));
  await staged.commit(key);
}

/** Runs the contract against the store `open` returns (called once per test). */
export function storeContract(name: string, open: () => Promise<Store>, numRuns = 8): void {
  describe(`Store contract: ${name}`, () => {
    test("any bytes in any chunking read back whole, with their size and MD5", async () => {
      const store = await open();
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 200_000 }),
          fc.array(fc.integer({ min: 0, max: 70_000 }), { maxLength: 6 }),
          fc.boolean(),
          async (bytes, sizes, asWebStream) => {
            const chunks = cut(bytes, sizes);
            const staged = await store.ingest(
              asWebStream
                ? chunkedStream(
                    bytes,
                    chunks.map((c) => c.length),
                  )
                : iterate(chunks),
            );
            expect(staged.size).toBe(bytes.length);
            expect(hex(staged.md5)).toBe(md5(bytes));
            const key = freshKey("any");
            await staged.commit(key);
            expect(await store.size(key)).toBe(bytes.length);
            expect(md5(await store.readAll(key))).toBe(md5(bytes));
            expect(md5(await readAll(store.read(key)))).toBe(md5(bytes));
          },
        ),
        { numRuns },
      );
    });

    test("a staged blob is invisible until committed; discarding it leaves nothing", async () => {
      const store = await open();
      const key = freshKey("staged");
      const staged = await store.ingest(iterate([patternBytes(1000)]));
      expect(await store.size(key)).toBeUndefined();
      await staged.discard();
      expect(await store.size(key)).toBeUndefined();
      await expect(staged.commit(key)).rejects.toThrow();
      expect(await store.size(key)).toBeUndefined();
      expect(await store.listBlobs(key)).toEqual([]);
    });

    test("committing under an invalid key throws InvalidStoreKeyError and leaves the blob discardable", async () => {
      const store = await open();
      const staged = await store.ingest(iterate([patternBytes(10)]));
      await expect(staged.commit("../escape")).rejects.toBeInstanceOf(InvalidStoreKeyError);
      await staged.discard();
      expect(await store.size("../escape")).toBeUndefined();
    });

    test("a part sent again replaces the first copy (longer or shorter); a blob commits once", async () => {
      const store = await open();
      const key = freshKey("resend");
      const first = patternBytes(50_000, 3);
      const second = patternBytes(20_000, 4);
      await put(store, key, first);
      const staged = await store.ingest(iterate([second]));
      await staged.commit(key);
      await expect(staged.commit(key)).rejects.toThrow();
      expect(await store.size(key)).toBe(second.length);
      expect(md5(await store.readAll(key))).toBe(md5(second));
    });

    test("a body past maxBytes is refused with BlobTooLargeError and nothing is stored", async () => {
      const store = await open();
      await expect(store.ingest(iterate([patternBytes(101)]), { maxBytes: 100 })).rejects.toBeInstanceOf(
        BlobTooLargeError,
      );
      const exact = await store.ingest(iterate([patternBytes(100)]), { maxBytes: 100 });
      expect(exact.size).toBe(100);
      await exact.discard();
    });

    test("readMany reads blobs in order as one, or any inclusive range across their boundaries", async () => {
      const store = await open();
      const sizes = [0, 7, 70_000, 1, 33_333];
      const blobs = sizes.map((size, i) => patternBytes(size, i + 11));
      const keys = sizes.map(() => freshKey("many"));
      for (const [i, key] of keys.entries()) await put(store, key, blobs[i]!);
      const whole = Buffer.concat(blobs);
      expect(md5(await readAll(store.readMany(keys, sizes)))).toBe(md5(whole));
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: whole.length - 1 }),
          fc.integer({ min: 0, max: whole.length + 10 }),
          async (a, b) => {
            const start = Math.min(a, b);
            const end = Math.max(a, b);
            const got = await readAll(store.readMany(keys, sizes, { start, end }));
            expect(md5(got)).toBe(md5(whole.subarray(start, end + 1)));
          },
        ),
        { numRuns: numRuns * 2 },
      );
    });

    test("read takes an inclusive range; a range past the end reads what there is; a missing blob fails on first read", async () => {
      const store = await open();
      const key = freshKey("range");
      const bytes = patternBytes(10_000, 5);
      await put(store, key, bytes);
      expect(md5(await readAll(store.read(key, { start: 100, end: 199 })))).toBe(
        md5(bytes.subarray(100, 200)),
      );
      expect(md5(await readAll(store.read(key, { start: 9_990, end: 20_000 })))).toBe(
        md5(bytes.subarray(9_990)),
      );
      expect((await readAll(store.read(key, { start: 10_000, end: 20_000 }))).length).toBe(0);
      expect(() => store.read(key, { start: -1, end: 3 })).toThrow(RangeError);
      await expect(readAll(store.read(freshKey("missing")))).rejects.toThrow();
    });

    test("concat joins blobs in the order given into a new staged blob", async () => {
      const store = await open();
      const a = patternBytes(3000, 6);
      const b = patternBytes(5000, 7);
      const [ka, kb, kc] = [freshKey("ca"), freshKey("cb"), freshKey("cc")];
      await put(store, ka, a);
      await put(store, kb, b);
      const staged = await store.concat([kb, ka]);
      expect(hex(staged.md5)).toBe(md5(Buffer.concat([b, a])));
      await staged.commit(kc);
      expect(md5(await store.readAll(kc))).toBe(md5(Buffer.concat([b, a])));
    });

    test("ingest with md5: false stores the same bytes (the disk store hashes nothing)", async () => {
      const store = await open();
      const bytes = patternBytes(70_001, 8);
      const staged = await store.ingest(iterate(cut(bytes, [30_000, 7])), { md5: false });
      expect(staged.size).toBe(bytes.length);
      if (staged.md5 !== undefined) expect(hex(staged.md5)).toBe(md5(bytes));
      const key = freshKey("unhashed");
      await staged.commit(key);
      expect(md5(await store.readAll(key))).toBe(md5(bytes));
    });

    test("openDigest: the MD5 of the blobs appended, in order, as one, whenever they are appended", async () => {
      const store = await open();
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 0, max: 90_000 }), { maxLength: 5 }),
          fc.nat({ max: 5 }),
          fc.integer(),
          async (sizes, appendedEarly, seed) => {
            const blobs = sizes.map((n, i) => patternBytes(n, (seed + i) & 0xff));
            const keys = blobs.map(() => freshKey("digest"));
            const digest = store.openDigest();
            // Some blobs are appended before the later ones exist, as chunks arrive.
            for (const [i, key] of keys.entries()) {
              await put(store, key, blobs[i]!);
              if (i < appendedEarly) digest.append(key);
            }
            for (const key of keys.slice(Math.min(appendedEarly, keys.length))) digest.append(key);
            expect(digest.keys).toEqual(keys);
            expect(hex(await digest.digest())).toBe(md5(Buffer.concat(blobs)));
            expect(() => digest.append(keys[0] ?? freshKey("late"))).toThrow(BlobDigestClosedError);
          },
        ),
        { numRuns },
      );
    });

    test("openDigest: a missing blob rejects digest(); an aborted digest rejects too", async () => {
      const store = await open();
      const key = freshKey("present");
      await put(store, key, patternBytes(5000, 9));
      const missing = store.openDigest();
      missing.append(key);
      missing.append(freshKey("missing"));
      await expect(missing.digest()).rejects.toThrow();
      const aborted = store.openDigest();
      aborted.append(key);
      aborted.abort();
      await expect(aborted.digest()).rejects.toThrow(BlobDigestClosedError);
    });

    test("delete removes blobs and ignores missing ones; listBlobs lists by prefix", async () => {
      const store = await open();
      const prefix = freshKey("list");
      const keys = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];
      for (const key of keys) await put(store, key, patternBytes(10));
      expect(await store.listBlobs(prefix)).toEqual(keys);
      await store.delete(keys[0]!, `${prefix}-never`);
      expect(await store.size(keys[0]!)).toBeUndefined();
      expect(await store.listBlobs(prefix)).toEqual(keys.slice(1));
      await store.delete(...keys);
      expect(await store.listBlobs(prefix)).toEqual([]);
      await store.delete();
    });

    test("JSON documents: put, get, replace, list by prefix, delete", async () => {
      const store = await open();
      const prefix = freshKey("doc");
      await store.putJson(`${prefix}-1`, { a: 1 });
      await store.putJson(`${prefix}-2`, { b: [2] });
      await store.putJson(`${prefix}-1`, { a: 3 });
      expect(await store.getJson(`${prefix}-1`)).toEqual({ a: 3 });
      expect(await store.listJson(prefix)).toEqual([`${prefix}-1`, `${prefix}-2`]);
      await store.deleteJson(`${prefix}-1`);
      expect(await store.getJson(`${prefix}-1`)).toBeUndefined();
    });
  });
}
