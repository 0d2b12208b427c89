/**
 * Upload, part, file and claim state of the reference server, persisted through the `Store` as one
 * atomic JSON document per thing, with an in-memory copy for reads:
 *
 *   upload-{upload_id}        the upload (init fields, owner, authoritative part_size)
 *   part-{upload_id}-{n}      one stored part: size, MD5, blob key, and its last report
 *   file-{file_id}            a completed file: the ordered part blobs that hold its bytes
 *   claim-{digest}            which owner a project or parent folder belongs to
 *
 * One document per part keeps every storage PUT and report a small write (10,000 parts never
 * rewrite a 10,000-entry document), and a part document is the commit point of its part: the blob
 * is renamed into place first, under a fresh key, then the document that names it is written.
 * Likewise the `file-` document commits a completion and removing the `upload-` document commits an
 * abort. Completion does not copy: a complete file is its parts' blobs read in order (as in
 * BaseSpace), so the `file-` document takes those blobs over from the part documents; from then on
 * only replacing or removing the file document deletes them, never the cleanup of its upload. `open` repairs what a SIGKILL between those steps left behind: a completion whose upload
 * survived is finished, two files of one name keep the newer, and documents or blobs no one refers
 * to are deleted. Every mutation writes the disk before the memory copy changes.
 */
import { createHash, randomBytes } from "node:crypto";
import { KeyedMutex, type Store } from "@partwise/node";
import type { OwnerId } from "./auth.ts";

/** Where a file goes: a project (`owner/project`) or a parent folder id (CV-INIT-TARGET). */
export interface Target {
  readonly kind: "project" | "parent";
  readonly id: string;
}

export interface UploadDoc {
  readonly uploadId: string;
  readonly owner: OwnerId;
  readonly target: Target;
  readonly project: string;
  readonly parent?: string | undefined;
  readonly name: string;
  readonly size?: number | undefined;
  readonly md5?: string | undefined;
  readonly partSize: number;
  readonly initiated: string;
  readonly overwrite: boolean;
  /** On the S3 store: the S3 multipart upload behind this upload (s3.ts). */
  readonly s3?: { readonly key: string; readonly uploadId: string } | undefined;
}

/** A part report as recorded: the headers and body as sent, and the ETag it names, normalised. */
export interface ReportDoc {
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Readonly<Record<string, unknown>> | undefined;
  readonly etag: string;
  /** Report order; recorded only by the CV-LIST-PARTS-ORDER mutant. */
  readonly seq?: number | undefined;
}

export interface PartDoc {
  readonly uploadId: string;
  readonly partNumber: number;
  readonly size: number;
  /** Lowercase hex MD5 of the stored bytes. */
  readonly md5: string;
  readonly blob: string;
  readonly report?: ReportDoc | undefined;
}

export interface FileDoc {
  readonly fileId: string;
  readonly owner: OwnerId;
  readonly target: Target;
  readonly project: string;
  readonly parent?: string | undefined;
  readonly name: string;
  readonly size: number;
  /** Lowercase hex MD5 of a one-part file; for more parts `md5(part MD5s)-N`, as S3 does. */
  readonly md5: string;
  /** The blobs holding the bytes, in order, with their sizes; `size` is the sum of theirs. */
  readonly blobs: readonly FileBlob[];
  readonly createdOn: string;
  readonly createdMs: number;
  /** The upload this file completed; lets `open` finish a completion cut short. */
  readonly uploadId: string;
  /** `folder` for a folder (no blobs, no upload); absent for a file. */
  readonly type?: "folder" | undefined;
  /** Metadata fields (https://docs.sevenbridges.com/reference/update-file-details), CV-FILE-METADATA. */
  readonly metadata?: Readonly<Record<string, string>> | undefined;
  /** Tags, replaced as a whole (CV-FILE-TAGS). */
  readonly tags?: readonly string[] | undefined;
  /** Set by an edit (name, metadata, tags); else `createdOn`. */
  readonly modifiedOn?: string | undefined;
}

export interface FileBlob {
  readonly key: string;
  readonly size: number;
}

/** A file's blobs; a document of the copying format names one blob `blob`, the whole file. */
export function fileBlobs(file: FileDoc): readonly FileBlob[] {
  const legacy = (file as { blob?: string }).blob;
  return file.blobs ?? (legacy === undefined ? [] : [{ key: legacy, size: file.size }]);
}

interface ClaimDoc {
  readonly target: Target;
  readonly owner: OwnerId;
}

export interface UploadEntry {
  doc: UploadDoc;
  readonly parts: Map<number, PartDoc>;
}

const uploadDoc = (id: string) => `upload-${id}`;
const partDoc = (id: string, n: number) => `part-${id}-${n}`;
const fileDoc = (id: string) => `file-${id}`;
const claimDoc = (target: Target) => `claim-${digest(targetKey(target))}`;

export const targetKey = (target: Target): string => `${target.kind}:${target.id}`;
const nameKey = (target: Target, name: string): string => `${targetKey(target)}\n${name}`;

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 40);
}

/** A random id of `length` characters from [A-Za-z0-9] (the platform's upload ids look like this). */
export function randomId(length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = randomBytes(length * 2);
  let id = "";
  // Rejection sampling keeps the characters uniform (248 = 4 × 62).
  for (const byte of bytes) {
    if (byte < 248) id += alphabet[byte % 62];
    if (id.length === length) return id;
  }
  return id + randomId(length - id.length);
}

export class CavaticaState {
  private readonly uploads = new Map<string, UploadEntry>();
  private readonly files = new Map<string, FileDoc>();
  private readonly names = new Map<string, string>();
  private readonly claims = new Map<string, OwnerId>();
  /** Every blob key a file document names: such a blob is deleted only with its file. */
  private readonly fileBlobKeys = new Set<string>();
  /** Per-upload locks (key = upload id) and global ones (`claims`, `names`). */
  readonly locks: KeyedMutex = new KeyedMutex();

  private constructor(readonly store: Store) {}

  static async open(store: Store): Promise<CavaticaState> {
    const state = new CavaticaState(store);
    await state.load();
    return state;
  }

  // --- claims (projects and parent folders belong to the first token that uses them) ---------

  /** The owner of a target, or undefined when unclaimed. */
  claimOf(target: Target): OwnerId | undefined {
    return this.claims.get(targetKey(target));
  }

  /** The ids of the projects claimed so far. */
  claimedProjects(): string[] {
    const prefix = targetKey({ kind: "project", id: "" });
    return [...this.claims.keys()]
      .filter((key) => key.startsWith(prefix))
      .map((key) => key.slice(prefix.length));
  }

  /** Claims an unclaimed target for `owner`; answers the owner it belongs to afterwards. */
  claim(target: Target, owner: OwnerId): Promise<OwnerId> {
    return this.locks.run("claims", async () => {
      const existing = this.claims.get(targetKey(target));
      if (existing !== undefined) return existing;
      await this.store.putJson(claimDoc(target), { target, owner } satisfies ClaimDoc);
      this.claims.set(targetKey(target), owner);
      return owner;
    });
  }

  // --- uploads ---------------------------------------------------------------------------------

  upload(uploadId: string): UploadEntry | undefined {
    return this.uploads.get(uploadId);
  }

  uploadsOf(owner: OwnerId): UploadEntry[] {
    return [...this.uploads.values()]
      .filter((entry) => entry.doc.owner === owner)
      .sort(
        (a, b) =>
          a.doc.initiated.localeCompare(b.doc.initiated) || a.doc.uploadId.localeCompare(b.doc.uploadId),
      );
  }

  async createUpload(doc: UploadDoc): Promise<UploadEntry> {
    await this.store.putJson(uploadDoc(doc.uploadId), doc);
    const entry: UploadEntry = { doc, parts: new Map() };
    this.uploads.set(doc.uploadId, entry);
    return entry;
  }

  /** Records a stored part (call under the upload's lock); deletes the blob it replaces. */
  async putPart(entry: UploadEntry, part: PartDoc): Promise<void> {
    const previous = entry.parts.get(part.partNumber);
    await this.store.putJson(partDoc(part.uploadId, part.partNumber), part);
    entry.parts.set(part.partNumber, part);
    if (previous !== undefined && previous.blob !== part.blob) await this.store.delete(previous.blob);
  }

  /** Records reports of stored parts (call under the upload's lock). */
  async putReports(entry: UploadEntry, reports: ReadonlyMap<number, ReportDoc>): Promise<void> {
    for (const [partNumber, report] of reports) {
      const part = entry.parts.get(partNumber);
      if (part === undefined) throw new Error(`part ${partNumber} is not stored`);
      const next: PartDoc = { ...part, report };
      await this.store.putJson(partDoc(part.uploadId, partNumber), next);
      entry.parts.set(partNumber, next);
    }
  }

  /**
   * Forgets an upload: its document first (the commit point), then its parts and their blobs,
   * except the blobs a file document has taken over (a completion).
   */
  async deleteUpload(entry: UploadEntry): Promise<void> {
    const id = entry.doc.uploadId;
    this.uploads.delete(id);
    await this.store.deleteJson(uploadDoc(id));
    for (const part of entry.parts.values()) {
      await this.store.deleteJson(partDoc(id, part.partNumber));
      if (!this.fileBlobKeys.has(part.blob)) await this.store.delete(part.blob);
    }
    entry.parts.clear();
  }

  // --- files -----------------------------------------------------------------------------------

  file(fileId: string): FileDoc | undefined {
    return this.files.get(fileId);
  }

  fileNamed(target: Target, name: string): FileDoc | undefined {
    const id = this.names.get(nameKey(target, name));
    return id === undefined ? undefined : this.files.get(id);
  }

  /**
   * Commits a completion (call under the `names` lock, the upload's lock held): the file document,
   * then the removal of the file it replaces (CV-INIT-OVERWRITE) and of the upload.
   */
  async addFile(file: FileDoc, upload: UploadEntry): Promise<void> {
    await this.store.putJson(fileDoc(file.fileId), file);
    const replaced = this.fileNamed(file.target, file.name);
    this.setFile(file);
    if (replaced !== undefined) await this.deleteFile(replaced);
    await this.deleteUpload(upload);
  }

  private setFile(file: FileDoc): void {
    this.files.set(file.fileId, file);
    this.names.set(nameKey(file.target, file.name), file.fileId);
    for (const blob of fileBlobs(file)) this.fileBlobKeys.add(blob.key);
  }

  /** The file a completed upload created, or undefined. */
  fileOfUpload(uploadId: string): FileDoc | undefined {
    for (const file of this.files.values()) if (file.uploadId === uploadId) return file;
    return undefined;
  }

  /** Removes a file (DELETE /files/{id}; the CV-COMPLETE-TERMINAL mutant's abort of a completed upload). */
  removeFile(file: FileDoc): Promise<void> {
    return this.deleteFile(file);
  }

  /** The files and folders directly in a target, oldest first. */
  filesIn(target: Target): FileDoc[] {
    const key = targetKey(target);
    return [...this.files.values()]
      .filter((file) => targetKey(file.target) === key)
      .sort((a, b) => a.createdMs - b.createdMs || a.fileId.localeCompare(b.fileId));
  }

  /**
   * Adds a folder (call under the `names` lock): a file document of type `folder`, which names no
   * blobs and completed no upload.
   */
  async addFolder(folder: FileDoc): Promise<void> {
    await this.store.putJson(fileDoc(folder.fileId), folder);
    this.setFile(folder);
  }

  /**
   * Replaces a file's document by an edit of it (call under the `names` lock): a new name, metadata
   * or tags. Its blobs stay the same.
   */
  async updateFile(next: FileDoc): Promise<void> {
    const previous = this.files.get(next.fileId);
    if (previous === undefined) throw new Error(`file ${next.fileId} does not exist`);
    await this.store.putJson(fileDoc(next.fileId), next);
    if (this.names.get(nameKey(previous.target, previous.name)) === previous.fileId)
      this.names.delete(nameKey(previous.target, previous.name));
    this.setFile(next);
  }

  /** Removes a file: its document first (the commit point), then the blobs it alone named. */
  private async deleteFile(file: FileDoc): Promise<void> {
    this.files.delete(file.fileId);
    if (this.names.get(nameKey(file.target, file.name)) === file.fileId)
      this.names.delete(nameKey(file.target, file.name));
    await this.store.deleteJson(fileDoc(file.fileId));
    for (const blob of fileBlobs(file)) {
      this.fileBlobKeys.delete(blob.key);
      await this.store.delete(blob.key);
    }
  }

  // --- recovery --------------------------------------------------------------------------------

  private async load(): Promise<void> {
    const store = this.store;
    for (const name of await store.listJson("claim-")) {
      const claim = await store.getJson<ClaimDoc>(name);
      if (claim !== undefined) this.claims.set(targetKey(claim.target), claim.owner);
    }
    for (const name of await store.listJson("upload-")) {
      const doc = await store.getJson<UploadDoc>(name);
      if (doc !== undefined) this.uploads.set(doc.uploadId, { doc, parts: new Map() });
    }
    // File documents first: a part blob a file document names belongs to the file, not the part.
    const files: FileDoc[] = [];
    for (const name of await store.listJson("file-")) {
      const file = await store.getJson<FileDoc>(name);
      if (file !== undefined) files.push(file);
    }
    const filed = new Set(files.flatMap((file) => fileBlobs(file).map((blob) => blob.key)));
    for (const name of await store.listJson("part-")) {
      const part = await store.getJson<PartDoc>(name);
      if (part === undefined) continue;
      const entry = this.uploads.get(part.uploadId);
      // A part of an aborted or completed upload whose cleanup a crash interrupted.
      if (entry === undefined) {
        await store.deleteJson(name);
        if (!filed.has(part.blob)) await store.delete(part.blob);
      } else entry.parts.set(part.partNumber, part);
    }
    // Oldest first, so a newer file of the same name replaces an older one a crash left behind.
    files.sort((a, b) => a.createdMs - b.createdMs || a.fileId.localeCompare(b.fileId));
    for (const file of files) {
      const replaced = this.fileNamed(file.target, file.name);
      this.setFile(file);
      if (replaced !== undefined) await this.deleteFile(replaced);
      // The file document commits a completion: finish removing its upload.
      const upload = this.uploads.get(file.uploadId);
      if (upload !== undefined) await this.deleteUpload(upload);
    }
    await this.sweepBlobs();
  }

  /** Deletes part and file blobs no document refers to (a crash between rename and document). */
  private async sweepBlobs(): Promise<void> {
    const referenced = new Set<string>();
    for (const entry of this.uploads.values())
      for (const part of entry.parts.values()) referenced.add(part.blob);
    for (const file of this.files.values()) for (const blob of fileBlobs(file)) referenced.add(blob.key);
    for (const name of await this.store.listBlobs()) {
      if ((name.startsWith("p-") || name.startsWith("f-")) && !referenced.has(name))
        await this.store.delete(name);
    }
  }
}
