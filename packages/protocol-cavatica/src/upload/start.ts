/**
 * Where an upload starts: the journal's upload when there is one that still exists on the server
 * (`getUpload(list_parts=true)`, CV-LIST-PARTS), else a new one (`initUpload`, whose answered
 * `part_size` is authoritative, CV-PART-SIZE).
 *
 * A journal is only continued for the same target, name and source: another upload's journal is a
 * usage error, a changed source `PW_CAVATICA_SOURCE_CHANGED`, both before any request. A journal
 * whose upload answers 404 (completed or aborted since: CV-COMPLETE-FILE, CV-ABORT) is stale, and
 * the upload starts over.
 */
import type { SourceFingerprint } from "@partwise/client";
import { CavaticaError, isCavaticaError } from "../client/errors.ts";
import type { PartReport } from "../generated/schemas.ts";
import { type CavaticaJournalPart, parseJournal, sameSource, targetOf } from "./journal.ts";
import { sourceChangedError, type UploadSettings, usageError } from "./options.ts";

export interface UploadStart {
  readonly uploadId: string;
  readonly partSize: number;
  readonly parallel: boolean;
  /** The journal's parts (a new upload: none). */
  readonly journalParts: Map<number, CavaticaJournalPart>;
  /** Parts the API has recorded, by number: their reported ETag, lowercase without quotes. */
  readonly serverParts: Map<number, string>;
}

/** The ETag among a report's headers, whatever the header's case (CV-REPORT-HEADERS). */
function reportedEtag(report: PartReport): string | undefined {
  for (const [key, value] of Object.entries(report.response.headers))
    if (key.toLowerCase() === "etag")
      return value.trim().replace(/^W\//, "").replace(/^"|"$/g, "").toLowerCase();
  return undefined;
}

async function resume(
  settings: UploadSettings,
  saved: unknown,
  fingerprint: SourceFingerprint | undefined,
): Promise<UploadStart | undefined> {
  const { client, target, name } = settings;
  const journal = parseJournal(saved);
  const handle = journal.upload;
  if (handle.name !== name || targetOf(handle) !== targetOf(target))
    throw usageError(
      `resume: the journal is for ${JSON.stringify(handle.name)} in ${targetOf(handle)}, not ${JSON.stringify(name)} in ${targetOf(target)}`,
    );
  if (fingerprint !== undefined && !sameSource(journal.source, fingerprint))
    throw sourceChangedError(
      "the source is not the one the journal was written for (size, date or content differ)",
    );
  let details: Awaited<ReturnType<typeof client.getUpload>>;
  try {
    details = await client.getUpload(handle.uploadId, { list_parts: true }, { signal: settings.signal });
  } catch (error) {
    if (isCavaticaError(error) && error.status === 404) return undefined;
    throw error;
  }
  if (details.part_size !== journal.partSize)
    throw new CavaticaError(
      "PW_CAVATICA_INVALID_RESPONSE",
      `getUpload: part_size ${details.part_size} differs from the journal's ${journal.partSize}`,
      { operation: "getUpload", rule: "CV-PART-SIZE" },
    );
  const serverParts = new Map<number, string>();
  for (const report of details.parts ?? []) {
    const etag = reportedEtag(report);
    if (etag !== undefined) serverParts.set(report.part_number, etag);
  }
  return {
    uploadId: handle.uploadId,
    partSize: details.part_size,
    parallel: details.parallel_uploads,
    journalParts: new Map(Object.entries(journal.parts).map(([key, part]) => [Number(key), part])),
    serverParts,
  };
}

export async function startUpload(
  settings: UploadSettings,
  size: number | undefined,
  fingerprint: SourceFingerprint | undefined,
): Promise<UploadStart> {
  const saved = settings.journal === undefined ? undefined : await settings.journal.load();
  if (saved !== undefined && saved !== null) {
    const resumed = await resume(settings, saved, fingerprint);
    if (resumed !== undefined) return resumed;
  }
  const init = await settings.client.initUpload(
    {
      ...settings.target,
      name: settings.name,
      ...(size === undefined ? {} : { size }),
      part_size: settings.preferredPartSize,
    },
    { overwrite: settings.overwrite },
    { signal: settings.signal },
  );
  return {
    uploadId: init.upload_id,
    partSize: init.part_size,
    parallel: init.parallel_uploads,
    journalParts: new Map(),
    serverParts: new Map(),
  };
}
