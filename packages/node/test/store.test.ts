/** DiskStore: atomic blobs and JSON documents, key validation, limits, ranges, crash safety. */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  assertKey,
  BlobTooLargeError,
  DiskStore,
  InvalidStoreKeyError,
  isBodyAborted,
  isStorageError,
} from "../src/index.ts";
import { chunkedStream, cut, MiB, patternBytes, readAll } from "./helpers.ts";

let root: string;
let counter = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "partwise-store-test-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const freshDir = (): string => join(root, `store-${++counter}`);
const tmpFiles = (store: DiskStore): Promise<string[]> => readdir(join(store.dir, "tmp"));
const md5 = (bytes: Uint8Array): string => createHash("md5").update(bytes).digest("hex");
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

/** Random bytes and a random way to cut them into chunks (empty chunks included). */
const chunkedBytes = fc
  .tuple(
    fc.uint8Array({ maxLength: 3 * 1024 * 1024, size: "medium" }),
    fc.array(
      fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 1_500_000 })),
      {
        maxLength: 12,
      },
    ),
  )
  .map(([bytes, sizes]) => ({ bytes, chunks: cut(bytes, sizes) }));

async function* iterate(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}

describe("ingest and commit", () => {
  test("for any chunking of any bytes the committed blob equals the input and md5 matches node:crypto", async () => {
    const store = await DiskStore.open(freshDir());
    await fc.assert(
      fc.asyncProperty(chunkedBytes, fc.boolean(), async ({ bytes, chunks }, asWebStream) => {
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
        await staged.commit("blob");
        expect(md5(await store.readAll("blob"))).toBe(md5(bytes));
        expect(await store.size("blob")).toBe(bytes.length);
        expect(await tmpFiles(store)).toEqual([]);
      }),
      { numRuns: 25 },
    );
  });

  test("a source that reuses its chunk's memory after handing it over is still stored as sent", async () => {
    const store = await DiskStore.open(freshDir());
    const expected = patternBytes(3 * MiB + 17, 9);
    const shared = new Uint8Array(64 * 1024);
    async function* reusing(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < expected.length; at += shared.length) {
        const n = Math.min(shared.length, expected.length - at);
        shared.set(expected.subarray(at, at + n));
        yield shared.subarray(0, n);
      }
    }
    const staged = await store.ingest(reusing());
    await staged.commit("reused");
    expect(md5(await store.readAll("reused"))).toBe(md5(expected));
    expect(hex(staged.md5)).toBe(md5(expected));
  });

  test("a null body is an empty blob", async () => {
    const store = await DiskStore.open(freshDir());
    const staged = await store.ingest(null);
    expect(staged.size).toBe(0);
    expect(hex(staged.md5)).toBe("d41d8cd98f00b204e9800998ecf8427e");
    await staged.commit("empty");
    expect(await store.size("empty")).toBe(0);
  });

  test("transform sees every chunk before it is hashed and written", async () => {
    const store = await DiskStore.open(freshDir());
    const staged = await store.ingest(iterate([new Uint8Array([1, 2]), new Uint8Array([3])]), {
      transform: (chunk) => chunk.map((b) => b + 10),
    });
    await staged.commit("t");
    expect([...(await store.readAll("t"))]).toEqual([11, 12, 13]);
    expect(hex(staged.md5)).toBe(md5(new Uint8Array([11, 12, 13])));
  });

  test("committing replaces a blob of the same key atomically; a blob commits once", async () => {
    const store = await DiskStore.open(freshDir());
    await (await store.ingest(iterate([new Uint8Array([1])]))).commit("k");
    const second = await store.ingest(iterate([new Uint8Array([2, 2])]));
    await second.commit("k");
    expect([...(await store.readAll("k"))]).toEqual([2, 2]);
    await expect(second.commit("k2")).rejects.toThrow(/already/);
    await second.discard(); // a no-op now
    expect([...(await store.readAll("k"))]).toEqual([2, 2]);
  });

  test("committing under an invalid key throws and leaves the blob discardable", async () => {
    const store = await DiskStore.open(freshDir());
    const staged = await store.ingest(iterate([new Uint8Array([1, 2, 3])]));
    await expect(staged.commit("../escape")).rejects.toBeInstanceOf(InvalidStoreKeyError);
    expect(await tmpFiles(store)).toHaveLength(1);
    await staged.discard();
    expect(await tmpFiles(store)).toEqual([]);
    await expect(readFile(join(store.dir, "escape"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  test("a source that fails mid-way fails the ingest and leaves nothing behind", async () => {
    const store = await DiskStore.open(freshDir());
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield patternBytes(2 * MiB);
      throw Object.assign(new Error("aborted"), { code: "ECONNRESET" });
    }
    await expect(store.ingest(failing())).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(await tmpFiles(store)).toEqual([]);
  });
});

describe("maxBytes", () => {
  test("exactly maxBytes is accepted; one byte more is refused with nothing left in tmp", async () => {
    const store = await DiskStore.open(freshDir());
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 * MiB + 5 }),
        fc.array(fc.integer({ min: 1, max: 700_000 }), { maxLength: 6 }),
        async (limit, sizes) => {
          const exact = patternBytes(limit, limit + 1);
          const staged = await store.ingest(iterate(cut(exact, sizes)), { maxBytes: limit });
          expect(staged.size).toBe(limit);
          await staged.discard();

          const over = patternBytes(limit + 1, limit + 2);
          const refused = store.ingest(iterate(cut(over, sizes)), { maxBytes: limit });
          await expect(refused).rejects.toBeInstanceOf(BlobTooLargeError);
          await expect(refused).rejects.toMatchObject({ maxBytes: limit, code: "PW_STORE_BLOB_TOO_LARGE" });
          expect(await tmpFiles(store)).toEqual([]);
        },
      ),
      { numRuns: 20 },
    );
  });

  test("the refusal comes while the body streams: the source is not read to its end, and it is cancelled", async () => {
    const store = await DiskStore.open(freshDir());
    let pulled = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(64 * 1024));
      },
      cancel() {
        cancelled = true;
      },
    });
    await expect(store.ingest(endless, { maxBytes: MiB })).rejects.toBeInstanceOf(BlobTooLargeError);
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThanOrEqual(MiB / (64 * 1024) + 2);
    expect(await tmpFiles(store)).toEqual([]);
  });
});

describe("keys", () => {
  const KEY_CHARS = "abcXYZ019._-";
  /** The documented rule, written independently of the implementation. */
  const documented = (key: string): boolean =>
    key.length >= 1 &&
    key.length <= 200 &&
    /[A-Za-z0-9]/.test(key[0]!) &&
    [...key].every((c) => /[A-Za-z0-9._-]/.test(c)) &&
    !key.includes("..");
  const accepts = (key: string): boolean => {
    try {
      assertKey(key);
      return true;
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidStoreKeyError);
      return false;
    }
  };

  test("assertKey accepts exactly the documented alphabet", () => {
    const char = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...KEY_CHARS) },
      { weight: 1, arbitrary: fc.constantFrom("/", "\\", "\0", ":", " ", "~", "é", "%", "\n", "*", "?") },
      { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 1, unit: "binary" }) },
    );
    const key = fc.oneof(
      fc.array(char, { maxLength: 12 }).map((cs) => cs.join("")),
      fc.array(char, { minLength: 195, maxLength: 205 }).map((cs) => cs.join("")),
    );
    fc.assert(fc.property(key, (k) => accepts(k) === documented(k)));
  });

  test.each([
    "../x",
    "..",
    ".",
    "a/b",
    "a\\b",
    "/etc/passwd",
    "C:\\x",
    "a\0b",
    "",
    ".hidden",
    "-flag",
    "a..b",
    "x".repeat(201),
  ])("rejects %j everywhere a key is taken", async (key) => {
    const store = await DiskStore.open(freshDir());
    expect(() => assertKey(key)).toThrow(InvalidStoreKeyError);
    expect(() => store.blobPath(key)).toThrow(InvalidStoreKeyError);
    expect(() => store.read(key)).toThrow(InvalidStoreKeyError);
    await expect(store.readAll(key)).rejects.toBeInstanceOf(InvalidStoreKeyError);
    await expect(store.delete(key)).rejects.toBeInstanceOf(InvalidStoreKeyError);
    await expect(store.putJson(key, {})).rejects.toBeInstanceOf(InvalidStoreKeyError);
    await expect(store.getJson(key)).rejects.toBeInstanceOf(InvalidStoreKeyError);
    await expect(store.deleteJson(key)).rejects.toBeInstanceOf(InvalidStoreKeyError);
    await expect(store.concat([key])).rejects.toBeInstanceOf(InvalidStoreKeyError);
    // No blob can have such a key.
    expect(await store.size(key)).toBeUndefined();
  });

  test("the longest key, 200 characters, is accepted", () => {
    expect(() => assertKey("a".repeat(200))).not.toThrow();
    expect(() => assertKey("0.part-1_x")).not.toThrow();
  });
});

describe("concat, read, delete", () => {
  test("concat joins blobs in the order given", async () => {
    const store = await DiskStore.open(freshDir());
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 300_000 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (blobs, picks) => {
          for (const [i, bytes] of blobs.entries())
            await (await store.ingest(iterate([bytes]))).commit(`p${i}`);
          const order = picks.map((p) => p % blobs.length);
          const staged = await store.concat(order.map((i) => `p${i}`));
          const expected = Buffer.concat(order.map((i) => blobs[i]!));
          expect(staged.size).toBe(expected.length);
          expect(hex(staged.md5)).toBe(md5(expected));
          await staged.commit("joined");
          expect(md5(await store.readAll("joined"))).toBe(md5(expected));
        },
      ),
      { numRuns: 15 },
    );
  });

  test("openDigest reads blobs of sizes around the 1 MiB batch and the 4 KiB block, with and without direct I/O and the hash pool", async () => {
    const sizes = fc.oneof(
      fc.constantFrom(0, 1, 4095, 4096, 4097, MiB - 1, MiB, MiB + 1, 2 * MiB + 4096),
      fc.integer({ min: 0, max: 3 * MiB }),
    );
    const stores = [
      await DiskStore.open(freshDir()),
      await DiskStore.open(freshDir(), { directIo: false }),
      await DiskStore.open(freshDir(), { hashPool: null }),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.array(sizes, { minLength: 1, maxLength: 4 }),
        fc.nat({ max: 2 }),
        fc.integer(),
        async (blobSizes, which, seed) => {
          const store = stores[which]!;
          const blobs = blobSizes.map((n, i) => patternBytes(n, seed + i));
          const keys = blobs.map((_, i) => `d${seed & 0xffff}-${i}`);
          for (const [i, key] of keys.entries())
            await (await store.ingest(iterate([blobs[i]!]), { md5: false })).commit(key);
          const digest = store.openDigest();
          for (const key of keys) digest.append(key);
          expect(hex(await digest.digest())).toBe(md5(Buffer.concat(blobs)));
        },
      ),
      { numRuns: 15 },
    );
  });

  test("concat of a missing blob fails and leaves nothing in tmp", async () => {
    const store = await DiskStore.open(freshDir());
    await (await store.ingest(iterate([new Uint8Array([1])]))).commit("here");
    await expect(store.concat(["here", "missing"])).rejects.toMatchObject({ code: "ENOENT" });
    expect(await tmpFiles(store)).toEqual([]);
  });

  test("read streams a blob, or exactly its inclusive range", async () => {
    const store = await DiskStore.open(freshDir());
    const bytes = patternBytes(3 * MiB + 11, 4);
    await (await store.ingest(iterate([bytes]))).commit("big");
    expect(md5(await readAll(store.read("big")))).toBe(md5(bytes));
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: bytes.length - 1 }), fc.nat({ max: 2 * MiB }), async (start, length) => {
        const end = Math.min(start + length, bytes.length - 1);
        const got = await readAll(store.read("big", { start, end }));
        expect(got.length).toBe(end - start + 1);
        expect(md5(got)).toBe(md5(bytes.subarray(start, end + 1)));
      }),
      { numRuns: 30 },
    );
  });

  test("a range past the end reads what there is; a missing blob fails on first read", async () => {
    const store = await DiskStore.open(freshDir());
    await (await store.ingest(iterate([new Uint8Array([1, 2, 3])]))).commit("small");
    expect([...(await readAll(store.read("small", { start: 1, end: 99 })))]).toEqual([2, 3]);
    expect([...(await readAll(store.read("small", { start: 5, end: 9 })))]).toEqual([]);
    await expect(readAll(store.read("missing"))).rejects.toMatchObject({ code: "ENOENT" });
    expect(() => store.read("small", { start: -1, end: 2 })).toThrow(RangeError);
  });

  test("readMany streams blobs in order as one, or any inclusive range spanning their boundaries", async () => {
    const store = await DiskStore.open(freshDir());
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 40_000 }), { minLength: 1, maxLength: 5 }),
        fc.nat(),
        fc.nat({ max: 120_000 }),
        async (blobs, at, length) => {
          const keys = blobs.map((_, i) => `m${i}`);
          for (const [i, bytes] of blobs.entries())
            await (await store.ingest(iterate([bytes]))).commit(keys[i]!);
          const sizes = blobs.map((b) => b.length);
          const all = Buffer.concat(blobs);
          expect(md5(await readAll(store.readMany(keys, sizes)))).toBe(md5(all));
          const start = all.length === 0 ? 0 : at % all.length;
          const end = start + length;
          const got = await readAll(store.readMany(keys, sizes, { start, end }));
          expect(md5(got)).toBe(md5(all.subarray(start, end + 1)));
        },
      ),
      { numRuns: 30 },
    );
  });

  test("readMany opens no blob outside the range; a missing one fails the read; bad input throws", async () => {
    const store = await DiskStore.open(freshDir());
    await (await store.ingest(iterate([new Uint8Array([1, 2, 3])]))).commit("a");
    await (await store.ingest(iterate([new Uint8Array([4, 5])]))).commit("c");
    // "b" does not exist but lies outside the range, so it is never opened.
    expect([...(await readAll(store.readMany(["a", "b", "c"], [3, 0, 2], { start: 1, end: 4 })))]).toEqual([
      2, 3, 4, 5,
    ]);
    await expect(readAll(store.readMany(["a", "b"], [3, 4]))).rejects.toMatchObject({ code: "ENOENT" });
    expect([...(await readAll(store.readMany([], [])))]).toEqual([]);
    expect(() => store.readMany(["a"], [])).toThrow(RangeError);
    expect(() => store.readMany(["a"], [3], { start: -1, end: 2 })).toThrow(RangeError);
    expect(() => store.readMany(["../x"], [1])).toThrow(InvalidStoreKeyError);
  });

  test("a cancelled read releases the file", async () => {
    const store = await DiskStore.open(freshDir());
    await (await store.ingest(iterate([patternBytes(3 * MiB)]))).commit("c");
    const reader = store.read("c").getReader();
    await reader.read();
    await reader.cancel();
    await store.delete("c");
    expect(await store.size("c")).toBeUndefined();
  });

  test("delete removes blobs and ignores missing ones", async () => {
    const store = await DiskStore.open(freshDir());
    await (await store.ingest(iterate([new Uint8Array([1])]))).commit("a");
    await store.delete("a", "never-was");
    expect(await store.size("a")).toBeUndefined();
  });
});

describe("JSON documents", () => {
  test("put, get, list by prefix, delete", async () => {
    const store = await DiskStore.open(freshDir());
    await store.putJson("upload-2", { n: 2 });
    await store.putJson("upload-1", { n: 1 });
    await store.putJson("other", [1, "x"]);
    await store.putJson("upload-1", { n: 11 });
    expect(await store.getJson("upload-1")).toEqual({ n: 11 });
    expect(await store.getJson("missing")).toBeUndefined();
    expect(await store.listJson("upload-")).toEqual(["upload-1", "upload-2"]);
    expect(await store.listJson()).toEqual(["other", "upload-1", "upload-2"]);
    await store.deleteJson("upload-2");
    expect(await store.listJson("upload-")).toEqual(["upload-1"]);
    expect(await tmpFiles(store)).toEqual([]);
  });

  test("a value that cannot be written keeps the old document and leaves nothing in tmp", async () => {
    const store = await DiskStore.open(freshDir());
    await store.putJson("doc", { v: 1 });
    await expect(store.putJson("doc", { v: 2n })).rejects.toThrow(TypeError);
    await expect(store.putJson("doc", undefined)).rejects.toThrow(TypeError);
    expect(await store.getJson("doc")).toEqual({ v: 1 });
    expect(await tmpFiles(store)).toEqual([]);
  });
});

describe("permissions", () => {
  test("only the server's user can read the store: 0700 directories, 0600 blobs and documents", async () => {
    const dir = freshDir();
    await mkdir(dir, { mode: 0o755 });
    await mkdir(join(dir, "blobs"), { mode: 0o755 }); // left by an earlier version
    const store = await DiskStore.open(dir);
    const staged = await store.ingest(iterate([new Uint8Array([1, 2, 3])]));
    await staged.commit("blob");
    await store.putJson("signing-secret", { secret: "00" });
    const { stat } = await import("node:fs/promises");
    const mode = async (path: string) => (await stat(path)).mode & 0o777;
    for (const sub of ["blobs", "state", "tmp"])
      expect((await mode(join(dir, sub))).toString(8), sub).toBe("700");
    expect((await mode(join(dir, "blobs", "blob"))).toString(8)).toBe("600");
    expect((await mode(join(dir, "state", "signing-secret"))).toString(8)).toBe("600");
    const fresh = freshDir();
    await DiskStore.open(fresh);
    expect((await mode(fresh)).toString(8)).toBe("700");
  });
});

describe("durability", () => {
  test("opening a store sweeps temp files a crash left and keeps blobs and documents", async () => {
    const dir = freshDir();
    const store = await DiskStore.open(dir);
    await (await store.ingest(iterate([new Uint8Array([7])]))).commit("kept");
    await store.putJson("state", { ok: true });
    await store.ingest(iterate([new Uint8Array([8])])); // staged, never committed: a crash
    await writeFile(join(dir, "tmp", "half-written"), "x");
    await mkdir(join(dir, "tmp", "odd-dir"));
    const reopened = await DiskStore.open(dir);
    expect(await tmpFiles(reopened)).toEqual([]);
    expect([...(await reopened.readAll("kept"))]).toEqual([7]);
    expect(await reopened.getJson("state")).toEqual({ ok: true });
  });

  test("fsync: true stores the same way", async () => {
    const store = await DiskStore.open(freshDir(), { fsync: true });
    const staged = await store.ingest(iterate([patternBytes(1500)]));
    await staged.commit("synced");
    await store.putJson("synced", { a: 1 });
    expect(md5(await store.readAll("synced"))).toBe(md5(patternBytes(1500)));
    expect(await store.getJson("synced")).toEqual({ a: 1 });
  });

  test("a process killed with SIGKILL mid-write leaves only whole blobs and whole documents", async () => {
    const dir = freshDir();
    const script = fileURLToPath(new URL("./fixtures/store-writer.ts", import.meta.url));
    const child = spawn(process.execPath, ["--conditions=partwise-source", "--import", "tsx", script, dir], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        // Kill it well into its loop, with writes under way.
        if ((output.match(/\n/g) ?? []).length >= 20) resolve();
      });
      child.once("exit", (code) => reject(new Error(`writer exited early (${code}): ${output}`)));
    });
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));

    const store = await DiskStore.open(dir);
    expect(await tmpFiles(store)).toEqual([]);
    const doc = await store.getJson<{ round: number; filler: string }>("progress");
    expect(doc?.filler).toHaveLength(200_000);
    const blobs = await readdir(join(dir, "blobs"));
    expect(blobs.length).toBeGreaterThan(0);
    for (const key of blobs) {
      const round = Number(key.replace("blob-", ""));
      expect(md5(await store.readAll(key)), key).toBe(md5(patternBytes(256 * 1024 + round, round + 1)));
    }
  });
});

test("isStorageError names the disk's failures, isBodyAborted a body that broke off; neither takes the other's", () => {
  const withCode = (code: unknown) => Object.assign(new Error("x"), { code });
  for (const code of ["ENOSPC", "EDQUOT", "EIO", "EROFS", "EMFILE", "ENFILE", "EACCES", "EPERM"]) {
    expect(isStorageError(withCode(code))).toBe(true);
    expect(isBodyAborted(withCode(code))).toBe(false);
  }
  for (const code of ["ECONNRESET", "ECONNABORTED", "ERR_STREAM_PREMATURE_CLOSE"]) {
    expect(isBodyAborted(withCode(code))).toBe(true);
    expect(isStorageError(withCode(code))).toBe(false);
  }
  for (const value of [
    undefined,
    null,
    "ENOSPC",
    28,
    new Error("ENOSPC"),
    withCode(28),
    withCode("PW_STORE_BLOB_TOO_LARGE"),
  ]) {
    expect(isStorageError(value)).toBe(false);
    expect(isBodyAborted(value)).toBe(false);
  }
});

describe("storage failures as HTTP answers", () => {
  test("a full disk or quota is 507, running out of descriptors 503, other disk errors 500; others are not storage failures", async () => {
    const { storageFailure } = await import("../src/index.ts");
    const failure = (code: string) => storageFailure(Object.assign(new Error(code), { code }));
    expect(failure("ENOSPC")?.status).toBe(507);
    expect(failure("EDQUOT")?.status).toBe(507);
    expect(failure("EMFILE")?.status).toBe(503);
    expect(failure("EIO")?.status).toBe(500);
    expect(failure("ECONNRESET")).toBeUndefined();
    expect(failure("ENOSPC")?.message).not.toMatch(/\//);
  });
});
