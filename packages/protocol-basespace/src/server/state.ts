/**
 * The server's upload state, through the store (disk, or blobs in S3 and documents on disk) so a server killed with SIGKILL and
 * restarted on the same data directory continues every pending upload with no accepted part lost.
 *
 * Documents (atomic JSON, `Store.putJson`):
 * - `file-{id}`: one File (name, path, type, owner digest, status, and once complete the ordered
 *   blobs that hold its bytes);
 * - `part-{fileId}-{n}`: one accepted part of a pending upload (number, size, ETag, blob key);
 *   per-part documents let parts of one upload commit in parallel without rewriting a shared list;
 * - `appresult-{id}`: the identity that claimed an AppResult (BS-AUTH-ISOLATION);
 * - `signing-key`: the HMAC key of signed content URLs.
 *
 * Blobs get a fresh key on every commit (`p{fileId}-{n}-{random}`), and a document is written only
 * after the blob it names is in place, so a crash between two steps leaves at worst an
 * unreferenced blob or part document, which `open` sweeps. Completion does not copy: a complete
 * multipart File is its parts' blobs in ascending part number (BS-COMPLETE-ORDER), read one after
 * the other on download.
 *
 * Memory holds metadata only (records, never bytes); the bytes stay in the store.
 */
import { randomBytes } from "node:crypto";
import { KeyedMutex, type StagedBlob, type Store } from "@partwise/node";
import type { IdentityId } from "./auth.ts";

export type UploadStatus = "pending" | "complete" | "aborted";

/** A stretch of a File's content: the whole of one blob. */
export interface Segment {
  readonly key: string;
  readonly size: number;
}

export interface FileRecord {
  /** Numeric text, as BaseSpace's ids are. */
  readonly id: string;
  readonly appResultId: string;
  readonly owner: IdentityId;
  readonly name: string;
  /** Without trailing slashes; null when none was given. */
  readonly directory: string | null;
  readonly contentType: string;
  /** ISO 8601 UTC with seven fractional digits, as BaseSpace writes it. */
  readonly dateCreated: string;
  readonly multipart: boolean;
  readonly uploadStatus: UploadStatus;
  readonly size: number;
  /** The content in order; empty until the File is complete. */
  readonly segments: readonly Segment[];
}

export interface PartRecord {
  readonly number: number;
  readonly size: number;
  /** Lowercase hex MD5 of the stored bytes (BS-PART-ETAG). */
  readonly etag: string;
  readonly key: string;
}

const fileDoc = (id: string) => `file-${id}`;
const partDoc = (fileId: string, number: number) => `part-${fileId}-${number}`;
const appResultDoc = (id: string) => `appresult-${id}`;
const SIGNING_KEY_DOC = "signing-key";
/** Ids start above this, so they look like BaseSpace's (e.g. `7094087`). */
const FIRST_ID = 7_000_000;

function isFileRecord(value: unknown): value is FileRecord {
  const r = value as FileRecord | null;
  return (
    typeof r === "object" &&
    r !== null &&
    typeof r.id === "string" &&
    typeof r.appResultId === "string" &&
    typeof r.owner === "string" &&
    Array.isArray(r.segments)
  );
}

function isPartRecord(value: unknown): value is PartRecord {
  const r = value as PartRecord | null;
  return typeof r === "object" && r !== null && Number.isInteger(r.number) && typeof r.key === "string";
}

/** Runs `task` over `items`, `width` at a time. */
async function eachLimited<T>(
  items: readonly T[],
  width: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(task));
}

export class BasespaceState {
  /** Per-upload (`file:{id}`) and per-AppResult (`appresult:{id}`) serialisation. */
  readonly mutex: KeyedMutex = new KeyedMutex();
  private readonly files = new Map<string, FileRecord>();
  private readonly byAppResult = new Map<string, Map<string, FileRecord>>();
  private readonly parts = new Map<string, Map<number, PartRecord>>();
  private readonly owners = new Map<string, IdentityId>();
  private nextId = FIRST_ID + 1;
  private signingKeyBytes: Uint8Array = new Uint8Array(0);

  private constructor(
    private readonly store: Store,
    private readonly fixedOwners: ReadonlyMap<string, IdentityId>,
  ) {}

  /** Loads every document, sweeps what a crash left half-done, and creates the signing key once. */
  static async open(store: Store, fixedOwners: ReadonlyMap<string, IdentityId>): Promise<BasespaceState> {
    const state = new BasespaceState(store, fixedOwners);
    await state.load();
    return state;
  }

  get signingKey(): Uint8Array {
    return this.signingKeyBytes;
  }

  private async load(): Promise<void> {
    const names = await this.store.listJson();
    const partDocs: { name: string; record: PartRecord; fileId: string }[] = [];
    await eachLimited(names, 64, async (name) => {
      let value: unknown;
      try {
        value = await this.store.getJson<unknown>(name);
      } catch {
        return; // not JSON: no writer of ours produced it (writes are atomic); ignore it
      }
      if (name.startsWith("file-") && isFileRecord(value)) this.index(value);
      else if (name.startsWith("appresult-")) {
        const owner = (value as { owner?: unknown } | null)?.owner;
        if (typeof owner === "string") this.owners.set(name.slice("appresult-".length), owner);
      } else if (name.startsWith("part-") && isPartRecord(value)) {
        const fileId = name.slice("part-".length, name.lastIndexOf("-"));
        partDocs.push({ name, record: value, fileId });
      } else if (name === SIGNING_KEY_DOC) {
        const hex = (value as { key?: unknown } | null)?.key;
        if (typeof hex === "string" && /^[0-9a-f]{64}$/.test(hex))
          this.signingKeyBytes = new Uint8Array(Buffer.from(hex, "hex"));
      }
    });
    if (this.signingKeyBytes.length === 0) {
      const key = randomBytes(32);
      await this.store.putJson(SIGNING_KEY_DOC, { key: key.toString("hex") });
      this.signingKeyBytes = new Uint8Array(key);
    }
    // Parts survive only while their upload is pending; a completion or abort interrupted after
    // its File document was written left these behind.
    const stale: string[] = [];
    for (const { name, record, fileId } of partDocs) {
      if (this.files.get(fileId)?.uploadStatus === "pending") this.partsOf(fileId).set(record.number, record);
      else stale.push(name);
    }
    await eachLimited(stale, 64, (name) => this.store.deleteJson(name));
    await this.sweepBlobs();
  }

  /** Deletes blobs no document names: written just before a crash, or replaced just before one. */
  private async sweepBlobs(): Promise<void> {
    const referenced = new Set<string>();
    for (const file of this.files.values()) for (const segment of file.segments) referenced.add(segment.key);
    for (const parts of this.parts.values()) for (const part of parts.values()) referenced.add(part.key);
    const blobs = await this.store.listBlobs();
    await eachLimited(
      blobs.filter((key) => !referenced.has(key)),
      64,
      (key) => this.store.delete(key),
    );
  }

  private index(file: FileRecord): void {
    this.files.set(file.id, file);
    let files = this.byAppResult.get(file.appResultId);
    if (!files) {
      files = new Map();
      this.byAppResult.set(file.appResultId, files);
    }
    files.set(file.id, file);
    const numeric = Number(file.id);
    if (Number.isSafeInteger(numeric) && numeric >= this.nextId) this.nextId = numeric + 1;
  }

  private partsOf(fileId: string): Map<number, PartRecord> {
    let parts = this.parts.get(fileId);
    if (!parts) {
      parts = new Map();
      this.parts.set(fileId, parts);
    }
    return parts;
  }

  /** A fresh File id (numeric text). Ids that never get a document are simply skipped. */
  allocateId(): string {
    return String(this.nextId++);
  }

  /** A fresh blob key; never reused, so a commit never overwrites a blob a document names. */
  blobKey(prefix: string): string {
    return `${prefix}-${randomBytes(8).toString("hex")}`;
  }

  file(id: string): FileRecord | undefined {
    return this.files.get(id);
  }

  filesOf(appResultId: string): FileRecord[] {
    return [...(this.byAppResult.get(appResultId)?.values() ?? [])];
  }

  /** The stored parts of an upload, by ascending part number. */
  partList(fileId: string): PartRecord[] {
    return [...(this.parts.get(fileId)?.values() ?? [])].sort((a, b) => a.number - b.number);
  }

  /** Who may write to an AppResult: its configured owner, else whoever claimed it, else nobody yet. */
  ownerOf(appResultId: string): IdentityId | undefined {
    return this.fixedOwners.get(appResultId) ?? this.owners.get(appResultId);
  }

  /**
   * Makes `identity` the owner of an unowned AppResult (its first writer) and says whether
   * `identity` owns it now. Serialised per AppResult, so two first writers cannot both win.
   */
  claim(appResultId: string, identity: IdentityId): Promise<boolean> {
    return this.mutex.run(`appresult:${appResultId}`, async () => {
      const owner = this.ownerOf(appResultId);
      if (owner !== undefined) return owner === identity;
      await this.store.putJson(appResultDoc(appResultId), { owner: identity });
      this.owners.set(appResultId, identity);
      return true;
    });
  }

  /** Serialises state changes of one upload. */
  lockFile<T>(fileId: string, task: () => Promise<T>): Promise<T> {
    return this.mutex.run(`file:${fileId}`, task);
  }

  /** Writes a File's document, then makes it visible. */
  async saveFile(file: FileRecord): Promise<void> {
    await this.store.putJson(fileDoc(file.id), file);
    this.index(file);
  }

  /**
   * Commits a verified part blob and its document, replacing an earlier part of the same number
   * (BS-PART-REPLACE), whose blob is deleted only once the new document is in place. The caller
   * holds the upload's lock.
   */
  async commitPart(fileId: string, part: Omit<PartRecord, "key">, staged: StagedBlob): Promise<PartRecord> {
    const key = this.blobKey(`p${fileId}-${part.number}`);
    await staged.commit(key);
    const record: PartRecord = { ...part, key };
    try {
      await this.store.putJson(partDoc(fileId, part.number), record);
    } catch (error) {
      await this.store.delete(key).catch(() => {});
      throw error;
    }
    const parts = this.partsOf(fileId);
    const previous = parts.get(part.number);
    parts.set(part.number, record);
    if (previous) await this.store.delete(previous.key);
    return record;
  }

  /** Rewrites the document of a committed part (the BS-PART-ETAG mutant; testing conformance suites only). */
  async recordPart(fileId: string, record: PartRecord): Promise<PartRecord> {
    await this.store.putJson(partDoc(fileId, record.number), record);
    this.partsOf(fileId).set(record.number, record);
    return record;
  }

  /**
   * Forgets, in memory only, the parts of an upload not in `numbers` (the BS-COMPLETE-ORDER
   * lost-update mutant; testing conformance suites only).
   */
  forgetPartsExcept(fileId: string, numbers: readonly number[]): void {
    const keep = new Set(numbers);
    const parts = this.partsOf(fileId);
    for (const number of [...parts.keys()]) if (!keep.has(number)) parts.delete(number);
  }

  /** Deletes a File's document and makes it invisible (the strict reading's abort). */
  async deleteFile(id: string): Promise<void> {
    const file = this.files.get(id);
    await this.store.deleteJson(fileDoc(id));
    this.files.delete(id);
    if (file) this.byAppResult.get(file.appResultId)?.delete(id);
  }

  /**
   * Forgets an upload's part documents after its File document recorded the outcome; the blobs
   * go too unless the complete File now owns them. The caller holds the upload's lock.
   */
  async dropParts(fileId: string, options: { readonly deleteBlobs: boolean }): Promise<void> {
    const parts = [...(this.parts.get(fileId)?.values() ?? [])];
    this.parts.delete(fileId);
    await eachLimited(parts, 64, async (part) => {
      await this.store.deleteJson(partDoc(fileId, part.number));
      if (options.deleteBlobs) await this.store.delete(part.key);
    });
  }
}
