/**
 * `upload(source, options)`: a file into a BaseSpace AppResult, the way the official SDKs do it
 * (PROTOCOLS.md 1.6) with the gaps closed.
 *
 * - **Which request.** A file of known size up to 25,000,000 bytes (`BASESPACE_SIMPLE_UPLOAD_MAX`,
 *   the Python SDK's switch) goes in one simple `POST appresults/{id}/files?name=…` with its
 *   `Content-Type` and `Content-MD5` (BS-SIMPLE-UPLOAD). Anything larger, and every stream of
 *   unknown length (BaseSpace multipart can "start before the total size is known" [S0]), is a
 *   multipart upload: initiate (`multipart=true`, BS-INIT-MULTIPART), `PUT files/{id}/parts/{n}`
 *   with `Content-MD5` on every part (BS-PART-MD5), parts planned within `basespaceLimits`
 *   (BS-PART-NUMBER, BS-PART-MIN-SIZE, BS-PART-MAX-SIZE), then `uploadstatus=complete`
 *   (BS-COMPLETE-STATUS: 201, 200 accepted).
 * - **Integrity.** Every part's returned ETag is compared with the part's local hex MD5
 *   (BS-PART-ETAG); a mismatch, like a 400 naming BS-PART-MD5, is a part corrupted in transit and
 *   is retried. The result carries the MD5 of the whole file.
 * - **Scheduling.** Concurrency, retries (capped exponential backoff, full jitter, `Retry-After`),
 *   abort and progress are the engine session's, run by @partwise/client's `driveUpload`; this
 *   file only says how BaseSpace sends a part, completes and aborts.
 * - **Abort.** An `AbortSignal`, or a failure, cancels what is in flight and posts
 *   `uploadstatus=aborted` (BS-ABORT, best effort) — except when a journal asked to pause
 *   (`keepOnAbort`) or when the journal itself could not be written (the last saved journal can
 *   still resume the upload, as after a crash).
 * - **Resume.** With a `journal`, the upload id and every accepted part are saved before the
 *   session counts the part; a later call with the same source continues and sends only the
 *   parts the journal does not list, and refuses a source whose fingerprint changed.
 */
import type { UploadSource } from "@partwise/client";
import { isPartwiseError, RetriesExhaustedError } from "@partwise/engine";
import { createBasespaceClient } from "../client/client.ts";
import { BasespaceError, isBasespaceError } from "../client/errors.ts";
import { multipartUpload } from "./multipart.ts";
import {
  type BasespaceUploadOptions,
  type BasespaceUploadResult,
  resolveSettings,
  resolveSource,
  usageError,
} from "./options.ts";
import type { Context } from "./run.ts";
import { simpleUpload } from "./simple.ts";

/**
 * Uploads `source` to the AppResult `options.appResultId` and resolves with the stored File's
 * description, or rejects with a `BasespaceError` (`code` says why).
 */
export async function upload(
  source: UploadSource,
  options: BasespaceUploadOptions,
): Promise<BasespaceUploadResult> {
  const signal = options.signal;
  try {
    const settings = resolveSettings(source, options);
    const resolved = resolveSource(source);
    const client =
      "client" in options
        ? options.client
        : createBasespaceClient({
            baseUrl: options.baseUrl,
            token: options.token,
            tokenCarrier: options.tokenCarrier,
            fetch: options.fetch,
            dispatcher: options.dispatcher,
          });
    if (signal?.aborted) throw signal.reason;
    const ctx: Context = { client, settings, options };
    if (resolved.kind === "random" && resolved.source.size <= settings.simpleUploadMax)
      return await simpleUpload(ctx, resolved.source);
    if (resolved.kind === "stream" && options.journal)
      throw usageError("resume needs a source of known size (a Blob or a RandomAccessSource), not a stream");
    return await multipartUpload(ctx, resolved);
  } catch (error) {
    throw toUploadError(error, signal);
  }
}

/** `message` without the ` [RULE-ID]` suffix PartwiseError adds, so a wrapper does not repeat it. */
function bare(error: { message: string; rule?: string | undefined }): string {
  const suffix = error.rule === undefined ? "" : ` [${error.rule}]`;
  return suffix !== "" && error.message.endsWith(suffix)
    ? error.message.slice(0, -suffix.length)
    : error.message;
}

/** Every failure of `upload` as a `BasespaceError`. */
function toUploadError(error: unknown, signal: AbortSignal | undefined): BasespaceError {
  if (signal?.aborted) {
    if (isBasespaceError(error) && error.code === "PW_BASESPACE_ABORTED") return error;
    return new BasespaceError("the upload was aborted", {
      kind: "aborted",
      operation: "upload",
      retryable: false,
      cause: signal.reason,
    });
  }
  if (error instanceof RetriesExhaustedError && isBasespaceError(error.cause)) {
    const last = error.cause;
    const what = error.target === "complete" ? "the completion" : `part ${error.target}`;
    return new BasespaceError(`gave up on ${what} after ${error.attempts} attempts: ${bare(last)}`, {
      kind: last.kind,
      operation: last.operation,
      status: last.status,
      envelope: last.envelope,
      serverCode: last.serverCode,
      rule: last.rule,
      retryable: last.retryable,
      retryAfterMs: last.retryAfterMs,
      cause: error,
    });
  }
  if (isBasespaceError(error)) return error;
  if (isPartwiseError(error))
    return new BasespaceError(`the upload cannot proceed: ${bare(error)}`, {
      kind: "usage",
      operation: "upload",
      retryable: false,
      rule: error.rule,
      cause: error,
    });
  const message = error instanceof Error ? error.message : String(error);
  return new BasespaceError(`the upload failed: ${message}`, {
    kind: "usage",
    operation: "upload",
    retryable: false,
    cause: error,
  });
}
