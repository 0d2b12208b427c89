/**
 * The multipart upload, with resume: initiate (`multipart=true`, BS-INIT-MULTIPART), `PUT
 * files/{id}/parts/{n}` with `Content-MD5` on every part (BS-PART-MD5) and each returned ETag
 * checked against the part's MD5 (BS-PART-ETAG), then `uploadstatus=complete` (BS-COMPLETE-STATUS)
 * — or `uploadstatus=aborted` (BS-ABORT) when the caller aborts or the upload fails. With a
 * journal, an earlier run of the same source is continued (see journal.ts).
 */
import {
  createPartFeed,
  type FeedOptions,
  fingerprintSource,
  type SourceFingerprint,
  type UploadDriver,
  type UploadSource,
  WholeFileMd5,
} from "@partwise/client";
import { DEFAULT_PART_SIZE, toBase64, toHex } from "@partwise/engine";
import type { BasespaceClient } from "../client/client.ts";
import { isBasespaceError } from "../client/errors.ts";
import type { File as BasespaceFile } from "../generated/schemas.ts";
import {
  type BasespaceJournal,
  JOURNAL_PROTOCOL,
  JournalWriter,
  parseJournal,
  sourceChange,
} from "./journal.ts";
import { type BasespaceUploadResult, type ResolvedSource, usageError } from "./options.ts";
import { type Context, describeResult, drive, invalidAnswer, newSession, restoredSession } from "./run.ts";

/** How long the best-effort `uploadstatus=aborted` may take. */
const ABORT_TIMEOUT_MS = 10_000;

/** The File of a journal, or undefined when the server no longer knows it (404). */
async function findUpload(ctx: Context, fileId: string): Promise<BasespaceFile | undefined> {
  try {
    return (await ctx.client.getFile({ fileId }, { signal: ctx.options.signal })).Response;
  } catch (error) {
    if (isBasespaceError(error) && error.status === 404) return undefined;
    throw error;
  }
}

function fingerprintExtra(original: UploadSource): Partial<SourceFingerprint> {
  if (typeof File !== "undefined" && original instanceof File) return { mtimeMs: original.lastModified };
  const mtimeMs = (original as { mtimeMs?: unknown }).mtimeMs;
  return typeof mtimeMs === "number" ? { mtimeMs } : {};
}

/** BS-INIT-MULTIPART … BS-COMPLETE-STATUS, with resume. */
export async function multipartUpload(
  ctx: Context,
  resolved: ResolvedSource,
): Promise<BasespaceUploadResult> {
  const { client, settings, options } = ctx;
  const store = options.journal;
  const random = resolved.kind === "random" ? resolved.source : undefined;
  const directory = settings.directory ?? null;

  // 1. An earlier run to continue?
  let journal: BasespaceJournal | undefined;
  let found: BasespaceFile | undefined;
  let fingerprint: SourceFingerprint | undefined;
  let resumed = false;
  if (store && resolved.kind === "random") {
    fingerprint = await fingerprintSource(resolved.source, fingerprintExtra(resolved.original));
    const saved = await store.load();
    if (saved !== undefined) {
      const parsed = parseJournal(saved);
      const change = sourceChange(parsed.source, fingerprint);
      if (change !== undefined)
        throw usageError(
          `the source changed since the resume journal was written (${change}); remove the journal to upload it anew`,
        );
      const target = parsed.upload;
      if (
        target.appResultId !== settings.appResultId ||
        target.name !== settings.name ||
        target.directory !== directory
      )
        throw usageError(
          `the resume journal belongs to an upload of ${JSON.stringify(target.name)} to AppResult ${target.appResultId}, not of ${JSON.stringify(settings.name)} to AppResult ${settings.appResultId}`,
        );
      found = await findUpload(ctx, target.fileId);
      if (found?.UploadStatus === "pending" || found?.UploadStatus === "complete") {
        journal = parsed;
        resumed = true;
      }
      // Unknown or aborted on the server: nothing to continue; start over.
    }
  }

  // 2. The plan (a stream is cut as it is read).
  const partSize = journal?.partSize ?? settings.partSize;
  const feedOptions: FeedOptions = { limits: settings.limits, preferredPartSize: partSize };
  const feed = createPartFeed(resolved.source, feedOptions);
  if (journal) {
    for (const [key, part] of Object.entries(journal.parts)) {
      const planned = feed.known[Number(key) - 1];
      if (planned === undefined || planned.size !== part.size)
        throw usageError(
          `the resume journal's part ${key} (${part.size} bytes) is not in the plan; were the part limits changed? Remove the journal to upload anew`,
        );
    }
  }
  const readBytes = async (number: number) => (await feed.read(number)).bytes;
  // Only on request (`wholeFileMd5`): by default each byte is hashed once, for its part's MD5.
  // Parts an earlier run sent are read again for it, by the digest itself when they are next.
  const whole = settings.wholeFileMd5
    ? await WholeFileMd5.create({
        skipped: new Set(Object.keys(journal?.parts ?? {}).map(Number)),
        readSkipped: readBytes,
      })
    : undefined;

  // 3. The upload on the server.
  let fileId: string;
  let writer: JournalWriter | undefined;
  if (journal) {
    fileId = journal.upload.fileId;
    const current = found;
    if (current?.UploadStatus === "complete") {
      // An earlier run completed but could not remove its journal.
      if (current.Size !== random?.size)
        throw invalidAnswer(
          "getFile",
          `the completed File has ${current.Size} bytes, the source ${random?.size}`,
        );
      const md5 = await whole?.finish(feed.known.length, readBytes);
      await store?.remove().catch(() => {});
      return describeResult(current, { md5, parts: feed.known.length, method: "multipart", resumed });
    }
    if (store) writer = new JournalWriter(store, journal);
  } else {
    const initiated = (
      await client.createAppResultFile(
        {
          appResultId: settings.appResultId,
          name: settings.name,
          directory: settings.directory,
          multipart: true,
          contentType: settings.contentType,
        },
        { signal: options.signal },
      )
    ).Response;
    if (initiated.UploadStatus !== "pending")
      throw invalidAnswer(
        "createAppResultFile",
        `the initiation answered UploadStatus ${initiated.UploadStatus}`,
      );
    fileId = initiated.Id;
    if (store && fingerprint) {
      writer = new JournalWriter(store, {
        format: "partwise.upload-journal",
        version: 1,
        protocol: JOURNAL_PROTOCOL,
        upload: {
          fileId,
          appResultId: settings.appResultId,
          name: settings.name,
          directory,
          contentType: settings.contentType,
        },
        source: fingerprint,
        partSize: partSize ?? DEFAULT_PART_SIZE,
        parts: {},
      });
      try {
        await writer.save();
      } catch (error) {
        // Nobody could ever resume this upload: do not leave it pending.
        await abortOnServer(client, fileId);
        throw error;
      }
    }
  }

  // 4. The session and how BaseSpace carries out its commands.
  const session = journal
    ? restoredSession(ctx, feed.known, journal)
    : random
      ? newSession(ctx, feed.known)
      : newSession(ctx, [], true);
  const sent = new Map<number, { size: number; md5: string }>();
  let readChain: Promise<unknown> = Promise.resolve();
  /** Parts are read one at a time in send order, so the whole-file MD5 (if any) sees them in order. */
  const readInOrder = (number: number) => {
    const read = readChain.then(() => feed.read(number));
    readChain = read.catch(() => {});
    return read;
  };
  let completed: BasespaceFile | undefined;
  let streamEnded = false;
  let streamSize = 0;
  let streamParts = 0;
  let journalBroken = false;
  let serverAborted = false;
  let settled = false;

  const driver: UploadDriver = {
    async sendPart(command, signal) {
      const part = await readInOrder(command.number);
      whole?.offer(part.number, part.bytes);
      const md5 = toHex(part.md5);
      const stored = (
        await client.uploadFilePart(
          { fileId, partNumber: command.number, body: part.bytes, contentMd5: toBase64(part.md5) },
          { signal },
        )
      ).Response;
      if (stored.Number !== command.number || stored.Size !== part.size || stored.ETag !== md5)
        // BS-PART-ETAG: the server holds other bytes than were sent — corrupted on the way; send again.
        throw invalidAnswer(
          "uploadFilePart",
          `part ${command.number} came back as part ${stored.Number} with ${stored.Size} bytes and ETag ${stored.ETag}; sent ${part.size} bytes with MD5 ${md5}`,
          true,
          "BS-PART-ETAG",
        );
      sent.set(command.number, { size: part.size, md5 });
      return stored.ETag;
    },
    async complete(_command, signal) {
      completed = (await client.setFileUploadStatus({ fileId, uploadstatus: "complete" }, { signal }))
        .Response;
    },
    async abortUpload() {
      if (journalBroken) return;
      if (options.keepOnAbort && writer && options.signal?.aborted) return;
      serverAborted = await abortOnServer(client, fileId);
    },
    ...(random
      ? {}
      : {
          async nextPart() {
            const planned = await feed.next();
            if (planned === undefined) {
              streamEnded = true;
              return undefined;
            }
            if (whole) whole.offer(planned.number, await readBytes(planned.number));
            streamSize += planned.size;
            streamParts = planned.number;
            return { number: planned.number, size: planned.size };
          },
        }),
  };

  const onPartAccepted = async (number: number, etag: string): Promise<void> => {
    if (settled) return;
    const part = sent.get(number);
    if (writer && part) {
      try {
        await writer.record(number, { size: part.size, md5: part.md5, etag });
      } catch (error) {
        journalBroken = true;
        throw error;
      }
    }
    feed.release(number);
  };

  try {
    await drive(ctx, session, driver, {
      onPartAccepted,
      totalsKnown: () => random !== undefined || streamEnded,
    });
  } catch (error) {
    settled = true;
    if (writer && serverAborted) {
      await writer.settled();
      await store?.remove().catch(() => {});
    }
    throw error;
  }
  settled = true;

  // 5. What the server says it stored.
  const size = random ? random.size : streamSize;
  const parts = random ? feed.known.length : streamParts;
  const file = completed;
  if (file === undefined || file.UploadStatus !== "complete" || file.Size !== size)
    throw invalidAnswer(
      "setFileUploadStatus",
      `the completed File has UploadStatus ${file?.UploadStatus} and Size ${file?.Size}; ${size} bytes were uploaded`,
    );
  const md5 = await whole?.finish(parts, readBytes);
  if (writer) {
    await writer.settled();
    await store?.remove().catch(() => {});
  }
  return describeResult(file, { md5, parts, method: "multipart", resumed });
}

/** BS-ABORT, best effort: true when the server confirmed. */
async function abortOnServer(client: BasespaceClient, fileId: string): Promise<boolean> {
  try {
    await client.setFileUploadStatus(
      { fileId, uploadstatus: "aborted" },
      { signal: AbortSignal.timeout(ABORT_TIMEOUT_MS) },
    );
    return true;
  } catch {
    return false;
  }
}
