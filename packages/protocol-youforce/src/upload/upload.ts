/**
 * `upload(source, options)`: a file to YouForce the way the vendor recommends (community upload
 * page; specs/youforce.yaml tag "Upload"): up to `multipartThreshold` (100 MB) in one
 * `uploadType=multipart` request, above it (and for streams of unknown length) `resumable` chunks.
 * The requests are YouForce's steps (steps.ts); retries, resume, pause and verification are
 * @partwise/client's `runUpload`.
 *
 * Everything a caller can get wrong is refused before the first request: the file name
 * (YF-NAME-CHARSET, YF-NAME-EXTENSION), the business type id, the sizes, a journal that belongs to
 * another file. Every failure is a `YouforceError`; when retries run out, the last failure's code
 * is kept (a 503 stays `PW_YOUFORCE_HTTP`) and the message names it.
 *
 * It resolves only once the stored file is verified: its size, and its MD5 `ETag` (or the file
 * read back) equal to the local file's. A stored file found corrupt is uploaded again, at most
 * `reuploads` times (a stream cannot be read twice: `PW_YOUFORCE_CORRUPT`).
 */
import { GaveUpError, type RunJournal, runUpload, type UploadSource } from "@partwise/client";
import { isPartwiseError } from "@partwise/engine";
import { createYouforceClient, type YouforceClient, type YouforceClientOptions } from "../client/client.ts";
import { YouforceError } from "../client/errors.ts";
import { checkFileName } from "../client/file-name.ts";
import type { File } from "../generated/schemas.ts";
import { resolveSettings, usage, type YouforceUploadOptions, type YouforceUploadResult } from "./options.ts";
import { type YouforceJournalUpload, youforceSteps } from "./steps.ts";

export type YouforceJournal = RunJournal<YouforceJournalUpload>;

/** Uploads `source` and resolves with the stored, verified `File`, its MD5 and how it was sent. */
export async function upload(
  source: UploadSource,
  options: YouforceUploadOptions,
): Promise<YouforceUploadResult> {
  const signal = options.signal;
  try {
    if (signal?.aborted) throw signal.reason;
    const settings = resolveSettings(source, options);
    checkFileName(settings.fileName, options.deniedExtensions, "upload");
    const client: YouforceClient =
      "client" in options && options.client !== undefined
        ? options.client
        : createYouforceClient(options as YouforceClientOptions);
    const steps = youforceSteps(client, settings, options);
    const single = (size: number, known: boolean) => known && size <= (steps.singleUpTo ?? 0);
    const onProgress = options.onProgress;
    const done = await runUpload<YouforceJournalUpload, File>({
      source,
      steps,
      errors: {
        usage: (message, rule) => usage(message, rule),
        aborted: (reason, paused) =>
          new YouforceError(
            paused
              ? "upload: paused; the journal keeps the upload, run again to continue"
              : "upload: aborted",
            { kind: "aborted", operation: "upload", retryable: false, cause: reason },
          ),
        corrupt: (message) =>
          new YouforceError(`upload: ${message}`, {
            kind: "invalid-response",
            code: "PW_YOUFORCE_CORRUPT",
            operation: "upload",
            retryable: false,
          }),
      },
      journal: options.journal,
      journalName: options.journalName,
      target: {
        fileName: settings.fileName,
        businessTypeId: settings.businessTypeId,
        customMetadata: settings.customMetadata ?? null,
        tenantId: options.tenantId ?? null,
      },
      name: settings.fileName,
      partSize: settings.chunkSizeGiven ? settings.chunkSize : undefined,
      retry: options.retry,
      signal,
      // No chunk digest: a corrupted chunk is found only once the file is closed, each costs an upload.
      reuploads: options.reuploads ?? 5,
      clock: options.clock,
      random: options.random,
      slots: options.slots,
      onProgress:
        onProgress &&
        ((p) =>
          onProgress({ ...p, uploadType: single(p.bytesTotal, p.totalKnown) ? "multipart" : "resumable" })),
    });
    return {
      ...done.result,
      md5: done.md5 as string,
      parts: done.parts,
      uploadType: done.parts <= 1 && single(done.result.size, true) ? "multipart" : "resumable",
      verified: true,
      resumed: done.resumed,
      discarded: done.discarded.map((file) => file.id),
    };
  } catch (error) {
    throw uploadError(error, signal);
  }
}

/** Any failure as a `YouforceError`: the caller's abort, the last failure behind spent retries… */
function uploadError(error: unknown, signal: AbortSignal | undefined): unknown {
  if (error instanceof YouforceError) return error;
  if (signal?.aborted)
    return new YouforceError("upload: aborted", {
      kind: "aborted",
      operation: "upload",
      retryable: false,
      cause: signal.reason,
    });
  if (error instanceof GaveUpError && error.cause instanceof YouforceError) {
    const last = error.cause;
    const base = last.rule === undefined ? last.message : last.message.replace(` [${last.rule}]`, "");
    return new YouforceError(
      `${base} (gave up on ${error.request} after ${error.attempts} attempts over ${(error.elapsedMs / 1000).toFixed(1)} s)`,
      {
        kind: last.kind,
        code: last.code,
        operation: last.operation,
        status: last.status,
        envelope: last.envelope,
        retryable: last.retryable,
        retryAfterMs: last.retryAfterMs,
        rule: last.rule,
        cause: error,
      },
    );
  }
  if (isPartwiseError(error) || error instanceof RangeError) {
    const rule = isPartwiseError(error) ? error.rule : undefined;
    const message = (error as Error).message.replace(rule === undefined ? "" : ` [${rule}]`, "");
    return new YouforceError(`The source could not be read: ${message}`, {
      kind: "usage",
      operation: "upload",
      retryable: false,
      rule,
      cause: error,
    });
  }
  return error;
}
