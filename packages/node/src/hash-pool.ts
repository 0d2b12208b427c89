/**
 * MD5 on worker threads, so a server hashes on every core: one upload's MD5 overlaps another's
 * socket reads, and several uploads hash in parallel instead of queueing on the event loop.
 *
 * MD5 is sequential over a stream (RFC 1321 §3.4: each 64-byte block updates the state the one
 * before left), and Node's `Hash` objects cannot move between threads; so a stream's state lives
 * in ONE worker, which receives all of that stream's bytes, in order (a `MessagePort` delivers in
 * the order posted). A new stream goes to the worker with the fewest open streams; at most
 * `threads` workers are started, lazily, on first use. By default one per core but one: the event
 * loop (sockets, parsing, disk writes) keeps a core, so hashing and I/O together use every core,
 * and each worker's isolate (some 10 MiB of RSS) is not spent on a thread that could only queue.
 *
 * Bytes are handed over without a copy when they live in a `SharedArrayBuffer` (the disk store's
 * batch buffers do): the worker reads the caller's memory, so the caller must not change it until
 * `update` resolves. Other memory is copied by `postMessage`, which is correct but slower.
 *
 * Failure never hangs: when a worker dies (an uncaught error, `terminate`), every stream it held
 * fails with `HashWorkerError`, and the next stream starts a new worker; `close()` fails the streams
 * in progress with `HashPoolClosedError`. Idle workers are `unref`ed, so a pool nobody closed never
 * keeps the process alive; a busy one is kept alive by the stream that waits for it.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

/** The worker's whole program (CommonJS, run with `eval`, so it needs no file beside the build). */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const fs = require("node:fs");
const streams = new Map();
const BATCH = 1024 * 1024;
let buffer;
const streamHash = (id) => {
  let hash = streams.get(id);
  if (hash === undefined) {
    hash = createHash("md5");
    streams.set(id, hash);
  }
  return hash;
};
// Reads a whole file into hash, a MiB at a time, with direct I/O where the kernel takes it (a
// growable SharedArrayBuffer starts on a page boundary, as direct I/O needs), else buffered.
const hashFile = (hash, path, directIo) => {
  buffer ??= new Uint8Array(new SharedArrayBuffer(BATCH, { maxByteLength: BATCH }));
  const fd = fs.openSync(path, "r");
  let direct;
  try {
    if (directIo && fs.constants.O_DIRECT !== undefined) {
      try {
        direct = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_DIRECT);
      } catch {}
    }
    const size = fs.fstatSync(fd).size;
    for (let at = 0; at < size; ) {
      let n = 0;
      if (direct !== undefined && at % 4096 === 0) {
        try {
          n = fs.readSync(direct, buffer, 0, BATCH, at);
        } catch (error) {
          if (error.code !== "EINVAL") throw error;
          fs.closeSync(direct);
          direct = undefined;
        }
      }
      if (n === 0) n = fs.readSync(fd, buffer, 0, Math.min(BATCH, size - at), at);
      if (n === 0) throw new Error(path + " ended at byte " + at + " of " + size + " while it was read");
      n = Math.min(n, size - at);
      hash.update(buffer.subarray(0, n));
      at += n;
    }
  } finally {
    fs.closeSync(fd);
    if (direct !== undefined) fs.closeSync(direct);
  }
};
parentPort.on("message", (message) => {
  const id = message.id;
  if (message.op === "update") {
    streamHash(id).update(message.bytes);
    parentPort.postMessage({ id, op: "updated" });
  } else if (message.op === "file") {
    try {
      hashFile(streamHash(id), message.path, message.directIo);
      parentPort.postMessage({ id, op: "updated" });
    } catch (error) {
      streams.delete(id);
      parentPort.postMessage({ id, op: "error", message: String(error && error.message), code: error && error.code });
    }
  } else if (message.op === "digest") {
    const hash = streams.get(id) ?? createHash("md5");
    streams.delete(id);
    const digest = hash.digest();
    parentPort.postMessage({ id, op: "digest", digest: new Uint8Array(digest) });
  } else if (message.op === "drop") {
    streams.delete(id);
  } else {
    throw new Error("unknown hash worker message " + JSON.stringify(message.op));
  }
});
`;

/** The pool was closed while a stream was in progress (or a stream was used after its close). */
export class HashPoolClosedError extends Error {
  override readonly name = "HashPoolClosedError";
  readonly code = "PW_HASH_POOL_CLOSED" as const;
}

/** A file given to `HashStream.updateFromFile` could not be read; `code` is the file system's (ENOENT…). */
export class BlobReadError extends Error {
  override readonly name = "BlobReadError";
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.code = code;
  }
}

/** The worker that held a stream's state died; the stream's digest is lost. */
export class HashWorkerError extends Error {
  override readonly name = "HashWorkerError";
  readonly code = "PW_HASH_WORKER_FAILED" as const;
}

export interface HashPoolOptions {
  /** Worker threads at most (default `os.availableParallelism() - 1`, at least 1). */
  readonly threads?: number;
}

interface Waiter {
  readonly resolve: (value: Uint8Array | undefined) => void;
  readonly reject: (error: Error) => void;
}

interface PoolWorker {
  readonly worker: Worker;
  /** Open streams on this worker, by id. */
  readonly streams: Map<number, HashStream>;
  exited: boolean;
  /** Stop once its last stream is done (`closeWhenIdle`). */
  retiring: boolean;
}

/** One MD5 computation on a pool worker; see the module comment. */
export class HashStream {
  /** Replies the worker still owes this stream, oldest first (`update`s, then the `digest`). */
  private readonly waiting: Waiter[] = [];
  private failure: Error | undefined;
  private finished = false;

  /** @internal */
  constructor(
    private readonly owner: PoolWorker,
    private readonly id: number,
    private readonly detach: (stream: HashStream) => void,
  ) {}

  /**
   * Adds `bytes` to the digest. Resolves once the worker has read them, after which the caller
   * may reuse their memory; rejects (and so does every later call) when the worker or pool fails.
   */
  update(bytes: Uint8Array): Promise<void> {
    return this.send({ op: "update", id: this.id, bytes }).then(() => undefined);
  }

  /**
   * Adds the whole file at `path` to the digest: the worker reads it itself (with direct I/O when
   * `directIo` and the kernel takes it), so the bytes never pass through the caller's thread. A
   * file that cannot be read fails the stream (`BlobReadError`, with the file system's `code`).
   */
  updateFromFile(path: string, options: { readonly directIo?: boolean } = {}): Promise<void> {
    return this.send({ op: "file", id: this.id, path, directIo: options.directIo ?? true }).then(
      () => undefined,
    );
  }

  /** The 16-byte MD5 of every byte given to `update`; the stream is done afterwards. */
  async digest(): Promise<Uint8Array> {
    const digest = await this.send({ op: "digest", id: this.id });
    this.finish();
    if (digest === undefined) throw new HashWorkerError("the hash worker answered without a digest");
    return digest;
  }

  /** Gives up the stream: the worker forgets its state, and pending calls reject. */
  abort(): void {
    if (this.finished) return;
    if (!this.owner.exited && this.failure === undefined)
      this.owner.worker.postMessage({ op: "drop", id: this.id });
    this.fail(new HashPoolClosedError("the hash stream was aborted"));
  }

  /** @internal A reply from the worker. */
  settle(digest: Uint8Array | undefined): void {
    this.waiting.shift()?.resolve(digest);
  }

  /** @internal The worker or pool failed: every pending and later call rejects with `error`. */
  fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    this.finish();
  }

  private send(message: {
    op: string;
    id: number;
    bytes?: Uint8Array;
    path?: string;
    directIo?: boolean;
  }): Promise<Uint8Array | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.finished) return Promise.reject(new HashPoolClosedError("the hash stream is already finished"));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.owner.worker.postMessage(message);
    });
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.detach(this);
  }
}

export class HashPool {
  readonly threads: number;
  private readonly workers: PoolWorker[] = [];
  private nextId = 1;

  constructor(options: HashPoolOptions = {}) {
    const threads = options.threads ?? Math.max(1, availableParallelism() - 1);
    if (!Number.isSafeInteger(threads) || threads < 1)
      throw new RangeError(`a hash pool needs at least one thread, got ${threads}`);
    this.threads = threads;
  }

  /** Worker threads running now (they start on demand and stop on `close`). */
  get running(): number {
    return this.workers.length;
  }

  /** Starts an MD5 stream on the least busy worker, starting a worker if fewer than `threads` run. */
  open(): HashStream {
    let owner = this.workers.reduce<PoolWorker | undefined>(
      (best, w) => (best === undefined || w.streams.size < best.streams.size ? w : best),
      undefined,
    );
    if (owner === undefined || (owner.streams.size > 0 && this.workers.length < this.threads))
      owner = this.spawn();
    const id = this.nextId++;
    const target = owner;
    const stream = new HashStream(target, id, () => {
      target.streams.delete(id);
      if (target.streams.size > 0) return;
      target.worker.unref();
      if (target.retiring) void this.stop(target);
    });
    if (target.streams.size === 0) target.worker.ref();
    target.streams.set(id, stream);
    return stream;
  }

  /**
   * Stops every worker. Streams in progress fail with `HashPoolClosedError`; a later `open`
   * starts new workers (a closed pool is an idle one, not a broken one).
   */
  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    const error = new HashPoolClosedError("the hash pool was closed");
    await Promise.all(
      workers.map(async (w) => {
        w.exited = true;
        for (const stream of [...w.streams.values()]) stream.fail(error);
        await w.worker.terminate();
      }),
    );
  }

  /**
   * Stops the idle workers now and each busy one once its last stream is done: no stream fails.
   * A later `open` starts new workers.
   */
  async closeWhenIdle(): Promise<void> {
    const workers = this.workers.splice(0);
    for (const w of workers) w.retiring = true;
    await Promise.all(workers.filter((w) => w.streams.size === 0).map((w) => this.stop(w)));
  }

  private async stop(entry: PoolWorker): Promise<void> {
    if (entry.exited) return;
    entry.exited = true;
    await entry.worker.terminate();
  }

  private spawn(): PoolWorker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: "partwise-md5", execArgv: [] });
    const entry: PoolWorker = { worker, streams: new Map(), exited: false, retiring: false };
    const die = (error: Error): void => {
      if (entry.exited) return;
      entry.exited = true;
      const at = this.workers.indexOf(entry);
      if (at >= 0) this.workers.splice(at, 1);
      for (const stream of [...entry.streams.values()]) stream.fail(error);
    };
    worker.on(
      "message",
      (message: { id: number; op: string; digest?: Uint8Array; message?: string; code?: string }) => {
        const stream = entry.streams.get(message.id);
        if (message.op === "error")
          stream?.fail(new BlobReadError(message.message ?? "the file could not be read", message.code));
        else stream?.settle(message.op === "digest" ? message.digest : undefined);
      },
    );
    worker.on("error", (cause) => die(new HashWorkerError("a hash worker failed", { cause })));
    worker.on("exit", (code) => die(new HashWorkerError(`a hash worker exited (code ${code})`)));
    worker.unref();
    this.workers.push(entry);
    return entry;
  }
}

/** @internal For tests: the pool's worker threads (to make one fail on purpose). */
export function poolWorkers(pool: HashPool): readonly Worker[] {
  return (pool as unknown as { workers: PoolWorker[] }).workers.map((w) => w.worker);
}

let shared: HashPool | undefined;
let holders = 0;

/**
 * The process-wide pool the disk store hashes on, sized to the cores. Reference servers `retain`
 * it while they run and `release` it on close; the last release stops its threads.
 */
export function sharedHashPool(): HashPool {
  shared ??= new HashPool();
  return shared;
}

/**
 * Holds the shared pool open; the returned function releases it (once). The last release stops
 * its threads, each once the blobs it is hashing are done (`closeWhenIdle`): a store that uses the
 * shared pool without holding it never sees its hashing fail because a server closed.
 */
export function retainSharedHashPool(): () => Promise<void> {
  holders++;
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    holders--;
    if (holders === 0) await shared?.closeWhenIdle();
  };
}
