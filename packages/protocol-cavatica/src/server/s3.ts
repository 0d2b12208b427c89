/**
 * CAVATICA on a real S3 (`storage: { kind: "s3" }`), as the platform works [S3]: each upload is an
 * S3 multipart upload of the object `f-{upload_id}`; a part URL is a presigned S3 `UploadPart` URL
 * that the client PUTs to directly (S3 answers 200 with the part's `ETag`, its quoted MD5); the
 * parts S3 holds are read back with `ListParts` before reports are checked, so reports, listings
 * and completion apply the same rules as on disk (CV-REPORT-ETAG, CV-COMPLETE-MISSING,
 * CV-COMPLETE-MIN-SIZE) to what S3 really stored; completion is `CompleteMultipartUpload` with the
 * reported ETags, and the file's ETag is S3's (read with a HEAD: RGW 16 answers an empty one to the
 * completion); abort is `AbortMultipartUpload`; download URLs are presigned S3 GETs.
 *
 * The storage emulator's mutants (mutations.ts) act on the emulator's own routes, not on S3.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html
 */
import { S3StoreError } from "@partwise/node";
import type { ServerContext } from "./context.ts";
import { Code, conflict, uploadNotFound } from "./errors.ts";
import type { PartDoc, UploadEntry } from "./state.ts";

/** The object key an upload's file becomes. */
export const objectKeyOf = (uploadId: string): string => `f-${uploadId}`;

/** Seconds from milliseconds, at least 1 (S3 presigns for whole seconds, 1 s to 7 days). */
const seconds = (ms: number): number => Math.min(7 * 24 * 3600, Math.max(1, Math.ceil(ms / 1000)));

const unquote = (etag: string): string => etag.replace(/^"|"$/g, "").toLowerCase();

/** Starts the S3 multipart upload behind a new upload; returns what its document records. */
export async function startS3Upload(
  context: ServerContext,
  uploadId: string,
): Promise<{ key: string; uploadId: string } | undefined> {
  if (context.s3 === undefined) return undefined;
  const key = objectKeyOf(uploadId);
  return { key, uploadId: await context.s3.createMultipartUpload(key) };
}

/** A presigned `UploadPart` URL and its expiry (epoch seconds). */
export async function presignPart(
  context: ServerContext,
  entry: UploadEntry,
  partNumber: number,
): Promise<{ url: string; expires: number } | undefined> {
  const s3 = context.s3;
  const upload = entry.doc.s3;
  if (s3 === undefined || upload === undefined) return undefined;
  const ttl = seconds(context.partUrlTtlMs);
  const url = await s3.presignUploadPart(upload.key, upload.uploadId, partNumber, ttl);
  return { url, expires: Math.floor(Date.now() / 1000) + ttl };
}

/**
 * Brings the upload's part table in line with the parts S3 holds (call under the upload's lock):
 * a part S3 has that the table lacks or holds with another size or ETag is recorded, keeping its
 * last report (a part sent again after its report then fails CV-REPORT-ETAG, as on disk).
 */
export async function syncS3Parts(context: ServerContext, entry: UploadEntry): Promise<void> {
  const s3 = context.s3;
  const upload = entry.doc.s3;
  if (s3 === undefined || upload === undefined) return;
  let parts: Awaited<ReturnType<typeof s3.listParts>>;
  try {
    parts = await s3.listParts(upload.key, upload.uploadId);
  } catch (error) {
    if (error instanceof S3StoreError && error.s3Code === "NoSuchUpload") throw uploadNotFound();
    throw error;
  }
  for (const part of parts) {
    const md5 = unquote(part.etag);
    const previous = entry.parts.get(part.partNumber);
    if (previous !== undefined && previous.md5 === md5 && previous.size === part.size) continue;
    const doc: PartDoc = {
      uploadId: entry.doc.uploadId,
      partNumber: part.partNumber,
      size: part.size,
      md5,
      blob: upload.key,
      ...(previous?.report === undefined ? {} : { report: previous.report }),
    };
    await context.state.putPart(entry, doc);
  }
}

/** S3's refusals of a completion, as CAVATICA's 409 / 8007 naming the rule. */
const REFUSALS: Readonly<Record<string, string>> = {
  InvalidPart: "CV-REPORT-ETAG",
  InvalidPartOrder: "CV-COMPLETE-ORDER",
  EntityTooSmall: "CV-COMPLETE-MIN-SIZE",
};

/**
 * Completes the S3 upload with `parts` (checked, ascending) and their reported ETags; answers the
 * object's size and ETag (unquoted).
 */
export async function completeOnS3(
  context: ServerContext,
  entry: UploadEntry,
  parts: readonly PartDoc[],
): Promise<{ key: string; size: number; etag: string } | undefined> {
  const s3 = context.s3;
  const upload = entry.doc.s3;
  if (s3 === undefined || upload === undefined) return undefined;
  try {
    const done = await s3.completeMultipartUpload(
      upload.key,
      upload.uploadId,
      parts.map((part) => ({ partNumber: part.partNumber, etag: `"${part.report?.etag ?? part.md5}"` })),
    );
    return { key: upload.key, size: done.size, etag: unquote(done.etag) };
  } catch (error) {
    if (error instanceof S3StoreError) {
      if (error.s3Code === "NoSuchUpload") throw uploadNotFound();
      const rule = REFUSALS[error.s3Code];
      if (rule !== undefined)
        throw conflict(
          Code.completeFailed,
          `Failed to complete upload: the storage refused the parts (${error.s3Code})`,
          rule,
        );
    }
    throw error;
  }
}

/** Aborts the S3 upload behind an upload (its parts are then gone from the bucket). */
export async function abortOnS3(context: ServerContext, entry: UploadEntry): Promise<void> {
  const upload = entry.doc.s3;
  if (context.s3 === undefined || upload === undefined) return;
  await context.s3.abortMultipartUpload(upload.key, upload.uploadId);
}
