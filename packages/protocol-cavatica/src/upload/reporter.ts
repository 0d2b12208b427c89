/**
 * Batched part reports (CV-REPORT-BATCH, [S2] `POST /upload/multipart/{upload_id}` with
 * `{"parts": [...]}`): parts that storage accepted are reported in batches of up to `batchSize`, or
 * `intervalMs` after the first unreported one arrived, whichever comes first, and always all of
 * them before complete (`flush`). One report request is in flight at a time.
 *
 * A failed report is retried with the upload's retry policy (capped exponential backoff with full
 * jitter, `Retry-After` honoured); re-reporting a part is idempotent (the last report wins). A
 * report that cannot succeed is fatal: `onFatal` stops the upload.
 */
import { type Clock, classifyFailure } from "@partwise/client";
import { type RetryPolicy, retryDelay } from "@partwise/engine";
import type { CavaticaClient } from "../client/client.ts";
import type { PartReport } from "../generated/schemas.ts";

export interface ReporterOptions {
  readonly client: CavaticaClient;
  readonly uploadId: string;
  readonly batchSize: number;
  readonly intervalMs: number;
  readonly clock: Clock;
  readonly policy: RetryPolicy;
  readonly random: () => number;
  /** A batch was recorded by the API (journal, progress); awaited before the next batch. */
  readonly onReported: (parts: readonly PartReport[]) => void | Promise<void>;
  /** A batch could not be reported, or `onReported` failed: the upload must stop. */
  readonly onFatal: (error: unknown) => void;
}

class Closed extends Error {}

export class PartReporter {
  readonly #options: ReporterOptions;
  readonly #controller = new AbortController();
  #pending: PartReport[] = [];
  #cancelTimer: (() => void) | undefined;
  #running: Promise<void> | undefined;
  #failure: { readonly error: unknown } | undefined;
  #closed = false;

  constructor(options: ReporterOptions) {
    this.#options = options;
  }

  /** Queues a part's report. */
  add(report: PartReport): void {
    if (this.#closed || this.#failure) return;
    this.#pending.push(report);
    this.#schedule();
  }

  /** Reports reports right away, with retries (not batched with `add`); rejects on failure. */
  report(parts: readonly PartReport[]): Promise<void> {
    return this.#send(parts);
  }

  /** Resolves once every queued report is recorded; rejects with the fatal failure. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.#failure) throw this.#failure.error;
      if (this.#closed) throw new Closed("the reporter is closed");
      if (this.#running) {
        await this.#running.catch(() => {});
        continue;
      }
      if (this.#pending.length === 0) return;
      this.#start();
    }
  }

  /** Stops: no further request, the one in flight is cancelled. Queued reports are dropped. */
  close(): void {
    this.#closed = true;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#controller.abort(new Closed("the reporter is closed"));
  }

  #schedule(): void {
    if (this.#running) return;
    if (this.#pending.length >= this.#options.batchSize) this.#start();
    else if (this.#pending.length > 0 && this.#cancelTimer === undefined)
      this.#cancelTimer = this.#options.clock.setTimer(this.#options.intervalMs, () => {
        this.#cancelTimer = undefined;
        if (!this.#running && !this.#closed) this.#start();
      });
  }

  #start(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    const batch = this.#pending.splice(0, this.#options.batchSize);
    const run = (async () => {
      await this.#send(batch);
      await this.#options.onReported(batch);
    })();
    this.#running = run;
    run.then(
      () => {
        this.#running = undefined;
        if (!this.#closed) this.#schedule();
      },
      (error: unknown) => {
        this.#running = undefined;
        if (this.#closed || error instanceof Closed) return;
        this.#failure = { error };
        this.#options.onFatal(error);
      },
    );
  }

  async #send(parts: readonly PartReport[]): Promise<void> {
    const { client, uploadId, policy, random, clock } = this.#options;
    const signal = this.#controller.signal;
    for (let retries = 0; ; retries++) {
      if (this.#closed) throw new Closed("the reporter is closed");
      try {
        await client.reportParts(uploadId, { parts: [...parts] }, { signal });
        return;
      } catch (error) {
        if (this.#closed) throw new Closed("the reporter is closed");
        const failure = classifyFailure(error);
        if (!failure.retryable || retries >= policy.maxRetriesPerPart) throw error;
        const delay = retryDelay(policy, retries, random(), failure.retryAfterMs);
        await new Promise<void>((resolve, reject) => {
          const cancel = clock.setTimer(delay, () => {
            signal.removeEventListener("abort", onAbort);
            resolve();
          });
          const onAbort = () => {
            cancel();
            reject(new Closed("the reporter is closed"));
          };
          signal.addEventListener("abort", onAbort, { once: true });
        });
      }
    }
  }
}
