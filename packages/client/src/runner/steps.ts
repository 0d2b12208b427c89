/**
 * What a protocol supplies to `runUpload`: its requests, one step each. Every step is one
 * request (or a short fixed sequence of them) and is retried by the runner, so a step never
 * retries, waits, journals or reports progress itself; it throws the protocol's `ClientError`
 * and the runner classifies it.
 */
import type { PartLimits, RandomAccessSource } from "@partwise/engine";

/**
 * One part's bytes as read from the source, with their MD5. For steps with `hashParts: false`
 * (`Hashed` false), the MD5 is there only when a journal records the part.
 */
export interface PartBytes<Hashed extends boolean = true> {
  /** From 1. */
  readonly number: number;
  readonly offset: number;
  readonly size: number;
  /** Valid only until the step's promise settles: a pooled buffer is reused afterwards. */
  readonly bytes: Uint8Array;
  readonly md5: Hashed extends true ? Uint8Array : Uint8Array | undefined;
  /** Hex of `md5`. */
  readonly md5Hex: Hashed extends true ? string : string | undefined;
}

/** A part the server accepted (journaled, and given to `complete`). */
export interface AcceptedPart {
  readonly number: number;
  readonly size: number;
  /** Hex MD5 of the part's bytes; empty for a part not hashed (`hashParts: false`, no journal). */
  readonly md5: string;
  /** What the server answered for it (its ETag), or the MD5 where the protocol answers none. */
  readonly etag: string;
}

/** What a step may use besides its arguments. */
export interface StepContext {
  /** Fires when the upload stops (pause, abort, failure elsewhere): the request must end. */
  readonly signal: AbortSignal;
}

/** What the runner knows about the file it is uploading, for look-ups and verification. */
export interface Expected {
  readonly size: number;
  /** Hex MD5 of the whole file: present when the steps ask for it (`needsFileMd5`). */
  readonly md5: string | undefined;
  readonly parts: readonly AcceptedPart[];
  /** When the upload was first started (the journal's time, on a resume), ms since the epoch. */
  readonly startedAt: number;
  /** The completion (or the one request) was sent at least once: its answer may have been lost. */
  readonly completing: boolean;
}

/**
 * What the server holds for an upload:
 * - `completed`: the upload became this file (a completion whose answer was lost);
 * - `open`: the upload can still take parts; `parts`, when the protocol can list them, are the
 *   parts it holds (number → size and ETag), and anything else the journal says is sent again;
 * - `gone`: no such upload and no file for it: start over.
 */
export type Lookup<R> =
  | { readonly state: "completed"; readonly result: R }
  | {
      readonly state: "open";
      readonly parts?: ReadonlyMap<number, { readonly size: number; readonly etag: string }> | undefined;
    }
  | { readonly state: "gone" };

export interface UploadSteps<H, R, Hashed extends boolean = true> {
  /** The journal's `protocol`. */
  readonly protocol: string;
  readonly limits: PartLimits;
  readonly preferredPartSize?: number | undefined;
  /** Parts in flight at most. */
  readonly concurrency: number;
  /** `start` sends part 1 (YouForce's resumable `POST`): the runner gives it the part's bytes. */
  readonly startSendsFirstPart?: boolean | undefined;
  /** `complete` sends the last part (YouForce's `close=true` chunk). */
  readonly completeSendsLastPart?: boolean | undefined;
  /** `verify` needs the whole file's MD5: the runner computes it from the bytes it reads. */
  readonly needsFileMd5?: boolean | undefined;
  /**
   * False: nothing checks a part's own MD5 (YouForce's chunks answer no digest; the whole file's
   * MD5 verifies them), so parts are read without it unless a journal records them, and each byte
   * is hashed once, for the whole file. Default true: every part is hashed.
   */
  readonly hashParts?: Hashed | undefined;
  /**
   * Sources of known size up to this size go in one request (`single`); larger ones part by part.
   */
  readonly singleUpTo?: number | undefined;
  /** A stream that ends within its first part goes in one request (`single`) too. */
  readonly singleForShortStreams?: boolean | undefined;

  /**
   * The part size the server decided for `handle` (CAVATICA's answered `part_size`): parts are
   * then cut to exactly that size, the last one smaller. Undefined: the planned size stands.
   */
  partSizeOf?(handle: H): number | undefined;
  /** Parts in flight the server allows for `handle` (1 when it refuses parallel uploads). */
  concurrencyOf?(handle: H): number;
  /**
   * Records accepted parts with the API (CAVATICA's part reports), in batches of at most
   * `reportBatch.size`, at least every `reportBatch.intervalMs`; every part is reported before
   * `complete`. A failure that retries cannot fix stops the upload.
   */
  report?(handle: H, parts: readonly AcceptedPart[], ctx: StepContext): Promise<void>;
  readonly reportBatch?: { readonly size: number; readonly intervalMs: number } | undefined;

  /** Opens the upload on the server (with part 1 when `startSendsFirstPart`). */
  start(
    first: PartBytes<Hashed> | undefined,
    ctx: StepContext,
  ): Promise<{ readonly handle: H; readonly etag?: string }>;
  /**
   * Sends one part; resolves with what the server says it stored (its ETag), checked against the
   * part's MD5 where the protocol answers one (a mismatch is a retryable failure).
   */
  sendPart(handle: H, part: PartBytes<Hashed>, ctx: StepContext): Promise<string>;
  /** Completes the upload (with the last part when `completeSendsLastPart`). */
  complete(
    handle: H,
    parts: readonly AcceptedPart[],
    last: PartBytes<Hashed> | undefined,
    ctx: StepContext,
  ): Promise<R>;
  /** The whole file in one request, its body read from `source` (hashing into `hash` if given). */
  single?(
    source: RandomAccessSource,
    hash: { update(bytes: Uint8Array): void } | undefined,
    ctx: StepContext,
  ): Promise<R>;
  /**
   * What the server holds for `handle` (undefined: a one-request upload, or an upload whose start
   * answer was lost). Used after a failed completion, on resume, and before re-sending a
   * one-request upload whose answer may have been lost.
   */
  lookup(handle: H | undefined, expected: Expected, ctx: StepContext): Promise<Lookup<R>>;
  /** True when the stored file `result` holds the expected bytes (sizes, ETags, MD5, read-back). */
  verify(result: R, expected: Expected, ctx: StepContext): Promise<boolean>;
  /** Removes (or hides) a stored file found corrupt; absent where the protocol cannot. */
  discard?(result: R, ctx: StepContext): Promise<void>;
  /** Aborts the upload on the server; absent where the protocol has no abort. */
  abort?(handle: H, ctx: StepContext): Promise<void>;
  /** Checks the journal's protocol section (untrusted JSON); throws a usage error otherwise. */
  parseHandle(value: unknown): H;
  /** Checks a journaled result (untrusted JSON). */
  parseResult(value: unknown): R;
}
