/**
 * The MD5 of several committed blobs read one after another, as if they were one: a file a
 * resumable upload stores as its chunks, in order. Blobs are `append`ed as they become known (a
 * chunk committed next in line), and each is read and hashed in the background as soon as the
 * ones before it are, so the whole file's digest is ready moments after its last chunk instead of
 * costing a read of the whole file when a client first asks for it. MD5 is sequential (RFC 1321
 * §3.4), so a blob is hashed only once every blob before it is.
 *
 * The store supplies how a blob is read (`BlobFeed`): the disk store has the hash worker read the
 * file itself, with direct I/O (a blob just written is not in the page cache), so the digest costs
 * the MD5 on another core and nothing on the event loop, and keeps up with the uploads however busy
 * the event loop is; the S3 store reads the object with a GET. Where there is no hash pool, the
 * event loop reads (direct I/O too) and hashes.
 *
 * Failure is never silent: a blob that cannot be read (removed, a store failure) or a hash worker
 * that dies rejects `digest()`; `abort()` stops the reading and drops the hash state.
 */
import { createHash } from "node:crypto";
import type { HashPool } from "./hash-pool.ts";

/** Where a blob's bytes go. */
export interface DigestTarget {
  /** Adds `bytes`; resolves once they are read, after which their memory may be reused. */
  update(bytes: Uint8Array): Promise<void>;
  /**
   * Adds the whole file at `path`, read by the hash worker itself, so its bytes never pass through
   * the event loop (`HashStream.updateFromFile`); absent when the digest hashes on the event loop.
   */
  readonly updateFromFile?:
    | ((path: string, options: { readonly directIo?: boolean }) => Promise<void>)
    | undefined;
}

/** Feeds blob `key`, from its first byte to its last, to `target`. */
export type BlobFeed = (key: string, target: DigestTarget) => Promise<void>;

/** The digest was aborted (`abort()`), or appended to after `digest()`. */
export class BlobDigestClosedError extends Error {
  override readonly name = "BlobDigestClosedError";
  readonly code = "PW_BLOB_DIGEST_CLOSED" as const;
}

export class BlobDigest {
  readonly #keys: string[] = [];
  readonly #target: DigestTarget;
  readonly #result: () => Promise<Uint8Array>;
  readonly #drop: () => void;
  /** Every blob appended so far, read and hashed in turn; rejects on the first failure. */
  #done: Promise<void> = Promise.resolve();
  #closed: "open" | "digesting" | "aborted" = "open";

  constructor(
    private readonly feed: BlobFeed,
    hashPool: HashPool | undefined,
  ) {
    if (hashPool) {
      const stream = hashPool.open();
      this.#target = {
        update: (bytes) => stream.update(bytes),
        updateFromFile: (path, options) => stream.updateFromFile(path, options),
      };
      this.#result = () => stream.digest();
      this.#drop = () => stream.abort();
    } else {
      const hash = createHash("md5");
      this.#target = {
        update: (bytes) => {
          hash.update(bytes);
          return Promise.resolve();
        },
      };
      this.#result = () => Promise.resolve(new Uint8Array(hash.digest()));
      this.#drop = () => {};
    }
  }

  /** The keys appended, in order. */
  get keys(): readonly string[] {
    return this.#keys;
  }

  /** Queues blob `key` (committed, and not to change) after the blobs appended before it. */
  append(key: string): void {
    if (this.#closed !== "open")
      throw new BlobDigestClosedError(`cannot append to a digest that is ${this.#closed}`);
    this.#keys.push(key);
    this.#done = this.#done.then(() => {
      if (this.#closed === "aborted") throw new BlobDigestClosedError("the digest was aborted");
      return this.feed(key, this.#target);
    });
    // Awaited by `digest()`; a failure is reported there, never as an unhandled rejection.
    this.#done.catch(() => {});
  }

  /** The 16-byte MD5 of every blob appended, once each is hashed. No blob may be appended after it. */
  async digest(): Promise<Uint8Array> {
    if (this.#closed !== "open") throw new BlobDigestClosedError(`the digest is already ${this.#closed}`);
    this.#closed = "digesting";
    try {
      await this.#done;
    } catch (error) {
      this.#drop();
      throw error;
    }
    return this.#result();
  }

  /** Stops after the blob being read and drops the hash state; `digest()` rejects afterwards. */
  abort(): void {
    if (this.#closed === "aborted") return;
    this.#closed = "aborted";
    this.#drop();
  }
}
