/**
 * The reference server's persistent state, on a `Store` (atomic JSON documents and committed
 * blobs), mirrored in memory for lookups. The disk is the truth: every change is written (renamed
 * into place) before memory is updated and before the client is answered, so a server killed
 * with SIGKILL and restarted on the same data dir loads every file, claim and pending resumable
 * session it acknowledged, with every accepted chunk.
 *
 * Documents (state/):                         Blobs (blobs/):
 *   file-<fileId>      a stored file            file-<fileId>             a multipart upload's bytes
 *   session-<token>    a resumable upload       chunk-<token>-<position>  one accepted chunk
 *   bt-<id>            a business type claim
 *   secret             the HMAC key of identities (auth.ts)
 *
 * Closing a resumable upload does not copy: the file is its chunk blobs read in order (its
 * `segments`), which then belong to the file and outlive the session. Its whole-file MD5 (the
 * download's ETag) is not composable from per-chunk MD5s, so chunks are stored unhashed and a
 * running digest (`BlobDigest`) reads back and hashes each chunk once every chunk before it is in,
 * in the background on a hash worker; the close hands it to the file, so the ETag a client asks
 * for right after closing is ready at once, and each byte is hashed once. A running digest lives
 * in memory only: after a restart, a re-sent chunk it already hashed, or a close whose file is not
 * the chunks it hashed in order, the MD5 is computed by reading the file when first needed. Either
 * way it is cached in the file document.
 *
 * Keys are server-made (GUIDs, integers), never request text. Mutations of one file, one session
 * or the claims are serialised with a per-key lock (YF-RESUMABLE-POSITION: chunks arrive
 * concurrently).
 */
import { randomBytes } from "node:crypto";
import { toHex } from "@partwise/engine";
import { type BlobDigest, KeyedMutex, type StagedBlob, type Store } from "@partwise/node";
import type { Identity } from "./auth.ts";

/** What one subscriber did with a file (subscriber listings, `$filter` on status and dates). */
export interface SubscriberMark {
  readonly downloaded: boolean;
  readonly lastDownloadDate: string | null;
  readonly deleted: boolean;
  readonly deletedDate: string | null;
}

/** A stretch of a file's content: the whole of one blob. */
export interface Segment {
  readonly key: string;
  readonly size: number;
}

export interface FileDoc {
  readonly id: string;
  readonly name: string;
  readonly size: number;
  /**
   * Hex MD5 of the bytes (served as the download's ETag). Absent on a closed resumable upload until
   * a request first needs it (`YouforceState.md5Of`), then cached here.
   */
  readonly md5?: string;
  /** The content in order, for a closed resumable upload; absent: the one blob `file-<fileId>`. */
  readonly segments?: readonly Segment[];
  readonly creationDate: string;
  /** Upload order, to break ties between equal dates. */
  readonly seq: number;
  readonly tenantId: string;
  readonly publisherId: string;
  /** Identity id of the publishing token. */
  readonly owner: string;
  readonly businessTypeId: number;
  readonly numChunks: number;
  readonly customMetadata?: Readonly<Record<string, string>>;
  /** Per-subscriber marks, by identity id. */
  readonly marks: Readonly<Record<string, SubscriberMark>>;
}

export interface ChunkDoc {
  readonly size: number;
  /** Hex MD5 of the chunk: recorded by servers before 2026-12 only; chunks are stored unhashed now. */
  readonly md5?: string;
}

export interface SessionDoc {
  readonly token: string;
  readonly owner: string;
  readonly tenantId: string;
  readonly publisherId: string;
  readonly name: string;
  readonly businessTypeId: number;
  readonly customMetadata?: Readonly<Record<string, string>>;
  readonly createdAt: string;
  /** Accepted chunks by position. */
  readonly chunks: Readonly<Record<string, ChunkDoc>>;
  /** Chosen when a close starts, so a close retried after a crash yields the same file. */
  readonly fileId?: string;
}

interface ClaimDoc {
  readonly businessTypeId: number;
  readonly owner: string;
}

export const fileBlob = (fileId: string): string => `file-${fileId}`;
export const chunkBlob = (token: string, position: number): string => `chunk-${token}-${position}`;

/** The blobs that hold a file's bytes, in order. */
export function segmentsOf(doc: FileDoc): readonly Segment[] {
  return doc.segments ?? (doc.size === 0 ? [] : [{ key: fileBlob(doc.id), size: doc.size }]);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True for an id this server could have made (file ids and upload tokens are lower-case GUIDs). */
export function isGuid(value: string): boolean {
  return GUID.test(value);
}

export class YouforceState {
  readonly files = new Map<string, FileDoc>();
  readonly sessions = new Map<string, SessionDoc>();
  private readonly claims = new Map<number, string>();
  private readonly locks = new KeyedMutex();
  /** Whole-file MD5s being computed, by file id, so concurrent requests share one read. */
  private readonly hashing = new Map<string, Promise<string>>();
  /**
   * Running digests of pending resumable uploads, by token: the chunks from position 0 up to
   * `next - 1`, hashed in order as they are committed. `undefined`: given up (a hashed chunk was
   * replaced); the file's MD5 is then computed by reading it.
   */
  private readonly running = new Map<string, { readonly digest: BlobDigest; next: number } | undefined>();
  private seq = 0;
  /** The server closed: no running digest starts, and a failed one is not computed again. */
  private closed = false;

  private constructor(
    readonly store: Store,
    /** Fixed ownership (`options.businessTypes`): business type id → identity ids. */
    private readonly fixedOwners: ReadonlyMap<number, ReadonlySet<string>>,
  ) {}

  /** Loads every document of the store, and sweeps blobs no document refers to (crash leftovers). */
  static async open(
    store: Store,
    fixedOwners: ReadonlyMap<number, ReadonlySet<string>>,
  ): Promise<YouforceState> {
    const state = new YouforceState(store, fixedOwners);
    for (const name of await store.listJson("file-")) {
      const doc = await store.getJson<FileDoc>(name);
      if (doc === undefined) continue;
      state.files.set(doc.id, doc);
      state.seq = Math.max(state.seq, doc.seq);
    }
    for (const name of await store.listJson("session-")) {
      const doc = await store.getJson<SessionDoc>(name);
      if (doc !== undefined) state.sessions.set(doc.token, doc);
    }
    for (const name of await store.listJson("bt-")) {
      const doc = await store.getJson<ClaimDoc>(name);
      if (doc !== undefined) state.claims.set(doc.businessTypeId, doc.owner);
    }
    await state.sweep();
    return state;
  }

  /** The HMAC key of identities, created once per data dir. */
  static async secret(store: Store): Promise<string> {
    const existing = await store.getJson<{ secret: string }>("secret");
    if (existing !== undefined) return existing.secret;
    const secret = randomBytes(32).toString("hex");
    await store.putJson("secret", { secret });
    return secret;
  }

  private async sweep(): Promise<void> {
    const names = await this.store.listBlobs();
    const owned = new Set<string>();
    for (const doc of this.files.values()) for (const segment of doc.segments ?? []) owned.add(segment.key);
    const orphans = names.filter((name) => {
      if (owned.has(name)) return false;
      const file = /^file-(.+)$/.exec(name);
      if (file) return !this.files.has(file[1]!);
      const chunk = /^chunk-(.+)-(\d+)$/.exec(name);
      if (chunk) return this.sessions.get(chunk[1]!)?.chunks[chunk[2]!] === undefined;
      return false;
    });
    await this.store.delete(...orphans);
  }

  // --- business types ---------------------------------------------------------------------------

  /** May `identity` publish to this business type: configured for it, or not claimed by another. */
  mayPublish(identity: Identity, businessTypeId: number): boolean {
    const fixed = this.fixedOwners.get(businessTypeId);
    if (fixed) return fixed.has(identity.id);
    const owner = this.claims.get(businessTypeId);
    return owner === undefined || owner === identity.id;
  }

  /** Is `identity` a subscriber of this business type: configured for it, or its claimant. */
  subscribes(identity: Identity, businessTypeId: number): boolean {
    const fixed = this.fixedOwners.get(businessTypeId);
    if (fixed) return fixed.has(identity.id);
    return this.claims.get(businessTypeId) === identity.id;
  }

  /** Claims an unclaimed business type for `identity`; false when another identity holds it. */
  claim(identity: Identity, businessTypeId: number): Promise<boolean> {
    return this.locks.run("claims", async () => {
      if (this.fixedOwners.has(businessTypeId) || this.claims.has(businessTypeId))
        return this.mayPublish(identity, businessTypeId);
      await this.store.putJson(`bt-${businessTypeId}`, {
        businessTypeId,
        owner: identity.id,
      } satisfies ClaimDoc);
      this.claims.set(businessTypeId, identity.id);
      return true;
    });
  }

  // --- files --------------------------------------------------------------------------------------

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  /** Commits a file's blob, then its document: the file exists once both are on disk. */
  async addFile(doc: FileDoc, blob: StagedBlob | undefined): Promise<void> {
    await this.locks.run(`file-${doc.id}`, async () => {
      await blob?.commit(fileBlob(doc.id));
      await this.store.putJson(`file-${doc.id}`, doc);
      this.files.set(doc.id, doc);
    });
  }

  /**
   * The whole-file MD5 (hex): the cached one, or computed once by reading the file's blobs in order
   * and cached in its document, the first time a request needs it.
   */
  md5Of(doc: FileDoc): Promise<string> {
    if (doc.md5 !== undefined) return Promise.resolve(doc.md5);
    let pending = this.hashing.get(doc.id);
    if (pending === undefined) {
      const digest = this.store.openDigest();
      for (const segment of segmentsOf(doc)) digest.append(segment.key);
      pending = this.settleMd5(doc.id, digest);
    }
    return pending;
  }

  /** Waits for `digest`, caches it as file `fileId`'s MD5, and shares it meanwhile (`hashing`). */
  private settleMd5(fileId: string, digest: BlobDigest, fallback?: () => Promise<string>): Promise<string> {
    const pending = (async () => {
      let md5: string;
      try {
        md5 = toHex(await digest.digest());
      } catch (error) {
        if (fallback === undefined || this.closed) throw error;
        return fallback();
      }
      await this.cacheMd5(fileId, md5);
      return md5;
    })().finally(() => {
      if (this.hashing.get(fileId) === pending) this.hashing.delete(fileId);
    });
    // A digest nobody asks for fails quietly; the next request computes it again.
    pending.catch(() => {});
    this.hashing.set(fileId, pending);
    return pending;
  }

  /** Records a file's whole-file MD5 in its document, unless it already has one. */
  async cacheMd5(fileId: string, md5: string): Promise<void> {
    await this.updateFile(fileId, (current) => (current.md5 === undefined ? { ...current, md5 } : current));
  }

  /** Read-modify-write of one file's document, serialised per file. */
  updateFile(fileId: string, update: (doc: FileDoc) => FileDoc): Promise<FileDoc | undefined> {
    return this.locks.run(`file-${fileId}`, async () => {
      const doc = this.files.get(fileId);
      if (doc === undefined) return undefined;
      const next = update(doc);
      if (next === doc) return doc;
      await this.store.putJson(`file-${fileId}`, next);
      this.files.set(fileId, next);
      return next;
    });
  }

  // --- resumable sessions ---------------------------------------------------------------------------

  /** Runs a session mutation under that session's lock. */
  withSession<T>(token: string, task: () => Promise<T>): Promise<T> {
    return this.locks.run(`session-${token}`, task);
  }

  /** Writes a session document (call under `withSession`). */
  async putSession(doc: SessionDoc): Promise<void> {
    await this.store.putJson(`session-${doc.token}`, doc);
    this.sessions.set(doc.token, doc);
  }

  /**
   * Chunk `position` of `session` (its document as just written) was committed: hashes it into the
   * session's running digest with any chunks after it that are already in, when every chunk before
   * it is; a chunk at a position already hashed (a re-sent chunk) gives the running digest up.
   * Call under `withSession`.
   */
  chunkCommitted(session: SessionDoc, position: number): void {
    if (this.closed) return;
    const token = session.token;
    let run = this.running.get(token);
    if (this.running.has(token) && run === undefined) return;
    if (run !== undefined && position < run.next) {
      run.digest.abort();
      this.running.set(token, undefined);
      return;
    }
    if (run === undefined) {
      run = { digest: this.store.openDigest(), next: 0 };
      this.running.set(token, run);
    }
    while (session.chunks[run.next] !== undefined) {
      run.digest.append(chunkBlob(token, run.next));
      run.next += 1;
    }
  }

  /**
   * The session closed into `doc` (committed): its running digest, completed with the chunks not
   * yet in it, becomes the file's MD5 in the background when it hashed the file's segments in
   * order; else the MD5 is left to the first request that needs it. Call under `withSession`.
   */
  sessionClosed(token: string, doc: FileDoc): void {
    const run = this.running.get(token);
    this.running.delete(token);
    if (run === undefined) return;
    const segments = segmentsOf(doc).map((segment) => segment.key);
    const hashed = run.digest.keys;
    if (hashed.length > segments.length || hashed.some((key, i) => key !== segments[i])) {
      run.digest.abort();
      return;
    }
    for (const key of segments.slice(hashed.length)) run.digest.append(key);
    // Should the read-back fail (a store error), the file is read again when first needed.
    this.settleMd5(doc.id, run.digest, () => {
      this.hashing.delete(doc.id);
      return this.md5Of(this.files.get(doc.id) ?? doc);
    });
  }

  /** The server is closing: running digests stop, and none starts again. */
  close(): void {
    this.closed = true;
    for (const run of this.running.values()) run?.digest.abort();
    this.running.clear();
  }

  /**
   * Removes a session: its document first (the token stops working), then its chunks, except those
   * that now hold the bytes of the file it closed into.
   */
  async dropSession(doc: SessionDoc): Promise<void> {
    this.running.get(doc.token)?.digest.abort();
    this.running.delete(doc.token);
    await this.store.deleteJson(`session-${doc.token}`);
    this.sessions.delete(doc.token);
    const file = doc.fileId === undefined ? undefined : this.files.get(doc.fileId);
    const owned = new Set(file?.segments?.map((segment) => segment.key));
    await this.store.delete(
      ...Object.keys(doc.chunks)
        .map((position) => chunkBlob(doc.token, Number(position)))
        .filter((key) => !owned.has(key)),
    );
  }
}
