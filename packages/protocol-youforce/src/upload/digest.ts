/**
 * The whole file's MD5 (RFC 1321), which YouForce never returns, computed locally while the bytes
 * are read for sending, so a file is read once for upload and hash together.
 *
 * Chunks of a resumable upload are read out of order (concurrency, retries, resume), but MD5 must
 * see the bytes in order. `OrderedMd5` takes each chunk when it is the next one, and otherwise
 * reads the missing chunks from the (random-access) source itself when asked to catch up: with
 * reads serialised in ascending order that only happens for chunks a resume skips.
 */
import { createMd5, type Md5, type RandomAccessSource, toHex } from "@partwise/engine";
import { YouforceError } from "../client/errors.ts";

export class OrderedMd5 {
  #next = 1;
  readonly #hash: Md5;
  readonly #read: (number: number) => Promise<Uint8Array>;

  private constructor(hash: Md5, read: (number: number) => Promise<Uint8Array>) {
    this.#hash = hash;
    this.#read = read;
  }

  /** `read(n)` returns chunk n's bytes (numbered from 1), for chunks that were never offered. */
  static async create(read: (number: number) => Promise<Uint8Array>): Promise<OrderedMd5> {
    return new OrderedMd5(await createMd5(), read);
  }

  /** Chunk `number`'s bytes, just read: hashed if it is the next one, else ignored. */
  offer(number: number, bytes: Uint8Array): void {
    if (number !== this.#next) return;
    this.#hash.update(bytes);
    this.#next += 1;
  }

  /** Hashes every chunk below `number` that has not been hashed yet, reading it from the source. */
  async catchUp(number: number): Promise<void> {
    while (this.#next < number) this.offer(this.#next, await this.#read(this.#next));
  }

  /** Hex digest once every chunk up to `last` is hashed. */
  async digest(last: number): Promise<string> {
    await this.catchUp(last + 1);
    return toHex(this.#hash.digest());
  }
}

/** Runs tasks one at a time, in the order they were queued. */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => {});
    return result;
  }
}

/** The source changed under us: a read came back shorter than planned. */
export function shortRead(offset: number, expected: number, actual: number): YouforceError {
  return new YouforceError(
    `The source returned ${actual} bytes at offset ${offset} where ${expected} were expected: it changed during the upload`,
    { kind: "usage", operation: "upload", retryable: false },
  );
}

/**
 * The bytes of `source` as a stream of windows, each hashed into `hash` as it is read: the media
 * part of a multipart upload, read only as fast as the request body is sent.
 */
export async function* hashedWindows(
  source: RandomAccessSource,
  hash: Md5,
  window = 1024 * 1024,
): AsyncGenerator<Uint8Array, void, undefined> {
  for (let offset = 0; offset < source.size; offset += window) {
    const length = Math.min(window, source.size - offset);
    const bytes = await source.read(offset, length);
    if (bytes.length !== length) throw shortRead(offset, length, bytes.length);
    hash.update(bytes);
    yield bytes;
  }
}
