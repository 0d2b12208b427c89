/**
 * The resume journal: what a new process needs to continue an upload — the server's
 * upload id and whatever else the protocol needs, the source's identity, and per accepted part its
 * size, MD5 and ETag — written after each accepted part. Where it is written is a `JournalStore`:
 * a file in Node (`@partwise/node`'s `fileJournal`, atomic), memory in tests, anything else a
 * browser app chooses (IndexedDB, localStorage).
 */

export interface JournalPart {
  readonly size: number;
  /** Hex MD5 of the part's bytes. */
  readonly md5: string;
  readonly etag: string;
}

/** Identifies the source so a resume refuses a file that changed since (size, mtime, sampled digest). */
export interface SourceFingerprint {
  readonly size: number;
  readonly mtimeMs?: number | undefined;
  /** Hex MD5 of the first and last 64 KiB, cheap to recompute on resume. */
  readonly sample?: string | undefined;
  readonly name?: string | undefined;
}

export interface UploadJournal<U = unknown> {
  readonly format: "partwise.upload-journal";
  readonly version: 1;
  readonly protocol: string;
  /** The protocol's upload handle (ids, part size…), JSON-serialisable. */
  readonly upload: U;
  readonly source: SourceFingerprint;
  readonly partSize: number;
  readonly parts: Readonly<Record<string, JournalPart>>;
}

export interface JournalStore {
  load(): Promise<unknown | undefined>;
  /** Must be atomic: a reader sees the previous or the new journal, never a mix. */
  save(journal: UploadJournal): Promise<void>;
  remove(): Promise<void>;
}

export function memoryJournal(
  initial?: UploadJournal,
): JournalStore & { current: UploadJournal | undefined } {
  const store = {
    current: initial,
    async load() {
      return store.current === undefined ? undefined : structuredClone(store.current);
    },
    async save(journal: UploadJournal) {
      store.current = structuredClone(journal);
    },
    async remove() {
      store.current = undefined;
    },
  };
  return store;
}
