/**
 * `upload(source, options)`: one file through the CAVATICA multipart flow (specs/cavatica.yaml
 * "Flow"). The requests are CAVATICA's steps (steps.ts); retries, report batching, resume, pause
 * and verification are @partwise/client's `runUpload`.
 *
 * The answered `part_size` is authoritative (CV-PART-SIZE): the file is cut into parts of exactly
 * that size, the last one smaller. Each part's storage ETag is checked against its MD5; accepted
 * parts are journaled, then reported in batches (CV-REPORT-BATCH); with every report flushed,
 * `completeUpload` creates the File (CV-COMPLETE-FILE), whose size is then checked.
 *
 * Resume: the journal's upload is looked up (CV-LIST-PARTS); parts the server recorded with the
 * journal's ETag are not sent again, journaled parts it never recorded are reported (or sent again
 * when storage no longer holds them). A signal with a journal pauses; without one it aborts
 * (CV-ABORT), as does a failure without a journal.
 */
import { AbortUpload, GaveUpError, type RunJournal, runUpload, type UploadSource } from "@partwise/client";
import { blobSource, isPartwiseError, planParts } from "@partwise/engine";
import { CavaticaError } from "../client/errors.ts";
import {
  type CavaticaUploadOptions,
  type CavaticaUploadResult,
  identityOf,
  resolveOptions,
  sourceChangedError,
  usageError,
} from "./options.ts";
import { type CavaticaJournalUpload, type CavaticaStored, cavaticaSteps } from "./steps.ts";

export type CavaticaJournal = RunJournal<CavaticaJournalUpload>;

function sizeOf(source: UploadSource): number | undefined {
  if (typeof Blob !== "undefined" && source instanceof Blob) return blobSource(source).size;
  const size = (source as { size?: unknown; read?: unknown }).size;
  return typeof size === "number" && typeof (source as { read?: unknown }).read === "function"
    ? size
    : undefined;
}

export async function upload(
  source: UploadSource,
  options: CavaticaUploadOptions,
): Promise<CavaticaUploadResult> {
  const settings = resolveOptions(source, options);
  const { client, signal } = settings;
  const size = sizeOf(source);
  // A file no part size can carry fails here, before an upload exists (CV-MAX-FILE-SIZE, CV-PART-NUMBER).
  if (size !== undefined) planParts(size, client.limits, { preferredPartSize: settings.preferredPartSize });
  const steps = cavaticaSteps(settings, size);
  const identity = identityOf(source);
  try {
    const done = await runUpload<CavaticaJournalUpload, CavaticaStored>({
      source,
      steps,
      errors: {
        usage: (message) =>
          /changed since|differs from the part/.test(message)
            ? sourceChangedError(message)
            : usageError(message),
        aborted: (reason, paused) =>
          new CavaticaError(
            "PW_CAVATICA_ABORTED",
            paused
              ? "upload: paused; the journal keeps the upload, run again to continue"
              : "upload: aborted",
            { operation: "upload", cause: reason },
          ),
        corrupt: (message) =>
          new CavaticaError("PW_CAVATICA_INVALID_RESPONSE", `upload: ${message}`, {
            operation: "upload",
            rule: "CV-COMPLETE-FILE",
          }),
      },
      journal: settings.journal,
      journalName: options.journalName,
      target: { ...settings.target, name: settings.name, overwrite: settings.overwrite },
      name: identity.name,
      retry: settings.retry,
      signal,
      wholeFileMd5: settings.wholeFileMd5,
      clock: settings.clock,
      random: settings.random,
      onProgress: settings.onProgress,
      slots: options.slots,
      // Nothing is corrupt on arrival (every part's ETag is checked): a size that differs is final.
      reuploads: 0,
    });
    return {
      ...done.result,
      ...(done.md5 === undefined ? {} : { md5: done.md5 }),
      parts: done.parts,
      uploadId: done.handle?.uploadId ?? "",
      partSize: done.handle?.partSize ?? done.partSize,
      resumed: done.resumed,
    } as CavaticaUploadResult;
  } catch (error) {
    throw uploadError(error, signal);
  }
}

/** Any failure as a `CavaticaError`: the last failure behind spent retries keeps its code. */
function uploadError(error: unknown, signal: AbortSignal | undefined): unknown {
  if (error instanceof CavaticaError) return error;
  if (signal?.aborted)
    return new CavaticaError("PW_CAVATICA_ABORTED", "upload: aborted", {
      operation: "upload",
      cause: signal.reason instanceof AbortUpload ? signal.reason : error,
    });
  if (error instanceof GaveUpError && error.cause instanceof CavaticaError) {
    const last = error.cause;
    const base = last.rule === undefined ? last.message : last.message.replace(` [${last.rule}]`, "");
    return new CavaticaError(
      last.code,
      `${base} (gave up on ${error.request} after ${error.attempts} attempts over ${(error.elapsedMs / 1000).toFixed(1)} s)`,
      {
        operation: last.operation,
        status: last.status,
        envelope: last.envelope,
        rule: last.rule,
        retryable: last.retryable,
        retryAfterMs: last.retryAfterMs,
        cause: error,
      },
    );
  }
  if (isPartwiseError(error)) return error;
  return error;
}
