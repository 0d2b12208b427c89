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
 * - **Scheduling.** Concurrency, the retry of every request (capped exponential backoff, full
 *   jitter, `Retry-After`, a budget in attempts and time), pause, abort, progress and resume are
 *   @partwise/client's `runUpload`; steps.ts says how BaseSpace sends, completes, looks up and
 *   aborts.
 * - **Abort.** An `AbortSignal` cancels what is in flight. With a journal the upload pauses (it
 *   stays pending, the journal is kept); without one, and on a failure without one, it posts
 *   `uploadstatus=aborted` (BS-ABORT, best effort). A failure with a journal keeps both.
 * - **Resume.** With a `journal`, the upload id and every accepted part are saved before the
 *   part counts as accepted; a later call with the same source continues and sends only the
 *   parts the journal does not list, and refuses a source whose fingerprint changed.
 */
import { GaveUpError, type RunJournal, runUpload, type UploadSource } from "@partwise/client";
import { isPartwiseError } from "@partwise/engine";
import { createBasespaceClient } from "../client/client.ts";
import { BasespaceError, isBasespaceError } from "../client/errors.ts";
import type { File as BasespaceFile } from "../generated/schemas.ts";
import {
  type BasespaceUploadOptions,
  type BasespaceUploadResult,
  resolveSettings,
  resolveSource,
  usageError,
} from "./options.ts";
import { describeResult } from "./result.ts";
import { type BasespaceJournalUpload, basespaceSteps } from "./steps.ts";

export type BasespaceJournal = RunJournal<BasespaceJournalUpload>;

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
    resolveSource(source);
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
    const steps = basespaceSteps(client, settings);
    const done = await runUpload<BasespaceJournalUpload, BasespaceFile>({
      source,
      steps,
      errors: {
        usage: (message, rule) => usageError(message, rule),
        aborted: (reason, paused) =>
          new BasespaceError(
            paused
              ? "the upload was paused; the journal keeps it, run again to continue"
              : "the upload was aborted",
            { kind: "aborted", operation: "upload", retryable: false, cause: reason },
          ),
        corrupt: (message) =>
          new BasespaceError(`the upload failed: ${message}`, {
            kind: "invalid-response",
            operation: "upload",
            retryable: false,
          }),
      },
      journal: options.journal,
      journalName: options.journalName,
      target: {
        appResultId: settings.appResultId,
        name: settings.name,
        directory: settings.directory ?? null,
      },
      name: settings.name,
      retry: options.retry,
      signal,
      wholeFileMd5: settings.wholeFileMd5,
      clock: options.clock,
      random: options.random,
      onProgress: options.onProgress,
      slots: options.slots,
      // Every part is checked on arrival (Content-MD5, ETag): a stored file that differs is final.
      reuploads: 0,
    });
    return describeResult(done.result, {
      md5: done.md5,
      parts: done.parts,
      method: done.handle === undefined ? "simple" : "multipart",
      resumed: done.resumed,
    });
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
  if (error instanceof GaveUpError && isBasespaceError(error.cause)) {
    const last = error.cause;
    const seconds = (error.elapsedMs / 1000).toFixed(1);
    return new BasespaceError(
      `gave up on ${error.request} after ${error.attempts} attempts over ${seconds} s: ${bare(last)}`,
      {
        kind: last.kind,
        operation: last.operation,
        status: last.status,
        envelope: last.envelope,
        serverCode: last.serverCode,
        rule: last.rule,
        retryable: last.retryable,
        retryAfterMs: last.retryAfterMs,
        cause: error,
      },
    );
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
