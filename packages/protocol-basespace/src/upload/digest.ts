/**
 * The MD5 of the whole file (RFC 1321), which BaseSpace never reports (its ETags are per part,
 * BS-PART-ETAG), computed from the part bytes the uploader reads anyway. MD5 is sequential, so a
 * part is hashed only when every lower-numbered part already was; the session sends parts in
 * ascending order and the uploader reads them in send order, so on a fresh upload every part is
 * hashed on its first read and nothing is read twice. Parts passed over (accepted in an earlier
 * run of a resumed upload, or read out of order) are read once more at the end by `finish`.
 */
import { createMd5, type Md5, toHex } from "@partwise/engine";

export class WholeFileMd5 {
  readonly #hash: Md5;
  /** The next part number the hash needs. */
  #next = 1;

  private constructor(hash: Md5) {
    this.#hash = hash;
  }

  static async create(): Promise<WholeFileMd5> {
    return new WholeFileMd5(await createMd5());
  }

  /** Part `number`'s bytes were read: hashed now if it is the next one, otherwise ignored. */
  offer(number: number, bytes: Uint8Array): void {
    if (number !== this.#next) return;
    this.#hash.update(bytes);
    this.#next += 1;
  }

  /** The hex digest, after reading the parts `offer` had to pass over (`read` returns their bytes). */
  async finish(partCount: number, read: (number: number) => Promise<Uint8Array>): Promise<string> {
    while (this.#next <= partCount) this.offer(this.#next, await read(this.#next));
    return toHex(this.#hash.digest());
  }
}
