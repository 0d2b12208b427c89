/**
 * The CAVATICA resume journal (@partwise/client `UploadJournal`): the upload's id and target, the
 * authoritative `part_size` (CV-PART-SIZE), the source's fingerprint, and per part that storage
 * accepted its size, MD5 and ETag, and whether the API has recorded its report (CV-REPORT-BODY).
 *
 * A part enters the journal as soon as storage accepted it (its ETag matched the local MD5),
 * before it is reported, so a crash between storage and report costs a report, not a re-send;
 * it is marked `reported` once a batch report including it succeeded.
 *
 * Writes are serialised: each save writes the state as it is when its turn comes, so a reader
 * never sees an older state after a newer one.
 */
import type { JournalPart, JournalStore, SourceFingerprint, UploadJournal } from "@partwise/client";
import { CavaticaError } from "../client/errors.ts";

export const JOURNAL_PROTOCOL = "cavatica";

/** Where the upload goes: exactly one of `project` and `parent` (CV-INIT-TARGET). */
export type CavaticaTarget = { readonly project: string } | { readonly parent: string };

/** The protocol's handle in the journal. */
export type CavaticaJournalUpload = CavaticaTarget & {
  readonly uploadId: string;
  readonly name: string;
  readonly overwrite: boolean;
};

export interface CavaticaJournalPart extends JournalPart {
  /** True once the API recorded the part's report. */
  readonly reported: boolean;
}

export interface CavaticaJournal extends UploadJournal<CavaticaJournalUpload> {
  readonly parts: Readonly<Record<string, CavaticaJournalPart>>;
}

const usage = (message: string) =>
  new CavaticaError("PW_CAVATICA_USAGE", `resume: ${message}`, { operation: "upload" });

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

/** Checks an untrusted journal (a state file) and returns it typed; a usage error otherwise. */
export function parseJournal(value: unknown): CavaticaJournal {
  if (!isRecord(value) || value.format !== "partwise.upload-journal" || value.version !== 1)
    throw usage("the journal is not a Partwise upload journal (version 1)");
  if (value.protocol !== JOURNAL_PROTOCOL)
    throw usage(`the journal belongs to a ${String(value.protocol)} upload, not a CAVATICA one`);
  const upload = value.upload;
  if (
    !isRecord(upload) ||
    typeof upload.uploadId !== "string" ||
    upload.uploadId === "" ||
    typeof upload.name !== "string" ||
    typeof upload.overwrite !== "boolean" ||
    (typeof upload.project === "string") === (typeof upload.parent === "string")
  )
    throw usage("the journal's upload is damaged");
  if (!isCount(value.partSize) || value.partSize < 1) throw usage("the journal's partSize is damaged");
  const source = value.source;
  if (!isRecord(source) || typeof source.size !== "number" || !Number.isSafeInteger(source.size))
    throw usage("the journal's source fingerprint is damaged");
  if (!isRecord(value.parts)) throw usage("the journal's parts are damaged");
  for (const [key, part] of Object.entries(value.parts)) {
    const number = Number(key);
    if (
      !(Number.isSafeInteger(number) && number >= 1 && String(number) === key) ||
      !isRecord(part) ||
      !isCount(part.size) ||
      typeof part.md5 !== "string" ||
      !/^[0-9a-f]{32}$/.test(part.md5) ||
      typeof part.etag !== "string" ||
      typeof part.reported !== "boolean"
    )
      throw usage(`the journal's part ${key} is damaged`);
  }
  return value as unknown as CavaticaJournal;
}

/** Whether two fingerprints can be the same source: every field both know must agree. */
export function sameSource(saved: SourceFingerprint, current: SourceFingerprint): boolean {
  if (saved.size !== current.size) return false;
  if (saved.sample !== undefined && current.sample !== undefined && saved.sample !== current.sample)
    return false;
  if (saved.mtimeMs !== undefined && current.mtimeMs !== undefined && saved.mtimeMs !== current.mtimeMs)
    return false;
  return true;
}

export function targetOf(upload: CavaticaTarget): string {
  return "project" in upload ? `project ${upload.project}` : `folder ${upload.parent}`;
}

/** Serialised saves of the latest state to a `JournalStore`. */
export class JournalWriter {
  readonly #store: JournalStore;
  readonly #build: () => CavaticaJournal;
  #chain: Promise<void> = Promise.resolve();

  constructor(store: JournalStore, build: () => CavaticaJournal) {
    this.#store = store;
    this.#build = build;
  }

  /** Saves the state as it is when this save's turn comes; rejects when the store does. */
  save(): Promise<void> {
    const run = this.#chain.then(() => this.#store.save(this.#build()));
    this.#chain = run.catch(() => {});
    return run;
  }

  /** Removes the journal after the saves already queued. */
  remove(): Promise<void> {
    const run = this.#chain.then(() => this.#store.remove());
    this.#chain = run.catch(() => {});
    return run;
  }
}
