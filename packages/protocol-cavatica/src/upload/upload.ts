/**
 * `upload(source, options)`: one file through the CAVATICA multipart flow (specs/cavatica.yaml
 * "Flow"), driven by the engine's `UploadSession` through @partwise/client's `driveUpload`.
 *
 * 1. start.ts: `initUpload` with `project` XOR `parent` (CV-INIT-TARGET), `name`, `size` when known
 *    and the preferred `part_size`; the answered `part_size` is authoritative (CV-PART-SIZE): the
 *    file is cut into parts of exactly that size, the last one smaller (a stream's too). Or the
 *    journal's upload, on resume.
 * 2. part.ts: per part attempt, a fresh part URL and the storage request exactly as it says, the
 *    ETag checked against the local MD5.
 * 3. Accepted parts are journaled, then reported in batches (reporter.ts, CV-REPORT-BATCH).
 * 4. Every report flushed, `completeUpload` creates the File (CV-COMPLETE-FILE). With
 *    `wholeFileMd5`, the whole file's MD5 comes from the bytes read for the parts (@partwise/client's
 *    `WholeFileMd5`); by default it is not computed and each byte is hashed once, for its part.
 * On `signal` the upload is aborted on the server (`DELETE`, CV-ABORT); on a failure too, unless
 * a journal keeps it for a later resume (`abortOnFailure`).
 *
 * Resume: parts the server lists as reported (CV-LIST-PARTS) with the local MD5 are not sent
 * again — they go through the session as parts that succeed at once — and journaled parts that
 * storage accepted but the API never recorded are reported first. A stream is read again from its
 * start, each resumed part checked against the journal and the server.
 */
import {
  createPartFeed,
  driveUpload,
  fingerprintSource,
  isBlob,
  isRandomAccessSource,
  type PartFeed,
  type UploadDriver,
  type UploadProgress,
  type UploadSource,
  WholeFileMd5,
} from "@partwise/client";
import {
  blobSource,
  type PartLimits,
  planParts,
  type RandomAccessSource,
  readPart,
  toHex,
  UploadSession,
} from "@partwise/engine";
import { CavaticaError, isCavaticaError } from "../client/errors.ts";
import type { File } from "../generated/schemas.ts";
import {
  type CavaticaJournal,
  type CavaticaJournalPart,
  type CavaticaJournalUpload,
  JOURNAL_PROTOCOL,
  JournalWriter,
} from "./journal.ts";
import {
  type CavaticaUploadOptions,
  type CavaticaUploadResult,
  identityOf,
  resolveOptions,
  sourceChangedError,
} from "./options.ts";
import { putPart } from "./part.ts";
import { PartReporter } from "./reporter.ts";
import { startUpload, type UploadStart } from "./start.ts";

function abortedError(signal: AbortSignal): CavaticaError {
  return new CavaticaError("PW_CAVATICA_ABORTED", "upload: aborted", {
    operation: "upload",
    cause: signal.reason,
  });
}

/** The limits a plan with the server's `part_size` keeps: every part but the last exactly that size. */
function fixedPartSize(limits: PartLimits, partSize: number): PartLimits {
  return { ...limits, minPartSize: partSize, maxPartSize: partSize };
}

/**
 * Before sending: journaled parts the API never recorded are reported (when storage no longer
 * holds them as journaled, 400 / 8014 CV-REPORT-ETAG, they are sent again instead); then, for a
 * random-access source, the parts the server has with the local MD5 (the journal's, or read now)
 * are the resumed ones. A stream's are found as it is read again.
 */
async function reconcile(
  start: UploadStart,
  reporter: PartReporter,
  feed: PartFeed,
  source: RandomAccessSource | undefined,
): Promise<Map<number, string>> {
  const { journalParts, serverParts } = start;
  const unreported = [...journalParts].filter(([n, p]) => serverParts.get(n) !== p.etag.toLowerCase());
  if (unreported.length > 0) {
    try {
      await reporter.report(
        unreported.map(([n, p]) => ({ part_number: n, response: { headers: { ETag: p.etag } } })),
      );
      for (const [n, p] of unreported) serverParts.set(n, p.etag.toLowerCase());
    } catch (error) {
      if (!(isCavaticaError(error) && error.kind === "http" && !error.retryable)) throw error;
      for (const [n] of unreported) journalParts.delete(n);
    }
  }
  const resumed = new Map<number, string>();
  if (source === undefined) return resumed;
  for (const [n, etag] of serverParts) {
    const planned = feed.known[n - 1];
    if (planned === undefined)
      throw sourceChangedError(
        `the upload holds part ${n}, beyond the ${feed.known.length} parts of this source`,
      );
    const local = journalParts.get(n)?.md5 ?? toHex((await readPart(source, planned)).md5);
    if (local !== etag) {
      journalParts.delete(n);
      continue;
    }
    resumed.set(n, etag);
    const part = journalParts.get(n);
    journalParts.set(n, { size: planned.size, md5: local, etag: part?.etag ?? etag, reported: true });
  }
  return resumed;
}

export async function upload(
  source: UploadSource,
  options: CavaticaUploadOptions,
): Promise<CavaticaUploadResult> {
  const settings = resolveOptions(source, options);
  const { client, clock, signal: userSignal } = settings;
  const randomAccess = isBlob(source)
    ? blobSource(source)
    : isRandomAccessSource(source)
      ? source
      : undefined;
  const size = randomAccess?.size;
  // A file no part size can carry fails here, before an upload exists (CV-MAX-FILE-SIZE, CV-PART-NUMBER).
  if (size !== undefined) planParts(size, client.limits, { preferredPartSize: settings.preferredPartSize });
  if (userSignal?.aborted) throw abortedError(userSignal);
  const fingerprint =
    settings.journal === undefined ? undefined : await fingerprintSource(source, identityOf(source));
  const start = await startUpload(settings, size, fingerprint);
  const { uploadId, partSize, journalParts, serverParts } = start;

  const handle = { ...settings.target, uploadId, name: settings.name, overwrite: settings.overwrite };
  const writer =
    settings.journal &&
    new JournalWriter(
      settings.journal,
      (): CavaticaJournal => ({
        format: "partwise.upload-journal",
        version: 1,
        protocol: JOURNAL_PROTOCOL,
        upload: handle as CavaticaJournalUpload,
        source: fingerprint ?? { size: -1 },
        partSize,
        parts: Object.fromEntries(
          [...journalParts].sort(([a], [b]) => a - b).map(([n, p]) => [String(n), p]),
        ),
      }),
    );

  // `stop` ends the run: the caller's signal, a report that cannot succeed, a throwing callback.
  const stop = new AbortController();
  const onUserAbort = () => stop.abort(userSignal?.reason);
  userSignal?.addEventListener("abort", onUserAbort, { once: true });
  if (userSignal?.aborted) onUserAbort(); // while the upload was being created
  let reporter: PartReporter | undefined;
  stop.signal.addEventListener("abort", () => reporter?.close(), { once: true });
  let serverAborted = false;
  let completed = false;
  const abortOnServer = async (): Promise<void> => {
    if (serverAborted || completed) return;
    serverAborted = true;
    reporter?.close();
    try {
      await client.abortUpload(uploadId, { signal: AbortSignal.timeout(10_000) });
    } catch {
      // Best effort: the platform abandons an upload nobody completes.
    }
    try {
      await writer?.remove();
    } catch {
      // A journal of a deleted upload only makes the next run start over.
    }
  };

  try {
    const feed = createPartFeed(source, {
      limits: fixedPartSize(client.limits, partSize),
      preferredPartSize: partSize,
    });

    // Progress: the driver's view, plus what the API recorded.
    let drive: UploadProgress | undefined;
    let bytesReported = 0;
    let partsReported = 0;
    let resumedSentBytes = 0;
    let streamTotal: { parts: number; bytes: number } | undefined;
    const emit = () => {
      if (!settings.onProgress || !drive) return;
      try {
        settings.onProgress({
          bytesSent: drive.bytesSent - resumedSentBytes,
          bytesAccepted: drive.bytesDone,
          bytesReported,
          partsDone: drive.partsDone,
          partsReported,
          partsTotal: feed.openEnded ? streamTotal?.parts : drive.partsTotal,
          bytesTotal: feed.openEnded ? streamTotal?.bytes : size,
          inFlight: drive.inFlight,
        });
      } catch (error) {
        stop.abort(error);
      }
    };
    const recordReported = (part: CavaticaJournalPart) => {
      bytesReported += part.size;
      partsReported += 1;
    };

    reporter = new PartReporter({
      client,
      uploadId,
      batchSize: settings.batchSize,
      intervalMs: settings.intervalMs,
      clock,
      policy: settings.policy,
      random: settings.random,
      onReported: async (batch) => {
        for (const { part_number } of batch) {
          const part = journalParts.get(part_number);
          if (part === undefined) continue;
          journalParts.set(part_number, { ...part, reported: true });
          recordReported(part);
        }
        emit();
        await writer?.save();
      },
      onFatal: (error) => stop.abort(error),
    });

    /** Parts the server already has, by number: skipped, their ETag known. */
    const resumed = await reconcile(start, reporter, feed, randomAccess);
    for (const n of resumed.keys()) recordReported(journalParts.get(n)!);
    await writer?.save();

    const readBytes = async (n: number) => (await feed.read(n)).bytes;
    const digest = settings.wholeFileMd5
      ? await WholeFileMd5.create({ skipped: new Set(resumed.keys()), readSkipped: readBytes })
      : undefined;
    const partCount = () => (feed.openEnded ? (streamTotal?.parts ?? 0) : feed.known.length);
    const fileMd5 = async () => digest?.finish(partCount(), readBytes);
    /** What storage answered this run, by part: journaled, then reported, once the session accepts it. */
    const accepted = new Map<
      number,
      { size: number; md5: string; etag: string; headers: Record<string, string> }
    >();
    const resumedThisRun = new Set<number>();
    let streamBytes = 0;
    let file: File | undefined;
    let session: UploadSession | undefined;

    /** A stream's next part, read again on resume and checked against what was uploaded before. */
    const nextStreamPart = async () => {
      const next = await feed.next();
      if (next === undefined) {
        const parts = session?.progress.partsTotal ?? 0;
        for (const n of serverParts.keys())
          if (n > parts)
            throw sourceChangedError(`the upload holds part ${n}, beyond the ${parts} parts of this stream`);
        streamTotal = { parts, bytes: streamBytes };
        return undefined;
      }
      const { bytes, md5: digestBytes } = await feed.read(next.number);
      const md5 = toHex(digestBytes);
      const journaled = journalParts.get(next.number);
      const onServer = serverParts.get(next.number);
      if (journaled !== undefined && journaled.md5 !== md5)
        throw sourceChangedError(`part ${next.number} of the stream differs from the journal's`);
      if (onServer !== undefined) {
        if (onServer !== md5)
          throw sourceChangedError(`part ${next.number} of the stream differs from the one on the server`);
        resumed.set(next.number, onServer);
        const part = { size: next.size, md5, etag: journaled?.etag ?? onServer, reported: true };
        journalParts.set(next.number, part);
        recordReported(part);
      }
      // In order, and before the part's buffer can go back to the feed's pool.
      digest?.offer(next.number, bytes);
      streamBytes += next.size;
      return { number: next.number, size: next.size };
    };

    const driver: UploadDriver = {
      async sendPart(command, signal) {
        const known = resumed.get(command.number);
        if (known !== undefined) {
          resumedThisRun.add(command.number);
          resumedSentBytes += command.size;
          return known;
        }
        const part = await feed.read(command.number);
        if (!feed.openEnded) digest?.offer(command.number, part.bytes);
        const md5 = toHex(part.md5);
        const stored = await putPart(
          client,
          uploadId,
          command.number,
          { bytes: part.bytes, md5 },
          { clock, signal },
        );
        accepted.set(command.number, {
          size: part.size,
          md5,
          etag: stored.etag,
          headers: { ...stored.headers },
        });
        return stored.etag;
      },
      async complete(_command, signal) {
        await reporter!.flush();
        await fileMd5();
        // Every part is reported: complete takes no body (sevenbridges-python sends none either).
        file = await client.completeUpload(uploadId, undefined, { signal });
        completed = true;
      },
      async abortUpload() {
        reporter?.close();
        if (userSignal?.aborted || settings.abortOnFailure) await abortOnServer();
      },
      ...(feed.openEnded ? { nextPart: nextStreamPart } : {}),
    };

    session = new UploadSession({
      parts: feed.known.map((p) => ({ number: p.number, size: p.size })),
      openEnded: feed.openEnded,
      concurrency: start.parallel ? settings.concurrency : 1,
      retry: settings.retry,
      random: settings.random,
    });
    await driveUpload({
      session,
      driver,
      clock,
      signal: stop.signal,
      onPartAccepted: async (number) => {
        const part = accepted.get(number);
        accepted.delete(number);
        if (part !== undefined && !resumedThisRun.has(number)) {
          journalParts.set(number, { size: part.size, md5: part.md5, etag: part.etag, reported: false });
          await writer?.save();
          reporter?.add({ part_number: number, response: { headers: part.headers } });
        }
        feed.release(number);
      },
      onProgress: (progress) => {
        drive = progress;
        emit();
      },
    });

    reporter.close();
    const total = feed.openEnded ? (streamTotal?.bytes ?? 0) : (size ?? 0);
    if (file!.size !== total)
      throw new CavaticaError(
        "PW_CAVATICA_INVALID_RESPONSE",
        `completeUpload: the File has ${file!.size} bytes where ${total} were uploaded`,
        { operation: "completeUpload", rule: "CV-COMPLETE-FILE" },
      );
    try {
      await writer?.remove();
    } catch {
      // The file exists: a journal left behind only makes a later run find its upload gone (404)
      // and start over, so failing this upload for it would be wrong.
    }
    const md5 = await fileMd5();
    return { ...file!, ...(md5 === undefined ? {} : { md5 }), parts: partCount(), uploadId, partSize };
  } catch (error) {
    reporter?.close();
    // A failure outside the driver (reconciling a resume, a source check) gets the driver's treatment.
    if (userSignal?.aborted || settings.abortOnFailure) await abortOnServer();
    if (userSignal?.aborted) throw abortedError(userSignal);
    throw error;
  } finally {
    userSignal?.removeEventListener("abort", onUserAbort);
  }
}
