import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, describe, expect, test } from "vitest";
import {
  BlobReadError,
  HashPool,
  HashPoolClosedError,
  HashWorkerError,
  poolWorkers,
  retainSharedHashPool,
  sharedHashPool,
} from "../src/hash-pool.ts";
import { DiskStore, isStorageError, storageFailure } from "../src/index.ts";
import { cut, MiB, md5Hex, patternBytes } from "./helpers.ts";

const pools: HashPool[] = [];
const dirs: string[] = [];
const newPool = (threads: number): HashPool => {
  const pool = new HashPool({ threads });
  pools.push(pool);
  return pool;
};
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

/** `bytes` in a SharedArrayBuffer, as the disk store hands batches to the pool. */
function shared(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(new SharedArrayBuffer(bytes.length));
  copy.set(bytes);
  return copy;
}

describe("HashPool", () => {
  test("streams hashed at once, on fewer workers than streams, each get their own MD5", async () => {
    const pool = newPool(2);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            size: fc.integer({ min: 0, max: 200_000 }),
            cuts: fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 4 }),
            sharedMemory: fc.boolean(),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        fc.nat(),
        async (specs, seed) => {
          const inputs = specs.map((spec, i) => patternBytes(spec.size, seed + i + 1));
          const digests = await Promise.all(
            specs.map(async (spec, i) => {
              const stream = pool.open();
              // Every update is posted before any is awaited: order is the pool's job.
              const updates = cut(inputs[i] as Uint8Array, spec.cuts).map((piece) =>
                stream.update(spec.sharedMemory ? shared(piece) : piece),
              );
              await Promise.all(updates);
              return hex(await stream.digest());
            }),
          );
          expect(digests, `seed ${seed}`).toEqual(inputs.map(md5Hex));
          expect(pool.running).toBeLessThanOrEqual(2);
        },
      ),
      { numRuns: 15 },
    );
  });

  test("a worker that dies fails its streams with HashWorkerError (no hang); the next stream gets a new worker", async () => {
    const pool = newPool(1);
    const stream = pool.open();
    await stream.update(shared(patternBytes(1000, 3)));
    const [worker] = poolWorkers(pool);
    expect(worker).toBeDefined();
    await worker?.terminate();
    await expect(stream.update(shared(patternBytes(10, 4)))).rejects.toBeInstanceOf(HashWorkerError);
    await expect(stream.digest()).rejects.toMatchObject({ code: "PW_HASH_WORKER_FAILED" });
    expect(pool.running).toBe(0);

    const next = pool.open();
    const bytes = patternBytes(5000, 5);
    await next.update(bytes);
    expect(hex(await next.digest())).toBe(md5Hex(bytes));
  });

  test("close fails the streams in progress with HashPoolClosedError; a later stream starts new workers", async () => {
    const pool = newPool(2);
    const stream = pool.open();
    const settled = (promise: Promise<unknown>) =>
      promise.then(
        () => "resolved",
        (error: unknown) => error,
      );
    const pending = settled(stream.update(shared(patternBytes(4 * MiB, 6))));
    const digest = settled(stream.digest());
    await pool.close();
    // The update may have been read before the close; the digest cannot come any more.
    const update = await pending;
    if (update !== "resolved") expect(update).toBeInstanceOf(HashPoolClosedError);
    expect(await digest).toMatchObject({ code: "PW_HASH_POOL_CLOSED" });
    expect(pool.running).toBe(0);

    const next = pool.open();
    await next.update(new Uint8Array([1, 2, 3]));
    expect(hex(await next.digest())).toBe(md5Hex(new Uint8Array([1, 2, 3])));
  });

  test("an aborted stream rejects its later calls, and the pool goes on", async () => {
    const pool = newPool(1);
    const stream = pool.open();
    await stream.update(new Uint8Array(10));
    stream.abort();
    await expect(stream.digest()).rejects.toBeInstanceOf(HashPoolClosedError);
    const next = pool.open();
    expect(hex(await next.digest())).toBe(createHash("md5").digest("hex"));
  });

  test("updateFromFile: the worker reads files itself (direct I/O or not) between updates; a missing file fails the stream with BlobReadError", async () => {
    const dir = await mkdtemp(join(tmpdir(), "partwise-hash-file-"));
    dirs.push(dir);
    const pool = newPool(1);
    const sizes = [0, 1, 4095, 4097, MiB, MiB + 4096 + 3];
    const files = sizes.map((n, i) => patternBytes(n, i + 3));
    for (const [i, bytes] of files.entries()) await writeFile(join(dir, `f${i}`), bytes);
    for (const directIo of [true, false]) {
      const stream = pool.open();
      const head = patternBytes(777, 1);
      await stream.update(shared(head));
      for (const i of files.keys()) await stream.updateFromFile(join(dir, `f${i}`), { directIo });
      expect(hex(await stream.digest())).toBe(md5Hex(Buffer.concat([head, ...files])));
    }
    const broken = pool.open();
    const failure = await broken.updateFromFile(join(dir, "missing")).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BlobReadError);
    expect((failure as BlobReadError).code).toBe("ENOENT");
    await expect(broken.digest()).rejects.toBeInstanceOf(BlobReadError);
    const next = pool.open();
    expect(hex(await next.digest())).toBe(createHash("md5").digest("hex"));
  });

  test("threads must be a positive integer", () => {
    expect(() => new HashPool({ threads: 0 })).toThrow(RangeError);
    expect(() => new HashPool({ threads: 1.5 })).toThrow(RangeError);
  });

  test("the shared pool stops its threads when its last holder releases it", async () => {
    const first = retainSharedHashPool();
    const second = retainSharedHashPool();
    const stream = sharedHashPool().open();
    await stream.update(new Uint8Array(4));
    await stream.digest();
    expect(sharedHashPool().running).toBeGreaterThan(0);
    await first();
    await first(); // a second release of the same hold is a no-op
    expect(sharedHashPool().running).toBeGreaterThan(0);
    await second();
    expect(sharedHashPool().running).toBe(0);
  });

  test("closeWhenIdle lets the streams in progress finish, then stops their workers", async () => {
    const pool = newPool(2);
    const busy = pool.open();
    const idle = pool.open();
    await idle.update(new Uint8Array(1));
    await idle.digest(); // its worker is idle now
    const first = patternBytes(100_000, 12);
    await busy.update(first);
    expect(pool.running).toBe(2);
    const exits = poolWorkers(pool).map((worker) => new Promise((resolve) => worker.once("exit", resolve)));
    await pool.closeWhenIdle();
    expect(pool.running).toBe(0);
    const second = patternBytes(50_000, 13);
    await busy.update(second);
    const whole = new Uint8Array(first.length + second.length);
    whole.set(first);
    whole.set(second, first.length);
    expect(hex(await busy.digest())).toBe(md5Hex(whole));
    // The busy worker stops once its stream is done (else this waits until the test times out).
    await Promise.all(exits);
    const next = pool.open();
    await next.update(new Uint8Array([9]));
    expect(hex(await next.digest())).toBe(md5Hex(new Uint8Array([9])));
    expect(pool.running).toBe(1);
  });
});

describe("DiskStore on a hash pool", () => {
  test("a blob of several batches is hashed on the pool's workers, with the right MD5", async () => {
    const pool = newPool(2);
    const dir = await mkdtemp(join(tmpdir(), "partwise-hash-store-"));
    dirs.push(dir);
    const store = await DiskStore.open(dir, { hashPool: pool });
    const data = patternBytes(3 * MiB + 12_345, 9);
    const blob = await store.ingest(
      (async function* () {
        yield* cut(data, [65_536]);
      })(),
    );
    expect(hex(blob.md5)).toBe(md5Hex(data));
    expect(pool.running).toBeGreaterThan(0);
    await blob.discard();
  });

  test("a hash worker dying mid-blob fails the ingest as a server error (5xx) and leaves no temp file", async () => {
    const pool = newPool(1);
    const dir = await mkdtemp(join(tmpdir(), "partwise-hash-store-"));
    dirs.push(dir);
    const store = await DiskStore.open(dir, { hashPool: pool });
    async function* body(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 8; i++) {
        yield patternBytes(MiB, i + 1);
        // After the first full batch the stream lives on a worker: kill it.
        if (i === 2) await Promise.all(poolWorkers(pool).map((worker) => worker.terminate()));
      }
    }
    const failure = await store.ingest(body()).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(HashWorkerError);
    expect(isStorageError(failure)).toBe(true);
    expect(storageFailure(failure)?.status).toBe(500);
    expect(await readdir(join(dir, "tmp"))).toEqual([]);
  });
});

test("threads never keep a process alive: one whose server was closed, or whose pool nobody closed, exits by itself", async () => {
  const script = fileURLToPath(new URL("./fixtures/hash-pool-exit.ts", import.meta.url));
  const child = spawn(process.execPath, ["--conditions=partwise-source", "--import", "tsx", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  // A leaked thread would keep the child alive: the test would then time out.
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  expect(code).toBe(0);
  expect(JSON.parse(out.trim())).toEqual({
    md5Ok: true,
    sharedWorkers: 1,
    sharedRunningAfterClose: 0,
    ownWorkers: 1,
  });
  // A child Node with the TypeScript loader: seconds on a quiet machine, a minute or more on a
  // loaded one. Only a hang should fail it.
}, 300_000);
