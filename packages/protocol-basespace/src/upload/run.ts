/**
 * What the simple and the multipart upload share: the session they run (the engine's
 * `UploadSession`, fresh or restored from a journal), the driver loop over it
 * (@partwise/client's `driveUpload`) with progress in BaseSpace's terms, and the result.
 */
import { driveUpload, systemClock, type UploadDriver, type UploadProgress } from "@partwise/client";
import {
  DEFAULT_RETRY_POLICY,
  type PlannedPart,
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  UploadSession,
} from "@partwise/engine";
import type { BasespaceClient } from "../client/client.ts";
import { BasespaceError } from "../client/errors.ts";
import type { File as BasespaceFile } from "../generated/schemas.ts";
import type { BasespaceJournal } from "./journal.ts";
import type {
  BasespaceUploadOptions,
  BasespaceUploadProgress,
  BasespaceUploadResult,
  ResolvedSettings,
} from "./options.ts";

/** What one upload works with: the client, the checked settings and the caller's options. */
export interface Context {
  readonly client: BasespaceClient;
  readonly settings: ResolvedSettings;
  readonly options: BasespaceUploadOptions;
}

export function newSession(ctx: Context, parts: readonly PlannedPart[], openEnded = false): UploadSession {
  return new UploadSession({
    parts,
    concurrency: ctx.settings.concurrency,
    retry: ctx.options.retry,
    random: ctx.options.random ?? Math.random,
    openEnded,
  });
}

/** A session snapshot with the journal's parts already succeeded (engine `UploadSession.restore`). */
export function restoredSession(
  ctx: Context,
  plan: readonly PlannedPart[],
  journal: BasespaceJournal,
): UploadSession {
  const retry = DEFAULT_RETRY_POLICY;
  return UploadSession.restore(
    {
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      config: {
        concurrency: ctx.settings.concurrency,
        retry: {
          maxRetriesPerPart: retry.maxRetriesPerPart,
          baseDelayMs: retry.baseDelayMs,
          maxDelayMs: retry.maxDelayMs,
        },
      },
      parts: plan.map((part) => {
        const saved = journal.parts[String(part.number)];
        return saved
          ? { number: part.number, size: part.size, state: "succeeded", etag: saved.etag, attempts: 1 }
          : { number: part.number, size: part.size, state: "pending", attempts: 0 };
      }),
    },
    {
      random: ctx.options.random ?? Math.random,
      concurrency: ctx.settings.concurrency,
      retry: ctx.options.retry,
    },
  );
}

export function drive(
  ctx: Context,
  session: UploadSession,
  driver: UploadDriver,
  hooks: {
    readonly onPartAccepted?: (number: number, etag: string) => Promise<void>;
    readonly totalsKnown: () => boolean;
  },
): Promise<void> {
  const onProgress = ctx.options.onProgress;
  return driveUpload({
    session,
    driver,
    clock: ctx.options.clock ?? systemClock,
    signal: ctx.options.signal,
    onPartAccepted: hooks.onPartAccepted,
    onProgress:
      onProgress &&
      ((progress: UploadProgress) => {
        const known = hooks.totalsKnown();
        const event: BasespaceUploadProgress = {
          bytesSent: progress.bytesSent,
          bytesAccepted: progress.bytesDone,
          bytesTotal: known ? progress.bytesTotal : undefined,
          partsDone: progress.partsDone,
          partsTotal: known ? progress.partsTotal : undefined,
          inFlight: progress.inFlight,
        };
        try {
          onProgress(event);
        } catch {
          // A throwing progress callback must not wedge the upload's state machine.
        }
      }),
  });
}

export function describeResult(
  file: BasespaceFile,
  details: Pick<BasespaceUploadResult, "md5" | "parts" | "method" | "resumed">,
): BasespaceUploadResult {
  return {
    id: file.Id,
    name: file.Name,
    size: file.Size,
    ...(details.md5 === undefined ? {} : { md5: details.md5 }),
    parts: details.parts,
    path: file.Path,
    contentType: file.ContentType,
    method: details.method,
    resumed: details.resumed,
    file,
  };
}

export function invalidAnswer(
  operation: string,
  problem: string,
  retryable = false,
  rule?: string,
): BasespaceError {
  return new BasespaceError(`${operation}: invalid response: ${problem}`, {
    kind: "invalid-response",
    operation,
    status: undefined,
    retryable,
    rule,
  });
}
