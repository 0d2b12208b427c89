/**
 * Helpers of the YouForce uploader's reads. The whole file's MD5 (which YouForce never returns),
 * when asked for (`wholeFileMd5`, `verify`), is @partwise/client's `WholeFileMd5`, fed from the
 * bytes read for sending, so a file is read once for upload and hash together.
 */
import type { Md5, RandomAccessSource } from "@partwise/engine";
import { YouforceError } from "../client/errors.ts";

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
 * The bytes of `source` as a stream of windows, each hashed into `hash` (if given) as it is read:
 * the media part of a multipart upload, read only as fast as the request body is sent.
 */
export async function* hashedWindows(
  source: RandomAccessSource,
  hash: Md5 | undefined,
  window = 1024 * 1024,
): AsyncGenerator<Uint8Array, void, undefined> {
  for (let offset = 0; offset < source.size; offset += window) {
    const length = Math.min(window, source.size - offset);
    const bytes = await source.read(offset, length);
    if (bytes.length !== length) throw shortRead(offset, length, bytes.length);
    hash?.update(bytes);
    yield bytes;
  }
}
