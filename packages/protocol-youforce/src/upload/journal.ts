/**
 * The resume journal of a resumable upload (issue 5; @partwise/client's `UploadJournal`): what a
 * new process needs to continue — the `uploadToken` (YF-RESUMABLE-TOKEN), the metadata the session
 * was opened with, the chunk size (positions depend on it), the source's fingerprint and, per
 * accepted position, its size and MD5. YouForce answers chunks without an ETag, so a part's `etag`
 * is its local MD5.
 *
 * Positions are the journal's part keys ("0" is the chunk of the first `POST`). The closing chunk
 * is never journaled: once it is accepted the upload is done and the journal removed.
 */
import type { JournalPart, JournalStore, SourceFingerprint, UploadJournal } from "@partwise/client";
import { usage } from "./options.ts";

export interface YouforceJournalUpload {
  readonly uploadToken: string;
  readonly fileName: string;
  readonly businessTypeId: number;
  /** Number of chunks of the upload, the closing one included. */
  readonly chunks: number;
}

export type YouforceJournal = UploadJournal<YouforceJournalUpload>;

const FORMAT = "partwise.upload-journal";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const count = (value: unknown, min = 0): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= min;

/** Checks untrusted JSON (a state file) and returns it typed; anything else is a usage error. */
export function parseJournal(value: unknown): YouforceJournal {
  const bad = (why: string) =>
    usage(
      `The journal is not a YouForce upload journal this version can resume (${why}); remove it to start over`,
    );
  if (!isRecord(value) || value.format !== FORMAT) throw bad("format");
  if (value.version !== 1) throw bad("version");
  if (value.protocol !== "youforce") throw bad(`protocol ${JSON.stringify(value.protocol)}`);
  const upload = value.upload;
  if (
    !isRecord(upload) ||
    typeof upload.uploadToken !== "string" ||
    upload.uploadToken === "" ||
    typeof upload.fileName !== "string" ||
    !count(upload.businessTypeId) ||
    !count(upload.chunks, 2)
  )
    throw bad("upload");
  const source = value.source;
  if (!isRecord(source) || !count(source.size)) throw bad("source");
  if (!count(value.partSize, 1)) throw bad("partSize");
  if (!isRecord(value.parts)) throw bad("parts");
  const parts: Record<string, JournalPart> = {};
  for (const [key, part] of Object.entries(value.parts)) {
    if (!/^\d+$/.test(key) || Number(key) >= upload.chunks - 1) throw bad(`position ${key}`);
    if (!isRecord(part) || !count(part.size) || typeof part.md5 !== "string" || typeof part.etag !== "string")
      throw bad(`part ${key}`);
    parts[key] = { size: part.size, md5: part.md5, etag: part.etag };
  }
  return {
    format: FORMAT,
    version: 1,
    protocol: "youforce",
    upload: {
      uploadToken: upload.uploadToken,
      fileName: upload.fileName,
      businessTypeId: upload.businessTypeId,
      chunks: upload.chunks,
    },
    source: source as unknown as SourceFingerprint,
    partSize: value.partSize,
    parts,
  };
}

/** Same file: size and sampled digest equal, and the modification time when both sides know it. */
export function sameSource(saved: SourceFingerprint, now: SourceFingerprint): boolean {
  return (
    saved.size === now.size &&
    saved.sample === now.sample &&
    (saved.mtimeMs === undefined || now.mtimeMs === undefined || saved.mtimeMs === now.mtimeMs)
  );
}

/**
 * Saves the journal after each accepted chunk. Saves are chained, each writing everything accepted
 * so far, so a slow save can never overwrite a newer one; `accept` resolves once a save that
 * includes the chunk has finished (and rejects if it failed).
 */
export class JournalWriter {
  readonly #store: JournalStore;
  readonly #base: Omit<YouforceJournal, "upload" | "parts">;
  readonly #parts: Record<string, JournalPart>;
  #upload: YouforceJournalUpload | undefined;
  #chain: Promise<void> = Promise.resolve();

  constructor(
    store: JournalStore,
    base: Omit<YouforceJournal, "upload" | "parts">,
    resumed?: YouforceJournal | undefined,
  ) {
    this.#store = store;
    this.#base = base;
    this.#upload = resumed?.upload;
    this.#parts = { ...resumed?.parts };
  }

  accept(upload: YouforceJournalUpload, position: number, part: JournalPart): Promise<void> {
    this.#upload = upload;
    this.#parts[String(position)] = part;
    const journal: YouforceJournal = { ...this.#base, upload, parts: { ...this.#parts } };
    const save = this.#chain.then(() => this.#store.save(journal as UploadJournal));
    this.#chain = save.catch(() => {});
    return save;
  }

  async remove(): Promise<void> {
    await this.#chain;
    await this.#store.remove();
  }
}
