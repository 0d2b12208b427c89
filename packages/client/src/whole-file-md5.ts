/**
 * The MD5 (RFC 1321) of a whole file, taken from the part bytes an upload reads anyway, so the
 * file is not read a second time. The three protocol uploaders use it when the caller asks for the
 * whole file's MD5 (`wholeFileMd5: true`); by default they do not compute it, and every byte is
 * hashed once (the per-part MD5 that Content-MD5 and ETag checks need).
 *
 * Parts are numbered from 1. MD5 is sequential, but parts are read roughly, not strictly, in order
 * (concurrent reads finish in any order), so bytes offered ahead of a gap wait in memory until the
 * gap is filled: the gap is a part being read right now, so at most the parts in flight wait. Parts
 * the upload never reads (accepted in an earlier run of a resumed upload: `skipped`) are read by
 * the digest itself, with `readSkipped`, when it gets to them; any other part never offered is read
 * by `finish`. A part offered again (a retry) is ignored.
 *
 * Bytes offered out of order are copied while they wait, so a caller may recycle its buffers
 * (pooled part reads) as soon as `offer` returns.
 */
import { createMd5, type Md5, toHex } from "@partwise/engine";

/** A part's read hashing into the whole-file digest as it goes (`WholeFileMd5.claim`). */
export interface ClaimedPart {
  readonly hash: { update(bytes: Uint8Array): void };
  /** Every byte of the part went into `hash`. */
  done(): void;
  /** The read stopped part-way. */
  failed(): void;
}

export interface WholeFileMd5Options {
  /** Parts that will never be offered (resumed ones): read with `readSkipped` when they are next. */
  readonly skipped?: ReadonlySet<number> | undefined;
  /** Reads part `number`'s bytes; required when `skipped` is not empty. */
  readonly readSkipped?: ((number: number) => Promise<Uint8Array>) | undefined;
}

export class WholeFileMd5 {
  readonly #hash: Md5;
  readonly #skipped: ReadonlySet<number>;
  readonly #readSkipped: ((number: number) => Promise<Uint8Array>) | undefined;
  readonly #pending = new Map<number, Uint8Array>();
  #next = 1;
  #reading: Promise<void> | undefined;
  #failure: { readonly error: unknown } | undefined;
  #result: Promise<string> | undefined;
  /** The part a reader is hashing in as it reads it (`claim`). */
  #claimed: number | undefined;
  /** A claimed read failed part-way: the digest holds part of a part and starts over at `finish`. */
  #spoilt = false;

  private constructor(hash: Md5, options: WholeFileMd5Options) {
    this.#hash = hash;
    this.#skipped = options.skipped ?? new Set();
    this.#readSkipped = options.readSkipped;
    if (this.#skipped.size > 0 && this.#readSkipped === undefined)
      throw new TypeError("WholeFileMd5: `readSkipped` is required with `skipped` parts");
  }

  static async create(options: WholeFileMd5Options = {}): Promise<WholeFileMd5> {
    const digest = new WholeFileMd5(await createMd5(), options);
    digest.#advance();
    return digest;
  }

  /**
   * Part `number`'s bytes. Hashed at once when every earlier part was (so a caller may reuse the
   * buffer after a call that found `number` next in line), else kept until then.
   */
  offer(number: number, bytes: Uint8Array): void {
    if (number < this.#next || number === this.#claimed || this.#pending.has(number) || this.#result) return;
    if (this.#spoilt) return; // `finish` reads every part again
    if (number === this.#next && this.#idle()) {
      this.#hash.update(bytes);
      this.#next += 1;
      this.#advance();
      return;
    }
    // Kept for later: copied, because the caller may recycle its buffer (pooled part reads) as soon
    // as the part is accepted, long before the digest gets to it.
    this.#pending.set(number, bytes.slice());
    this.#advance();
  }

  /** Nothing else is being hashed or read in: bytes next in line may be hashed now. */
  #idle(): boolean {
    return !this.#reading && !this.#failure && this.#claimed === undefined && !this.#spoilt;
  }

  /**
   * Part `number` is about to be read: when it is next in line, returns the hash to feed its bytes
   * to as they are read (`readPart`'s `alsoHash`), so the part is hashed in the read's own pass.
   * The reader calls `done()` once every byte of the part went in, or `failed()` if the read
   * stopped part-way (the digest then starts over at `finish`, reading the source again).
   * Undefined: not next, or something else is in progress; `offer` the bytes instead.
   */
  claim(number: number): ClaimedPart | undefined {
    if (number !== this.#next || !this.#idle() || this.#pending.has(number) || this.#result) return undefined;
    this.#claimed = number;
    const hash = this.#hash;
    return {
      hash: { update: (bytes) => hash.update(bytes) },
      done: () => {
        if (this.#claimed !== number) return;
        this.#claimed = undefined;
        this.#next = number + 1;
        this.#advance();
      },
      failed: () => {
        if (this.#claimed !== number) return;
        this.#claimed = undefined;
        this.#spoilt = true;
      },
    };
  }

  #advance(): void {
    if (!this.#idle()) return;
    for (;;) {
      const bytes = this.#pending.get(this.#next);
      if (bytes !== undefined) {
        this.#hash.update(bytes);
        this.#pending.delete(this.#next);
        this.#next += 1;
        continue;
      }
      if (this.#skipped.has(this.#next) && this.#readSkipped) {
        const number = this.#next;
        this.#reading = this.#readSkipped(number).then(
          (read) => {
            this.#reading = undefined;
            this.#hash.update(read);
            this.#next = number + 1;
            this.#advance();
          },
          (error: unknown) => {
            this.#reading = undefined;
            this.#failure = { error };
          },
        );
      }
      return;
    }
  }

  /** The hex digest of parts 1..`count`, reading (with `read`) any not offered. Idempotent. */
  finish(count: number, read: (number: number) => Promise<Uint8Array>): Promise<string> {
    this.#result ??= (async () => {
      while (this.#reading) await this.#reading;
      if (this.#failure) throw this.#failure.error;
      // A claimed read that never ended, or one that failed part-way: hash every part again.
      const hash = this.#spoilt || this.#claimed !== undefined ? await createMd5() : this.#hash;
      if (hash !== this.#hash) this.#next = 1;
      while (this.#next <= count) {
        const bytes = this.#pending.get(this.#next) ?? (await read(this.#next));
        hash.update(bytes);
        this.#pending.delete(this.#next);
        this.#next += 1;
      }
      return toHex(hash.digest());
    })();
    return this.#result;
  }
}
