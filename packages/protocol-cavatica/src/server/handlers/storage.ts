/**
 * The storage emulator behind the signed URLs (specs/cavatica.yaml tag `Storage`): in production
 * these are pre-signed S3/GCS URLs on other hosts [S3]; here they live under the same `/v2` base.
 * They are authorised by their signature, never by a token.
 *
 * `storagePutPart` streams the body into `DiskStore.ingest`, which hashes (MD5) while it writes to a
 * temp file, so memory does not depend on the part size; the part is committed (renamed, then its
 * document written) only once it arrived whole and the upload still exists. It answers 200 with
 * `ETag: "<md5 hex>"` (CV-STORAGE-ETAG, CV-SUCCESS-CODES, CV-REPORT-HEADERS).
 */
import { createHash, randomBytes } from "node:crypto";
import {
  BlobTooLargeError,
  type ByteRange,
  contentRange,
  isStorageError,
  parseRange,
  type StagedBlob,
  segmentStream,
} from "@partwise/node";
import { breaks, type OperationHandler, partUrlScope, type ServerContext } from "../context.ts";
import {
  badRequest,
  CavaticaApiError,
  Code,
  errorResponse,
  fileNotFound,
  uploadNotFound,
} from "../errors.ts";
import { fileBlobs, type PartDoc } from "../state.ts";

/** 403 for a URL whose signature does not verify or whose `expires` has passed. */
function checkSignature(context: ServerContext, parts: readonly string[], url: URL): void {
  const check = context.signer.verify(parts, url.search);
  // Mutants (mutations.ts): one takes any URL, tampered or not; the other forgets to check expiry.
  if (check === "invalid" && breaks(context, "CV-PART-URL-SIGNATURE")) return;
  if (check === "expired" && breaks(context, "CV-PART-URL-EXPIRY")) return;
  if (check === "invalid")
    throw new CavaticaApiError(
      403,
      Code.forbidden,
      "The request signature does not match the signed URL",
      "CV-PART-URL-SIGNATURE",
    );
  if (check === "expired")
    throw new CavaticaApiError(403, Code.forbidden, "Request has expired", "CV-PART-URL-EXPIRY");
}

/** A part over the maximum: 400, or 413 in the strict reading (the documents give no code). */
const tooLarge = (context: ServerContext, max: number) =>
  context.reading === "strict"
    ? new CavaticaApiError(413, Code.badRequest, `Part exceeds ${max} bytes`, "CV-PART-SIZE")
    : badRequest(Code.badRequest, `Part exceeds ${max} bytes`, "CV-PART-SIZE");

/** The CV-STORAGE-ETAG:large mutant hashes at most this much of a part. */
const HASHED_PREFIX = 5 * 1024 * 1024;

/** The hex MD5 of a stored blob's first `HASHED_PREFIX` bytes (the CV-STORAGE-ETAG:large mutant). */
async function prefixMd5(context: ServerContext, blob: string): Promise<string> {
  const hash = createHash("md5");
  for await (const chunk of context.store.read(blob, {
    start: 0,
    end: HASHED_PREFIX - 1,
  }) as unknown as AsyncIterable<Uint8Array>)
    hash.update(chunk);
  return hash.digest("hex");
}

/** The CV-ABORT mutant: a storage that never hears of the abort answers 200 and keeps nothing. */
async function acceptForgotten(request: Request): Promise<Response> {
  const hash = createHash("md5");
  if (request.body !== null)
    for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
  return new Response(null, {
    status: 200,
    headers: { etag: `"${hash.digest("hex")}"`, "content-length": "0" },
  });
}

/** PUT /storage/uploads/{upload_id}/parts/{part_number}?expires=…&signature=… */
export const storagePutPart: OperationHandler = async (context, request, url, params) => {
  const rawId = params.upload_id!;
  const rawNumber = params.part_number!;
  // The signature covers the method, upload id, part number and expiry as they appear in the URL.
  checkSignature(context, partUrlScope(context, rawId, rawNumber), url);
  const { state, store, limits } = context;
  if (state.upload(rawId) === undefined) {
    if (breaks(context, "CV-ABORT")) return acceptForgotten(request);
    throw uploadNotFound();
  }
  const partNumber = Number(rawNumber);
  // Concurrency mutants look at the upload as it was before the bytes arrived.
  const lostUpdate = breaks(context, "CV-COMPLETE-ORDER:lost-update");
  const before = breaks(context, "CV-COMPLETE-ORDER:inflight-resend")
    ? state.upload(rawId)?.parts.get(partNumber)
    : undefined;
  const snapshot = lostUpdate ? new Map(state.upload(rawId)?.parts) : undefined;

  // Sizes below 5 MiB are checked at complete (CV-COMPLETE-MIN-SIZE); here only the 5 GiB cap.
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limits.maxPartSize)
    throw tooLarge(context, limits.maxPartSize);
  let staged: StagedBlob;
  try {
    staged = await store.ingest(request.body, { maxBytes: limits.maxPartSize });
  } catch (error) {
    if (error instanceof BlobTooLargeError) throw tooLarge(context, limits.maxPartSize);
    // A failing disk is the server's problem (500); a body that broke off is the client's.
    if (isStorageError(error)) throw error;
    throw badRequest(
      Code.badRequest,
      "The part body could not be read (truncated?); nothing was stored",
      "CV-PART-SIZE",
    );
  }

  try {
    const md5 = await state.locks.run(rawId, async () => {
      // Aborted or completed while the bytes streamed in (CV-ABORT): keep nothing.
      const entry = state.upload(rawId);
      if (entry === undefined) throw uploadNotFound();
      const blob = `p-${rawId}-${partNumber}-${randomBytes(6).toString("hex")}`;
      await staged.commit(blob);
      const previous = entry.parts.get(partNumber);
      let digest = Buffer.from(staged.md5).toString("hex");
      // Mutants: CV-STORAGE-ETAG answers (and then expects) the MD5 of the MD5; :large the MD5 of
      // the first 5 MiB; CV-COMPLETE-ORDER:inflight-resend the MD5 of a copy that finished while
      // this one was in flight.
      if (breaks(context, "CV-STORAGE-ETAG")) digest = createHash("md5").update(digest).digest("hex");
      if (breaks(context, "CV-STORAGE-ETAG:large") && staged.size > HASHED_PREFIX)
        digest = await prefixMd5(context, blob);
      if (
        previous !== undefined &&
        previous !== before &&
        breaks(context, "CV-COMPLETE-ORDER:inflight-resend")
      )
        digest = previous.md5;
      const part: PartDoc = {
        uploadId: rawId,
        partNumber,
        // The CV-COMPLETE-ORDER:shorter-resend mutant keeps the size of a longer earlier copy.
        size:
          breaks(context, "CV-COMPLETE-ORDER:shorter-resend") && previous !== undefined
            ? Math.max(previous.size, staged.size)
            : staged.size,
        md5: digest,
        blob,
        // A part sent again keeps its last report; complete then finds the ETag stale (CV-REPORT-ETAG).
        ...(previous?.report === undefined ? {} : { report: previous.report }),
      };
      await state.putPart(entry, part);
      if (snapshot !== undefined) {
        // The CV-COMPLETE-ORDER:lost-update mutant writes back the part table it read first.
        snapshot.set(partNumber, part);
        entry.parts.clear();
        for (const [n, kept] of snapshot) entry.parts.set(n, kept);
      }
      return part.md5;
    });
    // Mutants: CV-SUCCESS-CODES answers 201 (not in success_codes), CV-REPORT-HEADERS no ETag.
    const status = breaks(context, "CV-SUCCESS-CODES") ? 201 : 200;
    const headers: Record<string, string> = { etag: `"${md5}"`, "content-length": "0" };
    if (breaks(context, "CV-REPORT-HEADERS")) delete headers.etag;
    return new Response(null, { status, headers });
  } finally {
    await staged.discard();
  }
};

/** GET|HEAD /storage/files/{file_id}?expires=…&signature=…, with single-range support. */
export const storageGetFile: OperationHandler = async (context, request, url, params) => {
  const rawId = params.file_id!;
  checkSignature(context, ["GET", rawId], url);
  const file = context.state.file(rawId);
  if (file === undefined) throw fileNotFound();
  const headers: Record<string, string> = {
    "content-type": "application/octet-stream",
    "accept-ranges": "bytes",
    etag: `"${file.md5}"`,
    "content-disposition": `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`,
  };
  const range = parseRange(request.headers.get("range"), file.size);
  if (range.kind === "unsatisfiable")
    return errorResponse(
      416,
      `Range not satisfiable for ${file.size} bytes`,
      "CV-COMPLETE-FILE",
      Code.badRequest,
      { "content-range": contentRange(undefined, file.size) },
    );
  const head = request.method === "HEAD";
  // The file is its blobs read in order (complete.ts copies nothing); a range may span several.
  const blobs = fileBlobs(file);
  const bytes = (range?: ByteRange) => segmentStream(context.store.read.bind(context.store), blobs, range);
  if (range.kind === "whole") {
    headers["content-length"] = String(file.size);
    return new Response(head || file.size === 0 ? null : bytes(), { status: 200, headers });
  }
  headers["content-length"] = String(range.end - range.start + 1);
  headers["content-range"] = contentRange(range, file.size);
  return new Response(head ? null : bytes(range), { status: 206, headers });
};
