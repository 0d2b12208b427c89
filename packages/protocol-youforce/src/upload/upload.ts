/**
 * `upload(source, options)`: a file to YouForce the way the vendor recommends (community upload
 * page; specs/youforce.yaml tag "Upload"): up to `multipartThreshold` (100 MB) in one
 * `uploadType=multipart` request, above it (and for streams of unknown length) `resumable` chunks.
 * A file that fits in one chunk always goes multipart, as the official PowerShell client does.
 *
 * Everything a caller can get wrong is refused before the first request: the file name
 * (YF-NAME-CHARSET, YF-NAME-EXTENSION), the business type id, the sizes, a journal that belongs to
 * another file. Every failure is a `YouforceError`; when retries run out, the last failure's code
 * is kept (a 503 stays `PW_YOUFORCE_HTTP`), with the session's `RetriesExhaustedError` as cause.
 *
 * Sources: a `Blob`/`File`, any `RandomAccessSource` (in Node, `await fileSource(path)` from
 * @partwise/node), or a `ReadableStream`/`AsyncIterable` of bytes of unknown length (always
 * resumable unless it fits in one chunk; not resumable across processes).
 *
 * A stored file whose MD5 is found to differ from the local one (`verify`) is uploaded again,
 * at most `retry.maxRetriesPerPart` times (a multipart request as the session's retry, a resumable
 * upload from scratch); a stream cannot be read twice, so its upload fails with
 * `PW_YOUFORCE_CORRUPT` instead.
 */
import {
  fingerprintSource,
  isBlob,
  isRandomAccessSource,
  type JournalStore,
  type SourceFingerprint,
  type UploadSource,
} from "@partwise/client";
import {
  blobSource,
  DEFAULT_RETRY_POLICY,
  isPartwiseError,
  planParts,
  type RandomAccessSource,
  RetriesExhaustedError,
} from "@partwise/engine";
import { createYouforceClient, type YouforceClient, type YouforceClientOptions } from "../client/client.ts";
import { YouforceError } from "../client/errors.ts";
import { checkFileName } from "../client/file-name.ts";
import { parseJournal, sameSource, type YouforceJournal } from "./journal.ts";
import { uploadMultipart } from "./multipart.ts";
import {
  type ResolvedSettings,
  resolveSettings,
  usage,
  type YouforceUploadOptions,
  type YouforceUploadResult,
} from "./options.ts";
import { chunkLimits, sourceFailure, uploadResumable } from "./resumable.ts";

/** Uploads `source` and resolves with the stored `File`, its local MD5 and how it was sent. */
export async function upload(
  source: UploadSource,
  options: YouforceUploadOptions,
): Promise<YouforceUploadResult> {
  const signal = options.signal;
  try {
    if (signal?.aborted) throw signal.reason;
    let settings = resolveSettings(source, options);
    checkFileName(settings.fileName, options.deniedExtensions, "upload");
    const client: YouforceClient =
      "client" in options && options.client !== undefined
        ? options.client
        : createYouforceClient(options as YouforceClientOptions);

    const random: RandomAccessSource | undefined = isBlob(source)
      ? blobSource(source)
      : isRandomAccessSource(source)
        ? source
        : undefined;
    if (random === undefined) {
      if (options.journal !== undefined)
        throw usage(
          "A journal needs a random-access source (a Blob or a RandomAccessSource such as fileSource(path)): a stream cannot be read again to resume",
        );
      return await uploadResumable({
        client,
        settings,
        options,
        source: { kind: "stream", stream: source as ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> },
      });
    }

    if (random.size <= settings.multipartThreshold || random.size <= settings.chunkSize)
      return await uploadMultipart(client, settings, options, { kind: "source", source: random });

    let fingerprint: SourceFingerprint | undefined;
    let resumeFrom: YouforceJournal | undefined;
    if (options.journal !== undefined) {
      ({ fingerprint, resumeFrom } = await openJournal(options.journal, source, settings));
      if (resumeFrom !== undefined) settings = { ...settings, chunkSize: resumeFrom.partSize };
    }
    const restarts = options.retry?.maxRetriesPerPart ?? DEFAULT_RETRY_POLICY.maxRetriesPerPart;
    for (let attempt = 0; ; attempt++) {
      try {
        return await uploadResumable({
          client,
          settings,
          options,
          source: { kind: "random", source: random },
          journal: options.journal,
          resumeFrom: attempt === 0 ? resumeFrom : undefined,
          fingerprint,
        });
      } catch (error) {
        const corrupt = error instanceof YouforceError && error.code === "PW_YOUFORCE_CORRUPT";
        if (!corrupt || attempt >= restarts || signal?.aborted) throw error;
      }
    }
  } catch (error) {
    throw uploadError(error, signal);
  }
}

/** Loads and checks a journal: same file (fingerprint), same metadata, same chunking. */
async function openJournal(
  store: JournalStore,
  source: UploadSource,
  settings: ResolvedSettings,
): Promise<{ fingerprint: SourceFingerprint; resumeFrom: YouforceJournal | undefined }> {
  const modified =
    (source as { mtimeMs?: unknown; lastModified?: unknown }).mtimeMs ??
    (source as { lastModified?: unknown }).lastModified;
  const fingerprint = await fingerprintSource(source, {
    name: settings.fileName,
    ...(typeof modified === "number" ? { mtimeMs: modified } : {}),
  });
  const saved = await store.load();
  if (saved === undefined) return { fingerprint, resumeFrom: undefined };
  const journal = parseJournal(saved);
  if (!sameSource(journal.source, fingerprint))
    throw usage(
      "The source changed since the journal was written (its size, modification time or sampled content differ); remove the journal to start over",
    );
  if (
    journal.upload.fileName !== settings.fileName ||
    journal.upload.businessTypeId !== settings.businessTypeId
  )
    throw usage(
      `The journal resumes ${JSON.stringify(journal.upload.fileName)} for business type ${journal.upload.businessTypeId}, not ${JSON.stringify(settings.fileName)} for ${settings.businessTypeId}`,
    );
  if (settings.chunkSizeGiven && settings.chunkSize !== journal.partSize)
    throw usage(
      `chunkSize ${settings.chunkSize} differs from the journal's ${journal.partSize}: chunk positions depend on it`,
      "YF-RESUMABLE-POSITION",
    );
  let chunks: number;
  try {
    chunks = planParts(fingerprint.size, chunkLimits(journal.partSize), {
      preferredPartSize: journal.partSize,
    }).length;
  } catch (error) {
    throw sourceFailure(error);
  }
  if (chunks !== journal.upload.chunks)
    throw usage(`The journal plans ${journal.upload.chunks} chunks where the source needs ${chunks}`);
  return { fingerprint, resumeFrom: journal };
}

/** Any failure as a `YouforceError`: the caller's abort, the last failure behind spent retries… */
function uploadError(error: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted && !(error instanceof YouforceError && error.kind === "usage")) {
    if (error instanceof YouforceError && error.kind === "aborted") return error;
    return new YouforceError("upload: aborted", {
      kind: "aborted",
      operation: "upload",
      retryable: false,
      cause: signal.reason,
    });
  }
  if (error instanceof YouforceError) return error;
  if (error instanceof RetriesExhaustedError && error.cause instanceof YouforceError) {
    const last = error.cause;
    const base = last.rule === undefined ? last.message : last.message.replace(` [${last.rule}]`, "");
    return new YouforceError(`${base} (${error.message})`, {
      kind: last.kind,
      code: last.code,
      operation: last.operation,
      status: last.status,
      envelope: last.envelope,
      retryable: last.retryable,
      retryAfterMs: last.retryAfterMs,
      rule: last.rule,
      cause: error,
    });
  }
  if (isPartwiseError(error)) return sourceFailure(error);
  return error;
}
