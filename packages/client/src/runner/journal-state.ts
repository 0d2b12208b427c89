/**
 * The runner's journal: one format for every protocol (`UploadJournal`, with the protocol's
 * section in `upload`), opened and checked before anything is sent, and saved after every step
 * the server accepted. Saves are chained, each writing everything known so far, so a slow save
 * never overwrites a newer one; the store makes each save atomic (a file: write, then rename).
 */
import type { JournalPart, JournalStore, SourceFingerprint, UploadJournal } from "../journal.ts";

/** Where the upload stands, as the journal records it. */
export type JournalStage =
  /** Parts are being sent (or the upload is not started yet: no `upload`). */
  | "parts"
  /** The completion (or the one request of a one-request upload) was sent; its answer may be lost. */
  | "completing"
  /** The server answered the completion with `result`; verification may not have run yet. */
  | "completed";

export interface RunJournal<H = unknown> extends UploadJournal<H | null> {
  /** What the journal is for besides the source (target, name…): must match on resume. */
  readonly target?: Readonly<Record<string, unknown>>;
  /** When the upload was first started, ms since the epoch. */
  readonly startedAt?: number;
  readonly stage?: JournalStage;
  /** The stored file, once `stage` is `completed`. */
  readonly result?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const count = (value: unknown, min = 0): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= min;

/** Checks the shared part of an untrusted journal; returns why it is not one, or undefined. */
export function journalProblem(value: unknown, protocol: string): string | undefined {
  if (!isRecord(value) || value.format !== "partwise.upload-journal") return "format";
  if (value.version !== 1) return "version";
  if (value.protocol !== protocol) return `protocol ${JSON.stringify(value.protocol)}`;
  const source = value.source;
  if (!isRecord(source) || !count(source.size)) return "source";
  if (!count(value.partSize, 1)) return "partSize";
  if (!isRecord(value.parts)) return "parts";
  for (const [key, part] of Object.entries(value.parts)) {
    if (!/^[1-9]\d*$/.test(key)) return `part ${key}`;
    if (!isRecord(part) || !count(part.size) || typeof part.md5 !== "string" || typeof part.etag !== "string")
      return `part ${key}`;
  }
  if (value.stage !== undefined && !["parts", "completing", "completed"].includes(value.stage as string))
    return "stage";
  if (value.startedAt !== undefined && !count(value.startedAt)) return "startedAt";
  return undefined;
}

/** Same file: size and sampled digest equal, and the modification time when both sides know it. */
export function sameSource(saved: SourceFingerprint, now: SourceFingerprint): boolean {
  return (
    saved.size === now.size &&
    saved.sample === now.sample &&
    (saved.mtimeMs === undefined || now.mtimeMs === undefined || saved.mtimeMs === now.mtimeMs)
  );
}

/** JSON equality of two plain values with keys in any order. */
export function sameTarget(a: unknown, b: unknown): boolean {
  const canon = (v: unknown): unknown =>
    isRecord(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .filter((k) => v[k] !== undefined)
            .map((k) => [k, canon(v[k])]),
        )
      : Array.isArray(v)
        ? v.map(canon)
        : v;
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

export class JournalWriter<H> {
  readonly #store: JournalStore;
  #journal: RunJournal<H>;
  #chain: Promise<void> = Promise.resolve();
  #removed = false;

  constructor(store: JournalStore, journal: RunJournal<H>) {
    this.#store = store;
    this.#journal = journal;
  }

  get current(): RunJournal<H> {
    return this.#journal;
  }

  /** Saves the journal with `patch` applied; resolves once a save that includes it finished. */
  update(patch: Partial<RunJournal<H>>): Promise<void> {
    // A part answered after the journal was removed (an abort) must not bring it back.
    if (this.#removed) return Promise.resolve();
    this.#journal = { ...this.#journal, ...patch };
    const journal = this.#journal;
    const save = this.#chain.then(() => this.#store.save(journal as UploadJournal));
    this.#chain = save.catch(() => {});
    return save;
  }

  accept(number: number, part: JournalPart): Promise<void> {
    return this.update({ parts: { ...this.#journal.parts, [String(number)]: part } });
  }

  async remove(): Promise<void> {
    this.#removed = true;
    await this.#chain;
    await this.#store.remove();
  }
}
