/**
 * The resume journal of a BaseSpace multipart upload (@partwise/client's `UploadJournal`): the
 * File the initiation created (its `Id` is the upload id; parts go to `files/{Id}/parts/{n}` [S1]),
 * where it was created, the part size the plan was cut with, the source's fingerprint, and per
 * accepted part its size, MD5 and ETag (BS-PART-ETAG: the ETag is the part's hex MD5).
 *
 * A journal is read from untrusted storage (a state file), so every field is checked; anything
 * else is a usage error naming the field. It is written after each accepted part, one write at a
 * time, each write the whole journal (the store makes it atomic).
 */
import type { JournalPart, JournalStore, SourceFingerprint, UploadJournal } from "@partwise/client";
import { BasespaceError } from "../client/errors.ts";

export const JOURNAL_PROTOCOL = "basespace";

/** The BaseSpace upload handle a journal keeps. */
export interface BasespaceJournalUpload {
  /** The File's `Id`: the upload id. */
  readonly fileId: string;
  readonly appResultId: string;
  readonly name: string;
  /** `null` without a directory (JSON has no `undefined`). */
  readonly directory: string | null;
  readonly contentType: string;
}

export type BasespaceJournal = UploadJournal<BasespaceJournalUpload>;

const HEX_MD5 = /^[0-9a-f]{32}$/;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isCount = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

function usage(message: string): BasespaceError {
  return new BasespaceError(message, { kind: "usage", operation: "upload", retryable: false });
}

/** Checks a loaded journal; throws a usage error naming the first bad field. */
export function parseJournal(value: unknown): BasespaceJournal {
  const bad = (path: string, expected: string): never => {
    throw usage(`the resume journal is not a BaseSpace upload journal: ${path} must be ${expected}`);
  };
  if (!isRecord(value)) return bad("$", "an object");
  if (value.format !== "partwise.upload-journal") bad("format", '"partwise.upload-journal"');
  if (value.version !== 1) bad("version", "1");
  if (value.protocol !== JOURNAL_PROTOCOL) bad("protocol", `"${JOURNAL_PROTOCOL}"`);
  const upload = value.upload;
  if (!isRecord(upload)) return bad("upload", "an object");
  for (const key of ["fileId", "appResultId", "name", "contentType"] as const)
    if (typeof upload[key] !== "string" || upload[key] === "") bad(`upload.${key}`, "a non-empty string");
  if (upload.directory !== null && typeof upload.directory !== "string")
    bad("upload.directory", "a string or null");
  if (!isCount(value.partSize) || value.partSize < 1) bad("partSize", "a positive integer");
  const source = value.source;
  if (!isRecord(source) || !isCount(source.size)) return bad("source.size", "a byte count");
  if (source.sample !== undefined && typeof source.sample !== "string") bad("source.sample", "a string");
  if (source.mtimeMs !== undefined && typeof source.mtimeMs !== "number") bad("source.mtimeMs", "a number");
  if (!isRecord(value.parts)) return bad("parts", "an object");
  const parts: Record<string, JournalPart> = {};
  for (const [key, part] of Object.entries(value.parts)) {
    if (!/^[1-9][0-9]{0,4}$/.test(key)) bad(`parts.${key}`, "keyed by a part number");
    if (!isRecord(part) || !isCount(part.size)) return bad(`parts.${key}.size`, "a byte count");
    if (typeof part.md5 !== "string" || !HEX_MD5.test(part.md5)) bad(`parts.${key}.md5`, "a hex MD5");
    if (typeof part.etag !== "string" || part.etag === "") bad(`parts.${key}.etag`, "a string");
    parts[key] = { size: part.size, md5: part.md5 as string, etag: part.etag as string };
  }
  return {
    format: "partwise.upload-journal",
    version: 1,
    protocol: JOURNAL_PROTOCOL,
    upload: {
      fileId: upload.fileId as string,
      appResultId: upload.appResultId as string,
      name: upload.name as string,
      directory: (upload.directory as string | null | undefined) ?? null,
      contentType: upload.contentType as string,
    },
    source: source as unknown as SourceFingerprint,
    partSize: value.partSize as number,
    parts,
  };
}

/** Why `current` is not the source the journal was written for, or undefined when it is. */
export function sourceChange(saved: SourceFingerprint, current: SourceFingerprint): string | undefined {
  if (saved.size !== current.size) return `its size changed from ${saved.size} to ${current.size} bytes`;
  if (saved.sample !== current.sample) return "its content changed";
  if (saved.mtimeMs !== undefined && current.mtimeMs !== undefined && saved.mtimeMs !== current.mtimeMs)
    return "its modification time changed";
  return undefined;
}

/** Writes the journal after each accepted part, one write at a time, each with every part so far. */
export class JournalWriter {
  readonly #store: JournalStore;
  readonly #base: Omit<BasespaceJournal, "parts">;
  readonly #parts: Record<string, JournalPart>;
  #chain: Promise<void> = Promise.resolve();

  constructor(store: JournalStore, journal: BasespaceJournal) {
    this.#store = store;
    const { parts, ...base } = journal;
    this.#base = base;
    this.#parts = { ...parts };
  }

  /** Saves the journal as it is (after initiation). */
  save(): Promise<void> {
    return this.#write();
  }

  /** Records an accepted part and saves; resolves once this part is on the store. */
  record(number: number, part: JournalPart): Promise<void> {
    this.#parts[String(number)] = part;
    return this.#write();
  }

  /** Resolves after every write started so far has finished, failed or not. */
  settled(): Promise<void> {
    return this.#chain;
  }

  #write(): Promise<void> {
    const journal: BasespaceJournal = { ...this.#base, parts: { ...this.#parts } };
    // `#chain` never rejects, so each write starts after the previous one, failed or not.
    const write = this.#chain.then(() => this.#store.save(journal));
    this.#chain = write.catch(() => {});
    return write.catch((error: unknown) => {
      throw new BasespaceError("the resume journal could not be written", {
        kind: "usage",
        code: "PW_BASESPACE_JOURNAL",
        operation: "upload",
        retryable: false,
        cause: error,
      });
    });
  }
}
