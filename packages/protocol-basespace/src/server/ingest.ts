/**
 * Streaming a request body into the store: one pass that hashes (MD5) and writes
 * (`DiskStore.ingest`), refused with 413 the moment it passes its bound (BS-PART-MAX-SIZE,
 * BS-SIMPLE-UPLOAD) — before that when `Content-Length` already says so — and checked against
 * `Content-MD5` (RFC 1864, BS-PART-MD5) before anything is committed. Nothing is buffered: memory
 * does not grow with the body.
 */
import { parseContentMd5, toBase64 } from "@partwise/engine";
import { BlobTooLargeError, type DiskStore, isStorageError, type StagedBlob } from "@partwise/node";
import { BasespaceHttpError, refuse } from "./errors.ts";

/** Refuses before reading when the declared length is already too large. */
export function assertDeclaredLength(request: Request, max: number, rule: string, what: string): void {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > max)
    refuse(413, `${what} may not be larger than ${max} bytes`, rule);
}

/** The digest a `Content-MD5` header promises, or undefined without one; 400 when malformed. */
export function expectedMd5(request: Request): Uint8Array | undefined {
  const header = request.headers.get("content-md5");
  if (header === null) return undefined;
  try {
    return parseContentMd5(header);
  } catch {
    return refuse(
      400,
      `Content-MD5 must be the base64 of a 16-byte MD5 digest (24 characters), got ${JSON.stringify(header.slice(0, 64))}`,
      "BS-PART-MD5",
    );
  }
}

/** Streams `body` into a staged blob of at most `max` bytes. */
export async function ingestBody(
  store: DiskStore,
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
  max: number,
  rule: string,
  what: string,
): Promise<StagedBlob> {
  try {
    return await store.ingest(body, { maxBytes: max });
  } catch (error) {
    if (error instanceof BlobTooLargeError) refuse(413, `${what} may not be larger than ${max} bytes`, rule);
    if (error instanceof BasespaceHttpError) throw error;
    // A failing disk is the server's problem; a body that broke off is the client's.
    if (isStorageError(error)) throw error;
    return refuse(400, "The request body ended before it was complete");
  }
}

/** Discards the staged blob and refuses (400, BS-PART-MD5) when it does not match `expected`. */
export async function verifyMd5(staged: StagedBlob, expected: Uint8Array | undefined): Promise<void> {
  if (expected === undefined) return;
  const actual = staged.md5;
  if (actual.length === expected.length && actual.every((byte, i) => byte === expected[i])) return;
  await staged.discard();
  refuse(
    400,
    `Content-MD5 ${toBase64(expected)} does not match the MD5 of the received part (${toBase64(actual)})`,
    "BS-PART-MD5",
  );
}
