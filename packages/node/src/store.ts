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
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** A key or id from a request that cannot be a store key (traversal, odd characters, length). */
export class InvalidStoreKeyError extends Error {
  override readonly name = "InvalidStoreKeyError";
}

/** The stream grew past `maxBytes`; nothing was kept. */
export class BlobTooLargeError extends Error {
  override readonly name = "BlobTooLargeError";
  constructor(readonly maxBytes: number) {
    super(`the body exceeds ${maxBytes} bytes`);
  }
}

export function assertKey(key: string): void {
  if (!KEY.test(key) || key.includes(".."))
    throw new InvalidStoreKeyError(`invalid store key "${key.slice(0, 60)}"`);
}

/** A blob written to a temp file and hashed, waiting for the caller to verify and commit it. */
export interface StagedBlob {
  readonly size: number;
  readonly md5: Uint8Array;
  /** Renames the blob to `key`, atomically replacing any blob of that key. */
  commit(key: string): Promise<void>;
  discard(): Promise<void>;
}

export interface IngestOptions {
  /** Refuse (and delete) the blob as soon as it grows past this many bytes. */
  readonly maxBytes?: number;
  /** Sees every chunk before it is hashed and written (fault injection corrupts here). */
  readonly transform?: (chunk: Uint8Array) => Uint8Array;
}

export interface DiskStoreOptions {
  /** fsync files and directories before acknowledging them (survives power loss; slower). */
  readonly fsync?: boolean;
}

export class DiskStore {
  private constructor(
    readonly dir: string,
    private readonly fsync: boolean,
  ) {}

  /** Opens (creating if needed) a store in `dir`, sweeping temp files a crash left behind. */
  static async open(dir: string, options: DiskStoreOptions = {}): Promise<DiskStore> {
    for (const sub of ["tmp", "blobs", "state"]) await mkdir(join(dir, sub), { recursive: true });
    await rm(join(dir, "tmp"), { recursive: true, force: true });
    await mkdir(join(dir, "tmp"), { recursive: true });
    return new DiskStore(dir, options.fsync ?? false);
  }

  blobPath(key: string): string {
    assertKey(key);
    return join(this.dir, "blobs", key);
  }

  private tempPath(): string {
    return join(this.dir, "tmp", randomBytes(12).toString("hex"));
  }

  /**
   * Streams `body` to a temp file, hashing (MD5) each chunk in the same pass, then fsyncs it.
   * Throws `BlobTooLargeError` the moment the body passes `maxBytes`, having stored nothing.
   */
  async ingest(
    body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array> | null,
    options: IngestOptions = {},
  ): Promise<StagedBlob> {
    const temp = this.tempPath();
    const file = await open(temp, "w");
    const hash = createHash("md5");
    let size = 0;
    try {
      if (body !== null) {
        for await (const raw of body as AsyncIterable<Uint8Array>) {
          const chunk = options.transform ? options.transform(raw) : raw;
          size += chunk.length;
          if (options.maxBytes !== undefined && size > options.maxBytes)
            throw new BlobTooLargeError(options.maxBytes);
          hash.update(chunk);
          let written = 0;
          while (written < chunk.length) {
            const { bytesWritten } = await file.write(chunk, written, chunk.length - written);
            written += bytesWritten;
          }
        }
      }
      if (this.fsync) await file.sync();
    } catch (error) {
      await file.close().catch(() => {});
      await rm(temp, { force: true });
      throw error;
    }
    await file.close();
    const md5 = new Uint8Array(hash.digest());
    let settled = false;
    return {
      size,
      md5,
      commit: async (key: string) => {
        if (settled) throw new Error("blob already committed or discarded");
        settled = true;
        await rename(temp, this.blobPath(key));
        await this.syncDir(join(this.dir, "blobs"));
      },
      discard: async () => {
        if (settled) return;
        settled = true;
        await rm(temp, { force: true });
      },
    };
  }

  /** Concatenates blobs, in the order given, into a new staged blob. */
  async concat(keys: readonly string[]): Promise<StagedBlob> {
    const paths = keys.map((key) => this.blobPath(key));
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (const path of paths) yield* createReadStream(path, { highWaterMark: 1024 * 1024 });
    }
    return this.ingest(chunks());
  }

  async size(key: string): Promise<number | undefined> {
    try {
      return (await stat(this.blobPath(key))).size;
    } catch {
      return undefined;
    }
  }

  /** The bytes of a blob, or of its inclusive range `[start, end]`, as a Web stream. */
  read(key: string, range?: { start: number; end: number }): ReadableStream<Uint8Array> {
    const stream = createReadStream(this.blobPath(key), { highWaterMark: 1024 * 1024, ...(range ?? {}) });
    return Readable.toWeb(stream) as ReadableStream<Uint8Array>;
  }

  async readAll(key: string): Promise<Uint8Array> {
    return new Uint8Array(await readFile(this.blobPath(key)));
  }

  async delete(...keys: string[]): Promise<void> {
    for (const key of keys) await rm(this.blobPath(key), { force: true });
  }

  /** Writes a JSON document atomically: readers see the old or the new version, never a mix. */
  async putJson(name: string, value: unknown): Promise<void> {
    assertKey(name);
    const temp = this.tempPath();
    const file = await open(temp, "w");
    try {
      await file.writeFile(JSON.stringify(value));
      if (this.fsync) await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, join(this.dir, "state", name));
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
