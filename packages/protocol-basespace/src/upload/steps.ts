/**
 * BaseSpace's steps for @partwise/client's `runUpload` (PROTOCOLS.md 1.6; the runner retries,
 * journals, pauses and verifies; each step is one request):
 *
 *     single    POST appresults/{id}/files?name=…          the whole file with Content-MD5 (BS-SIMPLE-UPLOAD)
 *     start     POST appresults/{id}/files?multipart=true  → a pending File (BS-INIT-MULTIPART)
 *     sendPart  PUT  files/{id}/parts/{n} + Content-MD5    ETag checked against the MD5 (BS-PART-MD5, BS-PART-ETAG)
 *     complete  POST files/{id}?uploadstatus=complete       (BS-COMPLETE-STATUS)
 *     lookup    GET  files/{id} (multipart), or the AppResult's files (one request)
 *     verify    GET  files/{id}: complete, and the size sent
 *     abort     POST files/{id}?uploadstatus=aborted        (BS-ABORT)
 *
 * BaseSpace has no way to delete a stored file, so none is discarded; every part is checked on
 * arrival (Content-MD5 and ETag), so a corrupt file is not expected to be stored.
 */
import type { Lookup, UploadSteps } from "@partwise/client";
import { readPart, toBase64 } from "@partwise/engine";
import type { BasespaceClient } from "../client/client.ts";
import { isBasespaceError } from "../client/errors.ts";
import type { File as BasespaceFile } from "../generated/schemas.ts";
import type { ResolvedSettings } from "./options.ts";
import { invalidAnswer } from "./result.ts";

/** The journal's protocol section: the pending File of the multipart upload. */
export interface BasespaceJournalUpload {
  readonly fileId: string;
}

const journalError = (what: string) =>
  invalidAnswer("upload", `the resume journal's ${what} is not one this version can resume`);

export function basespaceSteps(
  client: BasespaceClient,
  settings: ResolvedSettings,
): UploadSteps<BasespaceJournalUpload, BasespaceFile> {
  const file = { appResultId: settings.appResultId, name: settings.name, directory: settings.directory };
  /** The File of `fileId`, or undefined when the server no longer knows it (404). */
  const find = async (fileId: string, signal: AbortSignal) => {
    try {
      return (await client.getFile({ fileId }, { signal })).Response;
    } catch (error) {
      if (isBasespaceError(error) && error.status === 404) return undefined;
      throw error;
    }
  };
  return {
    protocol: "basespace",
    limits: settings.limits,
    preferredPartSize: settings.partSize,
    concurrency: settings.concurrency,
    singleUpTo: settings.simpleUploadMax,

    async single(source, hash, { signal }) {
      const part = await readPart(source, { number: 1, offset: 0, size: source.size });
      hash?.update(part.bytes);
      const stored = (
        await client.createAppResultFile(
          { ...file, contentType: settings.contentType, body: part.bytes, contentMd5: toBase64(part.md5) },
          { signal },
        )
      ).Response;
      if (stored.UploadStatus !== "complete")
        throw invalidAnswer(
          "createAppResultFile",
          `the simple upload answered UploadStatus ${stored.UploadStatus}`,
        );
      return stored;
    },
    async start(_first, { signal }) {
      const initiated = (
        await client.createAppResultFile(
          { ...file, multipart: true, contentType: settings.contentType },
          { signal },
        )
      ).Response;
      if (initiated.UploadStatus !== "pending")
        throw invalidAnswer(
          "createAppResultFile",
          `the initiation answered UploadStatus ${initiated.UploadStatus}`,
        );
      return { handle: { fileId: initiated.Id } };
    },
    async sendPart(handle, part, { signal }) {
      const stored = (
        await client.uploadFilePart(
          {
            fileId: handle.fileId,
            partNumber: part.number,
            body: part.bytes,
            contentMd5: toBase64(part.md5),
          },
          { signal },
        )
      ).Response;
      if (
        stored.Number !== part.number ||
        stored.Size !== part.size ||
        stored.ETag.toLowerCase() !== part.md5Hex
      )
        // BS-PART-ETAG: the server holds other bytes than were sent — corrupted on the way; send again.
        throw invalidAnswer(
          "uploadFilePart",
          `part ${part.number} came back as part ${stored.Number} with ${stored.Size} bytes and ETag ${stored.ETag}; sent ${part.size} bytes with MD5 ${part.md5Hex}`,
          true,
          "BS-PART-ETAG",
        );
      return stored.ETag;
    },
    async complete(handle, _parts, _last, { signal }) {
      return (
        await client.setFileUploadStatus({ fileId: handle.fileId, uploadstatus: "complete" }, { signal })
      ).Response;
    },
    async lookup(handle, expected, { signal }): Promise<Lookup<BasespaceFile>> {
      if (handle !== undefined) {
        const found = await find(handle.fileId, signal);
        if (found?.UploadStatus === "complete") return { state: "completed", result: found };
        return found?.UploadStatus === "pending" ? { state: "open" } : { state: "gone" };
      }
      if (!expected.completing) return { state: "gone" };
      // A one-request upload whose answer was lost: the newest complete file of this name and size.
      const list = await client.listAppResultFiles(
        { appResultId: settings.appResultId, SortBy: "DateCreated", SortDir: "Desc", Limit: 100 },
        { signal },
      );
      const since = expected.startedAt - 60_000;
      const match = list.Response.Items.find(
        (item) =>
          item.Name === settings.name &&
          item.Size === expected.size &&
          item.UploadStatus === "complete" &&
          Date.parse(item.DateCreated) >= since,
      );
      return match ? { state: "completed", result: match } : { state: "gone" };
    },
    async verify(stored, expected, { signal }) {
      const now = await find(stored.Id, signal);
      return now?.UploadStatus === "complete" && now.Size === expected.size;
    },
    async abort(handle, { signal }) {
      await client.setFileUploadStatus({ fileId: handle.fileId, uploadstatus: "aborted" }, { signal });
    },
    parseHandle(value) {
      const fileId = (value as Partial<BasespaceJournalUpload> | null)?.fileId;
      if (typeof fileId !== "string" || fileId === "") throw journalError("upload");
      return { fileId };
    },
    parseResult(value) {
      const stored = value as Partial<BasespaceFile> | null;
      if (typeof stored?.Id !== "string" || typeof stored.Size !== "number")
        throw journalError("stored file");
      return stored as BasespaceFile;
    },
  };
}
