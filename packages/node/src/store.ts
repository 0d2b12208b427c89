/**
 * The reference servers' disk storage: every accepted byte and every piece of upload state lives
 * on disk, written so that a process killed at any instant (SIGKILL) loses nothing it had
 * acknowledged:
 *
 * - blobs (parts, chunks, assembled files) are streamed to a temp file while hashed and renamed
 *   into place only after the caller has verified the digest (`StagedBlob.commit`);
 * - JSON state documents are written to a temp file and renamed over the old version, so a reader
 *   sees the old or the new document, never half of one;
 * - written data sits in the kernel's page cache, which outlives the process, so write-then-rename
 *   is already atomic against SIGKILL; `fsync: true` adds durability against power loss (an fsync
 *   of each file and directory) at a cost in throughput;
 * - keys are validated against a strict alphabet, so no name from a request can reach outside the
 *   store (path traversal), and temp files left by a crash are swept when the store opens.
 */
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, type FileHandle, mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { BlobDigest } from "./blob-digest.ts";
import { BatchBufferPool, BlobWriter, readBlob } from "./blob-writer.ts";
import { nodeChunks } from "./body.ts";
import { type HashPool, sharedHashPool } from "./hash-pool.ts";
import { segmentStream } from "./kit/range.ts";

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const READ_BYTES = 1024 * 1024;

/** Error codes of the disk itself: full, over quota, failing, read-only, out of descriptors, denied. */
/**
 * The HTTP status of each storage failure: a full disk or quota is 507 Insufficient Storage
 * (RFC 4918 §11.5), running out of file descriptors is a transient 503, any other disk error a 500.
 */
export const STORAGE_ERROR_STATUS = {
  ENOSPC: 507,
  EDQUOT: 507,
  EMFILE: 503,
  ENFILE: 503,
  EIO: 500,
  EROFS: 500,
  EACCES: 500,
  EPERM: 500,
  // Hashing on the server's worker threads failed (hash-pool.ts): the server's problem too.
  PW_HASH_WORKER_FAILED: 500,
  PW_HASH_POOL_CLOSED: 503,
  // The S3 adapter's failures (s3-store.ts): unreachable or throttled, over quota, refused.
  PW_STORE_S3_UNAVAILABLE: 503,
  PW_STORE_S3_QUOTA: 507,
  PW_STORE_S3_FAILED: 500,
} as const satisfies Record<string, 500 | 503 | 507>;

const STORAGE_ERRORS: ReadonlySet<string> = new Set(Object.keys(STORAGE_ERROR_STATUS));

/** What a server answers for a storage failure: its status and a message that names no path. */
export function storageFailure(error: unknown): { status: 500 | 503 | 507; message: string } | undefined {
  if (!isStorageError(error)) return undefined;
  const status = STORAGE_ERROR_STATUS[(error as { code: keyof typeof STORAGE_ERROR_STATUS }).code];
  const message =
    status === 507
      ? "The server has no room left to store this; nothing was stored"
      : status === 503
        ? "The server is out of resources for the moment; retry later"
        : "The server could not store this; nothing was stored";
  return { status, message };
}

/**
 * True when `ingest` (or any store call) failed because of the disk: the server's problem, a 5xx.
 * Any other failure of `ingest` that is not `BlobTooLargeError` is the body's: it broke off (the
 * client went away: `ECONNRESET`) or its stream failed, which a server answers with a 4xx.
 */
export function isStorageError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && STORAGE_ERRORS.has(code);
}

/**
 * True for a request body that broke off before its end: the client closed the connection
 * (the listener's bodies fail with `ECONNRESET`), the stream was cut short, or it timed out
 * (`ETIMEDOUT`).
 */
export function isBodyAborted(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === "ECONNRESET" ||
    code === "ECONNABORTED" ||
    code === "ERR_STREAM_PREMATURE_CLOSE" ||
    code === "ETIMEDOUT"
  );
}

/** Permissions of the store's directories and files: its owner only. */
export const PRIVATE_DIR = 0o700;
export const PRIVATE_FILE = 0o600;

/** A key or id from a request that cannot be a store key (traversal, odd characters, length). */
export class InvalidStoreKeyError extends Error {
  override readonly name = "InvalidStoreKeyError";
  readonly code = "PW_STORE_INVALID_KEY" as const;
}

/** The stream grew past `maxBytes`; nothing was kept. */
export class BlobTooLargeError extends Error {
  override readonly name = "BlobTooLargeError";
  readonly code = "PW_STORE_BLOB_TOO_LARGE" as const;
  readonly maxBytes: number;

  constructor(maxBytes: number) {
    super(`the body exceeds ${maxBytes} bytes`);
    this.maxBytes = maxBytes;
  }
}

/**
 * Throws `InvalidStoreKeyError` unless `key` is 1–200 characters of `A–Z a–z 0–9 . _ -`, starts
 * with a letter or digit and contains no `..`. So no key can name a parent (`..`), a
 * subdirectory (`a/b`), an absolute path, a hidden file or a NUL-terminated trick, on any OS.
 */
export function assertKey(key: string): void {
  if (!KEY.test(key) || key.includes(".."))
    throw new InvalidStoreKeyError(`invalid store key ${JSON.stringify(key.slice(0, 60))}`);
}

/** A blob written to a temp file and hashed, waiting for the caller to verify and commit it. */
export interface StagedBlob {
  readonly size: number;
  readonly md5: Uint8Array;
  /** Renames the blob to `key`, atomically replacing any blob of that key. */
  commit(key: string): Promise<void>;
  discard(): Promise<void>;
}

/**
 * A staged blob ingested with `md5: false`: nobody needed its own MD5 (a resumable chunk, whose
 * file is hashed as a whole by a `BlobDigest`), so the store may not have computed one.
 */
export type UnhashedBlob = Omit<StagedBlob, "md5"> & { readonly md5?: Uint8Array | undefined };

/** What `ingest` takes: a Web stream (a listener's `request.body`), any async iterable, or nothing. */
export type IngestBody = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array> | null;

export interface IngestOptions {
  /** Refuse (and delete) the blob as soon as it grows past this many bytes. */
  readonly maxBytes?: number;
  /** Sees every chunk before it is hashed and written (fault injection corrupts here). */
  readonly transform?: (chunk: Uint8Array) => Uint8Array;
  /**
   * False: the caller needs no MD5 of this blob, and the store may skip hashing it (the disk store
   * does; the S3 store still hashes, for the PUT's `Content-MD5`). Default true.
   */
  readonly md5?: boolean;
}

export interface DiskStoreOptions {
  /** fsync files and directories before acknowledging them (survives power loss; slower). */
  readonly fsync?: boolean;
  /**
   * Write blobs with direct I/O where the OS and filesystem allow it (default true; Linux
   * `O_DIRECT`), falling back to buffered writes elsewhere. See blob-writer.ts.
   */
  readonly directIo?: boolean;
  /**
   * The worker threads blobs are hashed on (default the process-wide `sharedHashPool()`, sized
   * to the cores); `null` hashes on the event loop.
   */
  readonly hashPool?: HashPool | null;
}

/**
 * The storage port of the reference servers: blobs (parts, chunks, files) and small JSON state
 * documents. Two adapters fill it: `DiskStore` (all on a local disk) and `S3Store` (blobs as
 * objects in an S3 bucket, state on the local disk). Both keep the same contract, proven by one
 * contract suite run against both (packages/node/test/store-contract.ts):
 *
 * - a part write is atomic: a blob is visible whole under its key after `commit`, or not at all;
 * - committing a key again replaces the blob (a re-sent part);
 * - `readMany` reads any inclusive range across several blobs as if they were one;
 * - `delete` removes blobs and ignores missing ones.
 */
export interface Store {
  /** Which adapter this is: `disk` or `s3`. */
  readonly kind: "disk" | "s3";
  /** The local directory that holds the state documents (and, on disk, the blobs). */
  readonly dir: string;
  ingest(body: IngestBody, options?: IngestOptions & { readonly md5?: true }): Promise<StagedBlob>;
  ingest(body: IngestBody, options: IngestOptions): Promise<UnhashedBlob>;
  /**
   * A running MD5 over committed blobs appended in order (a resumable upload's chunks), hashed in
   * the background as they are appended; see blob-digest.ts.
   */
  openDigest(): BlobDigest;
  concat(keys: readonly string[]): Promise<StagedBlob>;
  size(key: string): Promise<number | undefined>;
  read(key: string, range?: { start: number; end: number }): ReadableStream<Uint8Array>;
  readMany(
    keys: readonly string[],
    sizes: readonly number[],
    range?: { start: number; end: number },
  ): ReadableStream<Uint8Array>;
  readAll(key: string): Promise<Uint8Array>;
  delete(...keys: string[]): Promise<void>;
  /** Keys of the stored blobs that start with `prefix`, sorted. */
  listBlobs(prefix?: string): Promise<string[]>;
  putJson(name: string, value: unknown): Promise<void>;
  getJson<T>(name: string): Promise<T | undefined>;
  deleteJson(name: string): Promise<void>;
  listJson(prefix?: string): Promise<string[]>;
  /** Releases what the store holds open (the S3 client's sockets); the disk store holds nothing. */
  close(): void;
}

export class DiskStore implements Store {
  readonly kind = "disk" as const;

  /** Batch buffers shared by every blob this store writes. */
  private readonly batches = new BatchBufferPool();

  private constructor(
    readonly dir: string,
    private readonly fsync: boolean,
    private readonly directIo: boolean,
    private readonly hashPool: HashPool | undefined,
  ) {}

  /**
   * Opens (creating if needed) a store in `dir`, sweeping temp files a crash left behind. One
   * process owns a store at a time: opening it sweeps the temp files of any other user.
   */
  static async open(dir: string, options: DiskStoreOptions = {}): Promise<DiskStore> {
    // Only the server's own user may read what clients stored and the signing secrets (0700 dirs,
    // 0600 files): another local user could otherwise read uploads or forge signed URLs.
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
    for (const sub of ["tmp", "blobs", "state"]) {
      await mkdir(join(dir, sub), { recursive: true, mode: PRIVATE_DIR });
      await chmod(join(dir, sub), PRIVATE_DIR);
    }
    await rm(join(dir, "tmp"), { recursive: true, force: true });
    await mkdir(join(dir, "tmp"), { recursive: true, mode: PRIVATE_DIR });
    const hashPool = options.hashPool === null ? undefined : (options.hashPool ?? sharedHashPool());
    return new DiskStore(dir, options.fsync ?? false, options.directIo ?? true, hashPool);
  }

  blobPath(key: string): string {
    assertKey(key);
    return join(this.dir, "blobs", key);
  }

  private tempPath(): string {
    return join(this.dir, "tmp", randomBytes(12).toString("hex"));
  }

  /**
   * Streams `body` to a temp file, hashing (MD5) each byte in the same pass, then (with `fsync`)
   * syncs it. Throws `BlobTooLargeError` the moment the body passes `maxBytes`, leaving nothing
   * behind; on any failure the temp file is removed.
   *
   * Bytes are written in 1 MiB batches, one in flight while the next fills, with direct I/O where
   * the OS and filesystem allow it, and hashed on the store's hash pool's worker threads (see
   * blob-writer.ts), so hashing, disk writes and the network overlap, across cores. A listener's untouched `request.body` is read straight from Node (no Web stream in
   * between). Each chunk is copied into the batch before the next is read, so a source may reuse
   * a chunk's memory as soon as it has handed it over.
   */
  ingest(body: IngestBody, options?: IngestOptions & { readonly md5?: true }): Promise<StagedBlob>;
  ingest(body: IngestBody, options: IngestOptions): Promise<UnhashedBlob>;
  async ingest(body: IngestBody, options: IngestOptions = {}): Promise<UnhashedBlob> {
    const temp = this.tempPath();
    const writer = await BlobWriter.create(temp, {
      pool: this.batches,
      directIo: this.directIo,
      hashPool: this.hashPool,
      md5: options.md5 ?? true,
    });
    let md5: Uint8Array | undefined;
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    const direct = body instanceof ReadableStream ? nodeChunks(body) : undefined;
    let size = 0;
    try {
      for await (const raw of (direct ?? body ?? []) as AsyncIterable<Uint8Array>) {
        const chunk = options.transform ? options.transform(raw) : raw;
        size += chunk.length;
        if (size > maxBytes) throw new BlobTooLargeError(maxBytes);
        await writer.write(chunk);
      }
      md5 = await writer.end();
      if (this.fsync) await writer.sync();
    } catch (error) {
      await writer.close().catch(() => {});
      await rm(temp, { force: true });
      throw error;
    }
    await writer.close();
    let settled = false;
    return {
      size,
      md5,
      commit: async (key: string) => {
        const target = this.blobPath(key); // an invalid key throws here, leaving the blob discardable
        if (settled) throw new Error("blob already committed or discarded");
        settled = true;
        try {
          await rename(temp, target);
        } catch (error) {
          await rm(temp, { force: true });
          throw error;
        }
        await this.syncDir(join(this.dir, "blobs"));
      },
      discard: async () => {
        if (settled) return;
        settled = true;
        await rm(temp, { force: true });
      },
    };
  }

  /**
   * A running MD5 over blobs appended in order, in the background: the hash worker reads each blob
   * itself, with direct I/O; without a hash pool, the event loop reads it the same way into the
   * batch buffers (blob-writer.ts `readBlob`) and hashes it.
   */
  openDigest(): BlobDigest {
    return new BlobDigest((key, target) => {
      const path = this.blobPath(key);
      if (target.updateFromFile) return target.updateFromFile(path, { directIo: this.directIo });
      return readBlob(path, { pool: this.batches, directIo: this.directIo }, (bytes) => target.update(bytes));
    }, this.hashPool);
  }

  /** Concatenates blobs, in the order given, into a new staged blob. */
  async concat(keys: readonly string[]): Promise<StagedBlob> {
    const paths = keys.map((key) => this.blobPath(key));
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (const path of paths) yield* createReadStream(path, { highWaterMark: 1024 * 1024 });
    }
    return this.ingest(chunks());
  }

  /** The size of a blob, or undefined when there is none (as for a key no blob can have). */
  async size(key: string): Promise<number | undefined> {
    try {
      assertKey(key);
    } catch {
      return undefined;
    }
    try {
      return (await stat(this.blobPath(key))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  /**
   * The bytes of a blob, or of its inclusive range `[start, end]` (as in an HTTP `Range`), as a
   * Web stream that reads from disk as it is consumed and closes the file when done or cancelled.
   * A missing blob fails the stream's first read; check `size` first to answer 404.
   */
  read(key: string, range?: { start: number; end: number }): ReadableStream<Uint8Array> {
    const path = this.blobPath(key);
    if (range && !(Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end) && range.start >= 0))
      throw new RangeError(`invalid range ${range.start}-${range.end}`);
    return fileStream(path, range?.start ?? 0, range ? range.end + 1 : Number.POSITIVE_INFINITY);
  }

  /**
   * The bytes of several blobs read one after another, as if they were one blob of
   * `sizes[0] + sizes[1] + …` bytes, or of its inclusive range `[start, end]` (which may span blob
   * boundaries). `sizes` are the blobs' sizes as recorded; blobs wholly outside the range are
   * never opened, and one blob at a time is read as the stream is consumed (cancelling closes it).
   */
  readMany(
    keys: readonly string[],
    sizes: readonly number[],
    range?: { start: number; end: number },
  ): ReadableStream<Uint8Array> {
    return readSegments((key, piece) => this.read(key, piece), keys, sizes, range);
  }

  async readAll(key: string): Promise<Uint8Array> {
    return new Uint8Array(await readFile(this.blobPath(key)));
  }

  async delete(...keys: string[]): Promise<void> {
    for (const key of keys) await rm(this.blobPath(key), { force: true });
  }

  async listBlobs(prefix = ""): Promise<string[]> {
    return (await readdir(join(this.dir, "blobs"))).filter((name) => name.startsWith(prefix)).sort();
  }

  /** Writes a JSON document atomically: readers see the old or the new version, never a mix. */
  async putJson(name: string, value: unknown): Promise<void> {
    assertKey(name);
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`putJson("${name}"): the value has no JSON form`);
    const temp = this.tempPath();
    try {
      const file = await open(temp, "w", PRIVATE_FILE);
      try {
        await file.writeFile(text);
        if (this.fsync) await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, join(this.dir, "state", name));
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    await this.syncDir(join(this.dir, "state"));
  }

  async getJson<T>(name: string): Promise<T | undefined> {
    assertKey(name);
    try {
      return JSON.parse(await readFile(join(this.dir, "state", name), "utf8")) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async deleteJson(name: string): Promise<void> {
    assertKey(name);
    await rm(join(this.dir, "state", name), { force: true });
  }

  /** Names of the JSON documents whose name starts with `prefix`. */
  async listJson(prefix = ""): Promise<string[]> {
    return (await readdir(join(this.dir, "state"))).filter((name) => name.startsWith(prefix)).sort();
  }

  close(): void {}

  private async syncDir(dir: string): Promise<void> {
    if (!this.fsync) return;
    // A rename survives power loss only once its directory entry does; fsync the directory (POSIX).
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

/**
 * `readMany` of both adapters: the blobs `keys` of `sizes` bytes read as one, or its inclusive
 * `range`, through the kit's `segmentStream`, after checking the arguments (every key valid,
 * one size per key, a range of safe non-negative integers).
 */
export function readSegments(
  read: (key: string, range: { start: number; end: number }) => ReadableStream<Uint8Array>,
  keys: readonly string[],
  sizes: readonly number[],
  range: { start: number; end: number } | undefined,
): ReadableStream<Uint8Array> {
  if (keys.length !== sizes.length) throw new RangeError("readMany: one size per key");
  for (const key of keys) assertKey(key);
  if (range && !(Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end) && range.start >= 0))
    throw new RangeError(`invalid range ${range.start}-${range.end}`);
  return segmentStream(
    read,
    keys.map((key, index) => ({ key, size: sizes[index] ?? 0 })),
    range,
  );
}

/** Bytes `[start, end)` of a file as a pull-based Web stream of up to 1 MiB chunks. */
function fileStream(path: string, start: number, end: number): ReadableStream<Uint8Array> {
  let handle: FileHandle | undefined;
  let position = start;
  const close = async (): Promise<void> => {
    const open = handle;
    handle = undefined;
    await open?.close();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          handle ??= await open(path, "r");
          const length = Math.min(READ_BYTES, end - position);
          const bytes = new Uint8Array(Math.max(length, 0));
          const { bytesRead } = length > 0 ? await handle.read(bytes, 0, length, position) : { bytesRead: 0 };
          if (bytesRead === 0) {
            await close();
            controller.close();
            return;
          }
          position += bytesRead;
          controller.enqueue(bytesRead === bytes.length ? bytes : bytes.subarray(0, bytesRead));
        } catch (error) {
          await close().catch(() => {});
          controller.error(error);
        }
      },
      cancel: close,
    },
    { highWaterMark: 0 },
  );
}
