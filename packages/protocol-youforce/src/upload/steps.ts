/**
 * YouForce's steps for @partwise/client's `runUpload` (the runner retries, journals, pauses and
 * verifies; each step here is one request):
 *
 *     single    POST /files?uploadType=multipart                 the whole file (YF-MULTIPART-MAX-SIZE)
 *     start     POST /files?uploadType=resumable                 metadata + chunk 0 → uploadToken (YF-RESUMABLE-TOKEN)
 *     sendPart  PUT  /files?uploadType=resumable&…&position=n    chunks 1 … N-2
 *     complete  PUT  …&position=N-1&close=true                   the final chunk, sent last (YF-RESUMABLE-CLOSE) → File
 *     lookup    GET  /files?role=publisher&$filter=fileName eq … a file of this name and size uploaded since the start
 *     verify    HEAD /files/{id}: an MD5 ETag, else GET /files/{id} read back and hashed
 *
 * Runner part n is chunk position n - 1. YouForce answers chunks without a digest, so a chunk
 * corrupted on its way is only found by `verify`; publishers cannot delete a file (`DELETE` is
 * the subscriber's, YF-DELETE), so a corrupt copy is reported (`discarded`) and uploaded again.
 * There is no server-side abort: an unclosed session never becomes a file.
 */
import type { Expected, Lookup, UploadSteps } from "@partwise/client";
import { createMd5, toHex } from "@partwise/engine";
import type { YouforceClient } from "../client/client.ts";
import { YouforceError } from "../client/errors.ts";
import type { File } from "../generated/schemas.ts";
import { youforceResumableLimits } from "../limits.ts";
import { hashedWindows } from "./digest.ts";
import type { ResolvedSettings, YouforceUploadSettings } from "./options.ts";

/** The journal's protocol section: the resumable session's token. */
export interface YouforceJournalUpload {
  readonly uploadToken: string;
}

/** An `ETag` holding a bare MD5 in hex (`"…"` or `W/"…"`), or undefined. */
export function md5FromEtag(etag: string | undefined): string | undefined {
  const match = etag === undefined ? null : /^(?:W\/)?"?([0-9a-fA-F]{32})"?$/.exec(etag.trim());
  return match?.[1]?.toLowerCase();
}

const journalError = (what: string) =>
  new YouforceError(`The journal's ${what} is not one this version can resume; remove it to start over`, {
    kind: "usage",
    operation: "upload",
    retryable: false,
  });

function isFile(value: unknown): value is File {
  const file = value as Partial<File> | null;
  return typeof file?.id === "string" && typeof file.size === "number" && typeof file.name === "string";
}

/** A listed file as the `File` an upload answers. */
function listedFile(item: {
  fileId: string;
  fileName: string;
  fileSize: number;
  tenantId: string;
  businessType: File["businessType"];
  uploadDate: string;
}): File {
  return {
    id: item.fileId,
    name: item.fileName,
    size: item.fileSize,
    creationDate: item.uploadDate,
    tenantId: item.tenantId,
    businessType: item.businessType,
  } as File;
}

export function youforceSteps(
  client: YouforceClient,
  settings: ResolvedSettings,
  options: YouforceUploadSettings,
): UploadSteps<YouforceJournalUpload, File, false> {
  const { tenantId, deniedExtensions } = options;
  const metadata = {
    fileName: settings.fileName,
    businessTypeId: settings.businessTypeId,
    customMetadata: settings.customMetadata,
  };
  const base = youforceResumableLimits;
  return {
    protocol: "youforce",
    // Every chunk capped at chunkSize (YF-RESUMABLE-CHUNK-SIZE), so a stream's never grow past it.
    limits: {
      ...base,
      maxPartSize: settings.chunkSize,
      maxTotalSize: Math.min(base.maxTotalSize, settings.chunkSize * base.maxParts),
    },
    preferredPartSize: settings.chunkSize,
    concurrency: settings.concurrency,
    startSendsFirstPart: true,
    completeSendsLastPart: true,
    needsFileMd5: true,
    // A chunk's answer carries no digest: the whole file's MD5 (verify) checks every chunk at once.
    hashParts: false,
    // A file that fits in one chunk always goes multipart, as the official PowerShell client does.
    singleUpTo: Math.max(settings.multipartThreshold, settings.chunkSize),
    singleForShortStreams: true,

    async single(source, hash, { signal }) {
      return client.uploadFile({
        uploadType: "multipart",
        metadata,
        media: hashedWindows(source, hash),
        mediaSize: source.size,
        deniedExtensions,
        signal,
        tenantId,
      });
    },
    async start(first, { signal }) {
      const answer = await client.uploadFile({
        uploadType: "resumable",
        metadata,
        media: first?.bytes ?? new Uint8Array(0),
        deniedExtensions,
        signal,
        tenantId,
      });
      return { handle: { uploadToken: answer.uploadToken } };
    },
    async sendPart(handle, part, { signal }) {
      await client.uploadChunk({
        uploadToken: handle.uploadToken,
        position: part.number - 1,
        body: part.bytes,
        signal,
        tenantId,
      });
      return part.md5Hex ?? "";
    },
    async complete(handle, _parts, last, { signal }) {
      if (last === undefined) throw new Error("a resumable upload closes with its last chunk");
      return client.uploadChunk({
        uploadToken: handle.uploadToken,
        position: last.number - 1,
        close: true,
        body: last.bytes,
        signal,
        tenantId,
      });
    },
    lookup: (handle, expected, { signal }) =>
      findUploaded(client, settings, options, handle, expected, signal),
    async verify(file, expected, { signal }) {
      if (file.size !== expected.size) return false;
      const head = await client.headFile({ fileId: file.id, role: "publisher", signal, tenantId });
      if (head.contentLength !== expected.size) return false;
      const stored = md5FromEtag(head.etag) ?? (await readBackMd5(client, file.id, signal, tenantId));
      return stored === expected.md5;
    },
    parseHandle(value) {
      const token = (value as Partial<YouforceJournalUpload> | null)?.uploadToken;
      if (typeof token !== "string" || token === "") throw journalError("upload token");
      return { uploadToken: token };
    },
    parseResult(value) {
      if (!isFile(value)) throw journalError("stored file");
      return value;
    },
  };
}

/** The stored file read back and hashed (a server that sends no MD5 `ETag`). */
async function readBackMd5(
  client: YouforceClient,
  fileId: string,
  signal: AbortSignal,
  tenantId: string | undefined,
): Promise<string> {
  const download = await client.downloadFile({ fileId, role: "publisher", signal, tenantId });
  const hash = await createMd5();
  const reader = download.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hash.update(value);
  }
  return toHex(hash.digest());
}

/**
 * A file this upload may have become (a close or multipart answer that was lost): the newest of
 * this name and size uploaded since the upload started (a minute's leeway for the server's clock).
 * Otherwise the resumable session is taken as still open, and a one-request upload as not made.
 */
async function findUploaded(
  client: YouforceClient,
  settings: ResolvedSettings,
  options: YouforceUploadSettings,
  handle: YouforceJournalUpload | undefined,
  expected: Expected,
  signal: AbortSignal,
): Promise<Lookup<File>> {
  const since = new Date(expected.startedAt - 60_000).toISOString().replace(/\.\d+Z$/, "Z");
  const name = settings.fileName.replaceAll("'", "''");
  const list = await client.listFiles({
    role: "publisher",
    filter: `fileName eq '${name}' and uploadDate ge ${since} and businessType eq ${settings.businessTypeId}`,
    orderBy: "uploadDate desc",
    pageSize: 20,
    signal,
    tenantId: options.tenantId,
  });
  const found = list.data.find((item) => item.fileSize === expected.size);
  if (found) return { state: "completed", result: listedFile(found) };
  return handle === undefined ? { state: "gone" } : { state: "open" };
}
