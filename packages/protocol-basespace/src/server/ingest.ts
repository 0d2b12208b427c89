/**
 * Streaming a request body into the store: one pass that hashes (MD5) and writes
 * (`DiskStore.ingest`), refused with 413 (400 in the strict reading) the moment it passes its bound
 * (BS-PART-MAX-SIZE, BS-SIMPLE-UPLOAD) — before that when `Content-Length` already says so — and checked against
 * `Content-MD5` (RFC 1864, BS-PART-MD5) before anything is committed. Nothing is buffered: memory
 * does not grow with the body.
 */
import { parseContentMd5, toBase64 } from "@partwise/engine";
import { BlobTooLargeError, isStorageError, type StagedBlob, type Store } from "@partwise/node";
import { BasespaceHttpError, refuse } from "./errors.ts";

/** How a body is bounded: its largest size, and the status of a larger one (413, or 400). */
export interface BodyBound {
  readonly max: number;
  readonly status: 400 | 413;
  readonly rule: string;
  readonly what: string;
}

/** Refuses before reading when the declared length is already too large. */
export function assertDeclaredLength(request: Request, bound: BodyBound): void {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > bound.max)
    refuse(bound.status, `${bound.what} may not be larger than ${bound.max} bytes`, bound.rule);
}

/**
 * The digest a `Content-MD5` header promises, or undefined without one; 400 when malformed. With
 * `forms: "any"` (the lenient reading) an unpadded base64 digest and a 32-digit hex digest are read
 * too: the documents [S1] say "base64 encoded" but do not say that other forms are refused.
 */
export function expectedMd5(request: Request, forms: "rfc1864" | "any" = "rfc1864"): Uint8Array | undefined {
  const header = request.headers.get("content-md5");
  if (header === null) return undefined;
  try {
    return parseContentMd5(header);
  } catch {
    const lenient = forms === "any" ? otherMd5Form(header.trim()) : undefined;
    if (lenient !== undefined) return lenient;
    return refuse(
      400,
      `Content-MD5 must be the base64 of a 16-byte MD5 digest (24 characters), got ${JSON.stringify(header.slice(0, 64))}`,
      "BS-PART-MD5",
    );
  }
}

/** A 16-byte digest as unpadded base64 or as 32 hex digits, or undefined. */
function otherMd5Form(value: string): Uint8Array | undefined {
  if (/^[0-9a-fA-F]{32}$/.test(value)) return new Uint8Array(Buffer.from(value, "hex"));
  if (/^[A-Za-z0-9+/]{22}$/.test(value)) return new Uint8Array(Buffer.from(`${value}==`, "base64"));
  return undefined;
}

/** Streams `body` into a staged blob of at most `bound.max` bytes. */
export async function ingestBody(
  store: Store,
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
  bound: BodyBound,
): Promise<StagedBlob> {
  try {
    return await store.ingest(body, { maxBytes: bound.max });
  } catch (error) {
    if (error instanceof BlobTooLargeError)
      refuse(bound.status, `${bound.what} may not be larger than ${bound.max} bytes`, bound.rule);
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
