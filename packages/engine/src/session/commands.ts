/**
 * What the upload session tells its driver to do (sans-I/O, after https://github.com/python-hyper/h11).
 *
 * Every event method returns the commands it produced, in the order the driver should act on
 * them. Commands are plain, JSON-friendly data: the session knows part numbers and sizes, never
 * bytes, URLs or HTTP.
 */

/** Upload part `number` (`size` bytes). `attempt` counts sends of this part, from 1, across resumes. */
export interface SendPartCommand {
  readonly type: "sendPart";
  readonly number: number;
  readonly size: number;
  readonly attempt: number;
}

/**
 * Call `tick(now)` once the clock reaches `until` (absolute, in the clock passed to `start`/`tick`).
 * A new `wait` replaces any earlier one, so a driver keeps a single timer; a tick that comes early,
 * late or twice is harmless.
 */
export interface WaitCommand {
  readonly type: "wait";
  readonly until: number;
}

/**
 * Send the protocol's completion request with every part's ETag, part numbers ascending.
 * `attempt` counts completion requests, from 1; a retry repeats the same list.
 */
export interface CompleteCommand {
  readonly type: "complete";
  readonly parts: ReadonlyArray<{ readonly number: number; readonly etag: string }>;
  readonly attempt: number;
}

/**
 * Cancel requests still in flight and abort the upload on the server. `reason` is the value given
 * to `abort(reason)`, or the error of the `fail` command that came just before.
 */
export interface AbortCommand {
  readonly type: "abort";
  readonly reason: unknown;
}

/** The upload has failed with `error`; an `abort` command follows so the driver can clean up. */
export interface FailCommand {
  readonly type: "fail";
  readonly error: unknown;
}

/**
 * An open-ended session has a free slot and no part to fill it: read the next part from the
 * source and call `addPart` with it, or `endParts` at the end of the source. The session emits no
 * other `needPart` until one of the two is called, so one read is outstanding at a time.
 */
export interface NeedPartCommand {
  readonly type: "needPart";
}

export type SessionCommand =
  | SendPartCommand
  | WaitCommand
  | CompleteCommand
  | AbortCommand
  | FailCommand
  | NeedPartCommand;

/** How the driver classifies a failed request (after tus-js-client's `onShouldRetry`). */
export interface FailureInfo {
  /** False for failures a retry cannot fix (most 4xx); the session then fails at once. */
  readonly retryable: boolean;
  /** The server's `Retry-After`, in ms; the retry is never scheduled earlier. */
  readonly retryAfterMs?: number | undefined;
  /**
   * When the failure happened. Pass it so backoff counts from the failure; without it the session
   * counts from the latest time it saw (`start`/`tick`), which may be earlier.
   */
  readonly now?: number | undefined;
}

/**
 * Progress of the upload, derived from part states. For an open-ended session the totals count
 * the parts known so far and grow with each `addPart`; `UploadSession.partsEnded` says whether
 * they are final.
 */
export interface SessionProgress {
  readonly partsTotal: number;
  readonly partsDone: number;
  readonly bytesTotal: number;
  readonly bytesDone: number;
  readonly inFlight: number;
}
