/**
 * The MD5 (RFC 1321) of the whole file, taken from the part bytes the upload reads anyway, in part
 * order, without a second pass over the source.
 *
 * Parts are read when they are sent, which is roughly but not strictly in order (concurrent reads
 * finish in any order), so bytes that arrive ahead of a gap wait in `pending` until the gap is
 * filled: the gap is a part being read right now, so at most the parts in flight wait. Parts that
 * are never read during the upload (resumed ones) are read by the digest itself when it gets to
 * them (`readSkipped`). A part offered again (a retry) is ignored.
 */
import { createMd5, type Md5, toHex } from "@partwise/engine";

export class OrderedDigest {
  readonly #hash: Md5;
  readonly #skipped: ReadonlySet<number>;
  readonly #readSkipped: (number: number) => Promise<Uint8Array>;
  readonly #pending = new Map<number, Uint8Array>();
  #next = 1;
  #reading: Promise<void> | undefined;
  #failure: { readonly error: unknown } | undefined;
  #result: Promise<string> | undefined;

  private constructor(
    hash: Md5,
    skipped: ReadonlySet<number>,
    readSkipped: (n: number) => Promise<Uint8Array>,
  ) {
    this.#hash = hash;
    this.#skipped = skipped;
    this.#readSkipped = readSkipped;
  }

  static async create(
    skipped: ReadonlySet<number>,
    readSkipped: (number: number) => Promise<Uint8Array>,
  ): Promise<OrderedDigest> {
    const digest = new OrderedDigest(await createMd5(), skipped, readSkipped);
    digest.#advance();
    return digest;
  }

  /**
   * Part `number`'s bytes. Hashed at once when every earlier part was (so a caller may reuse the
   * buffer after a call that found `number` next in line), else kept until then.
   */
  offer(number: number, bytes: Uint8Array): void {
    if (number < this.#next || this.#pending.has(number) || this.#result) return;
    this.#pending.set(number, bytes);
    this.#advance();
  }

  #advance(): void {
    if (this.#reading || this.#failure) return;
    for (;;) {
      const bytes = this.#pending.get(this.#next);
      if (bytes !== undefined) {
        this.#hash.update(bytes);
        this.#pending.delete(this.#next);
        this.#next += 1;
        continue;
      }
      if (this.#skipped.has(this.#next)) {
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
      while (this.#next <= count) {
        const bytes = this.#pending.get(this.#next) ?? (await read(this.#next));
        this.#hash.update(bytes);
        this.#pending.delete(this.#next);
        this.#next += 1;
      }
      return toHex(this.#hash.digest());
    })();
    return this.#result;
  }
}
