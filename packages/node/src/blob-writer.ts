/**
 * How the disk store writes a blob: the bytes are copied into 1 MiB batch buffers, and each full
 * batch is written while the next one fills (one write in flight), so a GiB costs about a
 * thousand writes whatever the size of the chunks it arrives in.
 *
 * Where the OS and the filesystem allow it (Linux `O_DIRECT`; ext4, xfs, btrfs, tmpfs since 6.6),
 * batches are written with direct I/O: the disk reads them straight from our buffer, so no page
 * cache page is filled (and first touched) for data nobody reads back soon. That is what object
 * stores do for the same reason (MinIO writes objects with `O_DIRECT` on Linux). On this project's
 * VMs a buffered GiB costs 1.4–2.5 CPU s of page-cache copies and faults (`dd`: 2.46 s of system
 * time) against 0.12 s with direct I/O; the upload benches show it (bench/upload-*.bench.ts).
 *
 * Direct I/O needs the buffer, the length and the file offset aligned to the device's block: the
 * batch buffers are page-aligned (see `BatchBufferPool`), every batch but the last is a whole
 * MiB, and the last one's tail that is not a whole 4 KiB block goes through an ordinary (buffered)
 * handle on the same file. Whenever the kernel refuses a direct write (EINVAL: an alignment it
 * does not accept, a filesystem without direct I/O), the writer falls back to buffered writes for
 * the rest of the blob, so direct I/O is only ever an optimisation: the bytes on disk are the same.
 * Either way a write has returned before the blob is committed, so a blob survives a SIGKILL of
 * the server (the store's `fsync` option adds power-loss durability, as before).
 *
 * The writer also computes the blob's MD5. Each full batch goes to a hash worker (hash-pool.ts)
 * as soon as it is full, so the MD5 of one batch runs on another core while the next one fills
 * from the socket and the one before is written; the batch returns to the pool once both its
 * write and its hash are done. A blob smaller than a batch is hashed on the calling thread.
 */
import { createHash, type Hash } from "node:crypto";
import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import type { HashPool, HashStream } from "./hash-pool.ts";

/** The size of a batch, a multiple of every block size direct I/O may require. */
export const BATCH_BYTES: number = 1024 * 1024;
const BLOCK_BYTES = 4096;

/**
 * Batch buffers that start on a page boundary, recycled across blobs. V8 places the memory of a
 * growable `SharedArrayBuffer` (`new SharedArrayBuffer(n, { maxByteLength })`) in pages of its
 * own, so it starts page-aligned, as direct I/O needs; nothing depends on it, though: a buffer
 * that were not aligned would only make the writer fall back to buffered writes. Being shared, a
 * batch reaches a hash worker (hash-pool.ts) without a copy. At most `keep` free buffers are
 * kept; more are left to the GC.
 *
 * The batches are `Buffer`s so that bytes are copied in with `Buffer#fill` (see `copyInto`).
 */
/** `SharedArrayBuffer` with ES2024's growable form (Node 20+), which the project's ES2023 lib does not declare. */
const GrowableSharedArrayBuffer = SharedArrayBuffer as unknown as new (
  byteLength: number,
  options: { maxByteLength: number },
) => SharedArrayBuffer;

export class BatchBufferPool {
  private readonly free: Buffer[] = [];

  constructor(private readonly keep = 16) {}

  acquire(): Buffer {
    return (
      this.free.pop() ??
      Buffer.from(new GrowableSharedArrayBuffer(BATCH_BYTES, { maxByteLength: BATCH_BYTES }))
    );
  }

  release(buffer: Buffer): void {
    if (this.free.length < this.keep) this.free.push(buffer);
  }
}

/**
 * Copies `bytes` into `target` (shared memory) at `offset`. Not with `target.set(bytes, offset)`:
 * V8 copies into a `SharedArrayBuffer` with relaxed atomic stores, a machine word at a time only
 * when source and target are aligned alike, else ONE BYTE at a time, which is what socket reads of
 * odd lengths give (65,483 bytes, then 32,771…). `Buffer#fill` with a buffer as the value is a
 * plain `memcpy` in Node's C++ when the range is exactly the value's length: on this project's VMs
 * a GiB of real request chunks cost 0.43–0.66 CPU s with `set` (and `Buffer#copy`, which uses it)
 * against 0.18–0.20 with `fill`, the chunks' own allocation included.
 */
export function copyInto(target: Buffer, bytes: Uint8Array, offset: number): void {
  if (bytes.length > 0) target.fill(bytes, offset, offset + bytes.length);
}

export interface BlobWriterOptions {
  readonly pool: BatchBufferPool;
  /** Try direct I/O (default true); it is used only where the OS and the filesystem accept it. */
  readonly directIo?: boolean;
  /**
   * Where full batches are hashed (MD5): on this pool's worker threads, overlapping the network
   * and the disk. Without one, or for a blob that never fills a batch (the round trip to a worker
   * would cost more than the hash), the writer hashes on the calling thread.
   */
  readonly hashPool?: HashPool | undefined;
  /** Compute the blob's MD5 (default true); false: `end()` resolves with undefined and nothing is hashed. */
  readonly md5?: boolean;
}

const DONE: Promise<void> = Promise.resolve();

/** Writes `length` bytes of `buffer` from `offset` at `position`, looping over short writes. */
async function writeFully(
  file: FileHandle,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesWritten } = await file.write(buffer, offset + done, length - done, position + done);
    if (bytesWritten <= 0) throw new Error(`write returned ${bytesWritten} bytes`);
    done += bytesWritten;
  }
}

/** One blob being written from its first byte to its last; see the module comment. */
export class BlobWriter {
  private batch: Buffer | undefined;
  private filled = 0;
  /** Bytes handed to writes so far: where the next batch goes. */
  private position = 0;
  /** The last batch's write and hash; its batch is back in the pool once both are done. */
  private writing: Promise<void> = DONE;
  private hashStream: HashStream | undefined;
  private inlineHash: Hash | undefined;
  private digested = false;

  private constructor(
    private readonly file: FileHandle,
    private direct: FileHandle | undefined,
    private readonly pool: BatchBufferPool,
    private readonly hashPool: HashPool | undefined,
    private readonly md5: boolean,
  ) {}

  /** Creates (or truncates) the file at `path`. */
  static async create(path: string, options: BlobWriterOptions): Promise<BlobWriter> {
    const file = await open(path, "w", 0o600);
    let direct: FileHandle | undefined;
    const flag = constants.O_DIRECT as number | undefined;
    if ((options.directIo ?? true) && flag !== undefined) {
      try {
        direct = await open(path, constants.O_WRONLY | flag);
      } catch {
        direct = undefined; // not on this filesystem: buffered writes only
      }
    }
    return new BlobWriter(file, direct, options.pool, options.hashPool, options.md5 ?? true);
  }

  /** True while batches still go out with direct I/O. */
  get directIo(): boolean {
    return this.direct !== undefined;
  }

  /**
   * Copies `chunk` into the current batch; resolves once it is copied (waiting, when a batch is
   * full, for the previous batch's write). The caller may reuse `chunk` as soon as it resolves.
   */
  async write(chunk: Uint8Array): Promise<void> {
    for (let at = 0; at < chunk.length; ) {
      this.batch ??= this.pool.acquire();
      const n = Math.min(chunk.length - at, BATCH_BYTES - this.filled);
      copyInto(this.batch, n === chunk.length ? chunk : chunk.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled === BATCH_BYTES) await this.flush();
    }
  }

  /** Writes what is left, waits for every write and returns the MD5 of every byte written (unless `md5: false`). */
  async end(): Promise<Uint8Array | undefined> {
    await this.flush(true);
    await this.writing;
    this.digested = true;
    if (!this.md5) return undefined;
    if (this.hashStream) return this.hashStream.digest();
    return new Uint8Array((this.inlineHash ?? createHash("md5")).digest());
  }

  async sync(): Promise<void> {
    await this.file.sync();
  }

  /** Closes the file; after a failure, waits for (and ignores) the write in flight first. */
  async close(): Promise<void> {
    await this.writing.catch(() => {});
    if (!this.digested) this.hashStream?.abort();
    this.digested = true;
    if (this.batch) this.pool.release(this.batch);
    this.batch = undefined;
    const direct = this.direct;
    this.direct = undefined;
    await Promise.all([this.file.close(), direct?.close()]);
  }

  /**
   * Hands the batch to the hasher at once (a worker starts on it while the previous batch is still
   * being written), then writes it once the previous write is done: one write in flight, one
   * batch queued for hashing, one filling.
   */
  private async flush(final = false): Promise<void> {
    const batch = this.batch;
    const length = this.filled;
    if (batch === undefined || length === 0) return;
    this.batch = undefined;
    this.filled = 0;
    const position = this.position;
    this.position += length;
    const hashed = this.hash(batch.subarray(0, length), final);
    hashed.catch(() => {}); // awaited below, with the write
    await this.writing;
    this.writing = Promise.all([this.writeAt(batch, length, position), hashed]).then(
      () => this.pool.release(batch),
      (error: unknown) => {
        // A batch a worker may still be reading is not reused: it is left to the GC.
        if (this.hashStream === undefined) this.pool.release(batch);
        throw error;
      },
    );
    // Handled here and awaited later (`end`, the next flush): never an unhandled rejection.
    this.writing.catch(() => {});
  }

  /** Adds `bytes` to the digest: on a pool worker from the first full batch on, else here. */
  private hash(bytes: Uint8Array, final: boolean): Promise<void> {
    if (!this.md5) return DONE;
    if (this.hashStream === undefined && this.inlineHash === undefined && this.hashPool && !final)
      this.hashStream = this.hashPool.open();
    if (this.hashStream) return this.hashStream.update(bytes);
    this.inlineHash ??= createHash("md5");
    this.inlineHash.update(bytes);
    return DONE;
  }

  private async writeAt(batch: Uint8Array, length: number, position: number): Promise<void> {
    let done = 0;
    const direct = this.direct;
    if (direct !== undefined) {
      const aligned = length - (length % BLOCK_BYTES);
      try {
        await writeFully(direct, batch, 0, aligned, position);
        done = aligned;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EINVAL") throw error;
        // The kernel would not take this write directly (nothing was written): buffered from now on.
        this.direct = undefined;
        await direct.close().catch(() => {});
      }
    }
    if (done < length) await writeFully(this.file, batch, done, length - done, position + done);
  }
}

/**
 * Reads the blob at `path` from its first byte to its last into `sink`, a batch at a time, the way
 * the writer wrote it: with direct I/O where allowed (a blob the writer just wrote is not in the
 * page cache, and a buffered read would fill it only to throw it away; on this project's VMs a
 * buffered GiB costs about 1.5 CPU s of page-cache work, a direct one a few hundredths), into the
 * pool's shared batch buffers, so a hash worker reads them without a copy. The next batch is read
 * while `sink` takes the last one. A direct read the kernel refuses (EINVAL) falls back to
 * buffered reads for the rest of the blob. Throws when the blob is missing or ends early.
 */
export async function readBlob(
  path: string,
  options: { readonly pool: BatchBufferPool; readonly directIo?: boolean },
  sink: (bytes: Uint8Array) => Promise<void>,
): Promise<void> {
  const file = await open(path, "r");
  let direct: FileHandle | undefined;
  const flag = constants.O_DIRECT as number | undefined;
  let taking: Promise<void> = DONE;
  let taken: Buffer | undefined;
  try {
    if ((options.directIo ?? true) && flag !== undefined)
      direct = await open(path, constants.O_RDONLY | flag).catch(() => undefined);
    const { size } = await file.stat();
    for (let position = 0; position < size; ) {
      const batch = options.pool.acquire();
      let bytesRead = 0;
      try {
        if (direct !== undefined && position % BLOCK_BYTES === 0) {
          try {
            // A whole batch asked for: the read stops at the end of the file.
            ({ bytesRead } = await direct.read(batch, 0, BATCH_BYTES, position));
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "EINVAL") throw error;
            await direct.close().catch(() => {});
            direct = undefined;
          }
        }
        if (bytesRead === 0)
          ({ bytesRead } = await file.read(batch, 0, Math.min(BATCH_BYTES, size - position), position));
      } catch (error) {
        options.pool.release(batch);
        throw error;
      }
      if (bytesRead === 0) {
        options.pool.release(batch);
        throw new Error(`${path} ended at byte ${position} of ${size} while it was read`);
      }
      await taking;
      if (taken) options.pool.release(taken);
      taken = undefined;
      bytesRead = Math.min(bytesRead, size - position);
      position += bytesRead;
      taken = batch;
      taking = sink(batch.subarray(0, bytesRead));
      taking.catch(() => {}); // awaited with the next batch, or below
    }
    await taking;
    if (taken) options.pool.release(taken);
  } catch (error) {
    // A batch a worker may still be reading (`taken`) is left to the GC, never reused.
    await taking.catch(() => {});
    throw error;
  } finally {
    await Promise.all([file.close(), direct?.close()]);
  }
}
