/**
 * The body of a one-request (multipart) upload, read from the source as fast as it is sent and
 * hashed on the way, so the file is read once for upload and whole-file MD5 together.
 */
import type { RandomAccessSource } from "@partwise/engine";
import { YouforceError } from "../client/errors.ts";

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
  hash: { update(bytes: Uint8Array): void } | undefined,
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
