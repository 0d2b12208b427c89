/**
 * The upload driver: carries out an `UploadSession`'s commands over a protocol's requests (h11's
 * "bring your own I/O" — the session decides, the driver does). It is the only place that runs
 * requests concurrently, arms the retry timer, reacts to an `AbortSignal` and reports progress,
 * so the three protocol uploaders differ only in how they send a part and complete.
 *
 * Guarantees:
 * - a part is sent only when the session says so, so concurrency, retries, backoff and budgets
 *   are the session's (one policy, model-tested in the engine);
 * - `onPartAccepted` (the resume journal) runs and finishes before the session learns that the
 *   part succeeded, so a crash can never leave an accepted part unrecorded and then skipped;
 * - on abort or failure every request in flight is cancelled, the protocol's server-side abort
 *   runs once (best effort), and the promise rejects with the failure or the abort reason;
 * - no request is started after the driver settles.
 */
import type {
  CompleteCommand,
  FailureInfo,
  SendPartCommand,
  SessionCommand,
  SessionProgress,
  UploadSession,
} from "@partwise/engine";
import { classifyFailure } from "./classify.ts";
import { type Clock, systemClock } from "./clock.ts";

/** What one protocol does for each command. */
export interface UploadDriver {
  /** Sends one part; resolves with the ETag the session records for `complete`. */
  sendPart(command: SendPartCommand, signal: AbortSignal): Promise<string>;
  /** The protocol's completion request. */
  complete(command: CompleteCommand, signal: AbortSignal): Promise<void>;
  /** Aborts the upload on the server where the protocol allows it (best effort). */
  abortUpload?(reason: unknown): Promise<void>;
  /** How a failure is retried; defaults to `classifyFailure`. */
  classify?(error: unknown): FailureInfo;
  /**
   * Open-ended sessions (streams): reads the next part when the session asks (`needPart`);
   * undefined at the end of the stream.
   */
  nextPart?(): Promise<{ readonly number: number; readonly size: number } | undefined>;
}

export interface UploadProgress extends SessionProgress {
  /** Bytes of every part attempt whose request finished sending, retries included. */
  readonly bytesSent: number;
}

export interface DriveOptions {
  readonly session: UploadSession;
  readonly driver: UploadDriver;
  readonly clock?: Clock | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Runs (and is awaited) before the session records an accepted part: the resume journal. */
  readonly onPartAccepted?: ((number: number, etag: string) => void | Promise<void>) | undefined;
  readonly onProgress?: ((progress: UploadProgress) => void) | undefined;
}

export function driveUpload(options: DriveOptions): Promise<void> {
  const { session, driver } = options;
  const clock = options.clock ?? systemClock;
  const classify = (error: unknown): FailureInfo => ({
    ...(driver.classify ?? classifyFailure)(error),
    now: clock.now(),
  });
  const inFlight = new Map<number, AbortController>();
  let completeController: AbortController | undefined;
  let cancelTimer: (() => void) | undefined;
  let failure: { error: unknown } | undefined;
  let settled = false;
  let bytesSent = 0;

  return new Promise<void>((resolve, reject) => {
    const settle = (error?: { error: unknown }) => {
      if (settled) return;
      settled = true;
      cancelTimer?.();
      options.signal?.removeEventListener("abort", onAbort);
      if (error) reject(error.error);
      else resolve();
    };
    const progress = () => options.onProgress?.({ ...session.progress, bytesSent });

    const apply = (commands: readonly SessionCommand[]) => {
      for (const command of commands) {
        if (settled) return;
        switch (command.type) {
          case "sendPart":
            send(command);
            break;
          case "wait":
            cancelTimer?.();
            cancelTimer = clock.setTimer(command.until - clock.now(), () => {
              cancelTimer = undefined;
              if (!settled) apply(session.tick(clock.now()));
            });
            break;
          case "complete":
            complete(command);
            break;
          case "fail":
            failure = { error: command.error };
            break;
          case "abort":
            stop(command.reason);
            break;
          case "needPart":
            feed();
            break;
        }
      }
      progress();
      if (session.state === "done") settle();
    };

    const send = (command: SendPartCommand) => {
      const controller = new AbortController();
      inFlight.set(command.number, controller);
      driver.sendPart(command, controller.signal).then(
        async (etag) => {
          bytesSent += command.size;
          try {
            await options.onPartAccepted?.(command.number, etag);
          } catch (error) {
            // The journal could not record the part: stop rather than go on without resume data.
            inFlight.delete(command.number);
            if (!settled)
              apply(session.partFailed(command.number, error, { retryable: false, now: clock.now() }));
            return;
          }
          inFlight.delete(command.number);
          if (!settled) apply(session.partSucceeded(command.number, etag));
        },
        (error: unknown) => {
          inFlight.delete(command.number);
          if (controller.signal.aborted || settled) return;
          bytesSent += command.size;
          apply(session.partFailed(command.number, error, classify(error)));
        },
      );
    };

    const feed = () => {
      if (!driver.nextPart) {
        stop(new Error("the session asked for more parts but the driver has no nextPart"));
        return;
      }
      driver.nextPart().then(
        (part) => {
          if (settled) return;
          apply(part === undefined ? session.endParts() : session.addPart(part));
        },
        (error: unknown) => {
          // The source failed (a read error, a stream over the limits): the upload cannot go on.
          if (!settled) {
            failure = { error };
            apply(session.abort(error));
          }
        },
      );
    };

    const complete = (command: CompleteCommand) => {
      const controller = new AbortController();
      completeController = controller;
      driver.complete(command, controller.signal).then(
        () => {
          completeController = undefined;
          if (!settled) apply(session.completeSucceeded());
        },
        (error: unknown) => {
          completeController = undefined;
          if (controller.signal.aborted || settled) return;
          apply(session.completeFailed(error, classify(error)));
        },
      );
    };

    const stop = (reason: unknown) => {
      cancelTimer?.();
      for (const controller of inFlight.values()) controller.abort(reason);
      inFlight.clear();
      completeController?.abort(reason);
      const outcome = failure ?? { error: reason };
      const cleanup = driver.abortUpload?.(reason);
      if (cleanup)
        cleanup.then(
          () => settle(outcome),
          () => settle(outcome),
        );
      else settle(outcome);
    };

    const onAbort = () => {
      if (!settled) apply(session.abort(options.signal?.reason));
    };
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener("abort", onAbort, { once: true });
    apply(session.start(clock.now()));
  });
}
