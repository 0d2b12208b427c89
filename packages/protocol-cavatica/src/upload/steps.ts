/**
 * CAVATICA's steps for @partwise/client's `runUpload` (specs/cavatica.yaml "Flow"; the runner
 * retries, journals, reports in batches, pauses and verifies; each step is one request or a short
 * fixed sequence):
 *
 *     start     POST /upload/multipart                      → upload_id, the authoritative part_size (CV-PART-SIZE)
 *     sendPart  GET …/part/{n} then PUT the part URL       ETag checked against the part's MD5 (CV-STORAGE-ETAG)
 *     report    POST …/upload/multipart/{id}/part          batches of accepted parts (CV-REPORT-BATCH)
 *     complete  POST …/complete                            → File (CV-COMPLETE-FILE)
 *     lookup    GET  …/upload/multipart/{id}?list_parts    the reported parts (CV-LIST-PARTS)
 *     verify    GET  /files/{id}                           the stored size
 *     discard   the file cannot be deleted through the spec'd API: a corrupt copy is reported
 *     abort     DELETE …/upload/multipart/{id}             (CV-ABORT)
 *
 * A retried `complete` whose answer was lost gets 404 (the spec says "look for the file by name"):
 * a 404 after a completion was sent is taken as completed when a file of the upload's name now
 * exists in its target. `GET /files?project=…&name=…` (CV-FILES-QUERY) finds it and its id; a
 * server without that listing is asked instead to start an upload of the same name without
 * `overwrite` — 409 (CV-INIT-OVERWRITE) says it exists, but not its id; the probe's own upload,
 * if any, is aborted.
 */
import type { Lookup, UploadSteps } from "@partwise/client";
import { CavaticaError, isCavaticaError } from "../client/errors.ts";
import type { File, PartReport } from "../generated/schemas.ts";
import type { UploadSettings } from "./options.ts";
import { putPart } from "./part.ts";

/** Where the upload goes: exactly one of `project` and `parent` (CV-INIT-TARGET). */
export type CavaticaTarget = { readonly project: string } | { readonly parent: string };

/** The journal's protocol section. */
export interface CavaticaJournalUpload {
  readonly uploadId: string;
  readonly partSize: number;
  readonly parallel: boolean;
}

/** The stored file, or (a completion whose answer was lost) what is known of it. */
export type CavaticaStored = File & {
  /**
   * Found by its name after a lost completion answer: by `GET /files`, with its id, or (a server
   * without that listing) by a probe, with an empty id.
   */
  readonly found?: "by-name";
};

function reportedEtag(report: PartReport): string | undefined {
  for (const [key, value] of Object.entries(report.response.headers))
    if (key.toLowerCase() === "etag")
      return value.trim().replace(/^W\//, "").replace(/^"|"$/g, "").toLowerCase();
  return undefined;
}

const journalError = (what: string) =>
  new CavaticaError("PW_CAVATICA_USAGE", `resume: the journal's ${what} is not one this version can resume`, {
    operation: "upload",
  });

const gone = (error: unknown) => isCavaticaError(error) && error.status === 404;
const nameTaken = (error: unknown) =>
  isCavaticaError(error) && error.status === 409 && error.platformCode === 8005;

export function cavaticaSteps(
  settings: UploadSettings,
  size: number | undefined,
): UploadSteps<CavaticaJournalUpload, CavaticaStored> {
  const { client, target, name } = settings;
  /**
   * The file of this name in the target, by `GET /files` (CV-FILES-QUERY); `null` when there is
   * none, `undefined` when the server has no such listing (404, 405).
   */
  const listed = async (signal: AbortSignal): Promise<File | null | undefined> => {
    try {
      const page = await client.listFiles({ ...target, name, limit: 100 }, { signal });
      const file = page.items.find((item): item is File => item.type === "file" && item.name === name);
      return file ?? null;
    } catch (error) {
      if (isCavaticaError(error) && (error.status === 404 || error.status === 405)) return undefined;
      throw error;
    }
  };
  /** Does a file of this name exist in the target? An init without overwrite answers. */
  const exists = async (signal: AbortSignal): Promise<boolean> => {
    try {
      const probe = await client.initUpload(
        { ...target, name, part_size: settings.preferredPartSize },
        {},
        { signal },
      );
      await client.abortUpload(probe.upload_id, { signal }).catch(() => {});
      return false;
    } catch (error) {
      if (nameTaken(error)) return true;
      throw error;
    }
  };
  return {
    protocol: "cavatica",
    limits: client.limits,
    preferredPartSize: settings.preferredPartSize,
    concurrency: settings.concurrency,
    reportBatch: { size: settings.batchSize, intervalMs: settings.intervalMs },
    partSizeOf: (handle) => handle.partSize,
    concurrencyOf: (handle) => (handle.parallel ? settings.concurrency : 1),

    async start(_first, { signal }) {
      const init = await client.initUpload(
        { ...target, name, ...(size === undefined ? {} : { size }), part_size: settings.preferredPartSize },
        { overwrite: settings.overwrite },
        { signal },
      );
      return {
        handle: { uploadId: init.upload_id, partSize: init.part_size, parallel: init.parallel_uploads },
      };
    },
    async sendPart(handle, part, { signal }) {
      const stored = await putPart(
        client,
        handle.uploadId,
        part.number,
        { bytes: part.bytes, md5: part.md5Hex },
        { clock: settings.clock, signal },
      );
      return stored.etag;
    },
    async report(handle, parts, { signal }) {
      await client.reportParts(
        handle.uploadId,
        {
          parts: parts.map((p) => ({
            part_number: p.number,
            response: { headers: { ETag: `"${p.etag}"` } },
          })),
        },
        { signal },
      );
    },
    async complete(handle, _parts, _last, { signal }) {
      // Every part is reported: complete takes no body (sevenbridges-python sends none either).
      return client.completeUpload(handle.uploadId, undefined, { signal });
    },
    async lookup(handle, expected, { signal }): Promise<Lookup<CavaticaStored>> {
      if (handle !== undefined) {
        try {
          const details = await client.getUpload(handle.uploadId, { list_parts: true }, { signal });
          if (details.part_size !== handle.partSize) return { state: "gone" };
          const parts = new Map<number, { size: number; etag: string }>();
          for (const report of details.parts ?? []) {
            const etag = reportedEtag(report);
            if (etag !== undefined) parts.set(report.part_number, { size: handle.partSize, etag });
          }
          return { state: "open", parts };
        } catch (error) {
          if (!gone(error)) throw error;
        }
      }
      // The upload is gone. Completed by us (its answer lost) when a file of this name now exists;
      // with overwrite an older file of the name cannot be told from ours, so nothing is assumed.
      if (!expected.completing || settings.overwrite) return { state: "gone" };
      const file = await listed(signal);
      if (file) return { state: "completed", result: { ...file, found: "by-name" } };
      if (file === undefined && (await exists(signal))) {
        const now = new Date().toISOString();
        const where = "project" in target ? target.project : "";
        return {
          state: "completed",
          result: {
            href: "",
            id: "",
            name,
            size: expected.size,
            project: where,
            type: "file",
            created_on: now,
            modified_on: now,
            found: "by-name",
          },
        };
      }
      return { state: "gone" };
    },
    async verify(file, expected, { signal }) {
      // A probe found the file but not its id: the size the probe assumed is all there is to check.
      if (file.found === "by-name" && file.id === "") return file.size === expected.size;
      const stored = await client.getFile(file.id, { signal });
      return stored.size === expected.size && stored.name === name;
    },
    async abort(handle, { signal }) {
      await client.abortUpload(handle.uploadId, { signal });
    },
    parseHandle(value) {
      const h = value as Partial<CavaticaJournalUpload> | null;
      if (
        typeof h?.uploadId !== "string" ||
        typeof h.partSize !== "number" ||
        typeof h.parallel !== "boolean"
      )
        throw journalError("upload");
      return { uploadId: h.uploadId, partSize: h.partSize, parallel: h.parallel };
    },
    parseResult(value) {
      const file = value as Partial<CavaticaStored> | null;
      if (typeof file?.id !== "string" || typeof file.size !== "number") throw journalError("stored file");
      return file as CavaticaStored;
    },
  };
}
