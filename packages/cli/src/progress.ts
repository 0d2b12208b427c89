/**
 * Upload progress on stderr: a bar (cli-progress, a maintained library) when stderr is a terminal,
 * plain lines otherwise (one per accepted part at most every second, so logs stay readable). Both
 * show sizes with units, the throughput over the last seconds and, when the total is known, the
 * time left; from standard input (total unknown) the bar shows what was sent instead of a percentage.
 */
import type { BatchProgress } from "@partwise/client";
import { MultiBar, SingleBar } from "cli-progress";
import type { ProgressEvent } from "./commands/upload.ts";
import { formatBytes } from "./usage.ts";

export interface ProgressReporter {
  update(progress: ProgressEvent): void;
  done(result: {
    readonly size: number;
    readonly parts: number;
    readonly id: string;
    readonly name?: string | undefined;
    /** Where the file is, e.g. `in project team/cli`. */
    readonly where?: string | undefined;
  }): void;
  stop(): void;
}

/** Bytes per second over a sliding window of recent samples; `now` is injectable for tests. */
export class Throughput {
  readonly #samples: { at: number; bytes: number }[] = [];
  constructor(
    private readonly windowMs = 5_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Records the bytes done so far. */
  add(bytes: number): void {
    const at = this.now();
    this.#samples.push({ at, bytes });
    while (this.#samples.length > 2 && at - (this.#samples[1] as { at: number }).at >= this.windowMs)
      this.#samples.shift();
  }

  /** Bytes per second, undefined until two samples are far enough apart to say. */
  rate(): number | undefined {
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    if (first === undefined || last === undefined || last.at - first.at < 250) return undefined;
    return Math.max(0, last.bytes - first.bytes) / ((last.at - first.at) / 1000);
  }

  /** Seconds left for `remaining` bytes at the current rate, undefined when unknown. */
  eta(remaining: number): number | undefined {
    const rate = this.rate();
    if (rate === undefined || rate <= 0) return undefined;
    return Math.max(0, remaining) / rate;
  }
}

/** `7s`, `4m05s`, `2h03m`; `?` when unknown. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return "?";
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

const speedOf = (rate: number | undefined) => (rate === undefined ? "? /s" : `${formatBytes(rate)}/s`);

/** The line printed when an upload finished. */
export function doneLine(result: Parameters<ProgressReporter["done"]>[0]): string {
  const what = result.name === undefined ? "" : `${result.name} `;
  return `partwise: uploaded ${what}(${formatBytes(result.size)}, ${result.parts} part${result.parts === 1 ? "" : "s"}) as ${result.id}${result.where ? ` ${result.where}` : ""}\n`;
}

export function createProgress(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  options: { readonly quiet: boolean; readonly total: number | undefined },
): ProgressReporter {
  if (options.quiet) return { update() {}, done() {}, stop() {} };
  const accepted = (p: ProgressEvent) => p.bytesAccepted ?? p.bytesDone ?? 0;
  const throughput = new Throughput();
  const parts = (p: ProgressEvent) => `${p.partsDone}${p.partsTotal ? `/${p.partsTotal}` : ""}`;
  if (stream.isTTY) {
    const known = options.total !== undefined;
    const bar = new SingleBar(
      {
        stream,
        format: known
          ? "uploading [{bar}] {percentage}% | {done} of {size} | {speed} | ETA {left} | parts {parts}"
          : "uploading {done} (total unknown) | {speed} | parts {parts}",
        hideCursor: true,
        clearOnComplete: false,
        // The bar's own ETA counts bar units; ours counts bytes over a sliding window.
        etaBuffer: 1,
      },
      undefined,
    );
    let total = Math.max(1, options.total ?? 1);
    const payload = (done: number, p?: ProgressEvent) => ({
      done: formatBytes(done),
      size: formatBytes(total),
      speed: speedOf(throughput.rate()),
      left: formatDuration(throughput.eta(total - done)),
      parts: p ? parts(p) : "0",
    });
    bar.start(total, 0, payload(0));
    return {
      update(p) {
        const done = accepted(p);
        throughput.add(done);
        if (known && p.bytesTotal !== undefined && p.bytesTotal !== total) {
          total = Math.max(1, p.bytesTotal);
          bar.setTotal(total);
        }
        bar.update(known ? Math.min(done, total) : 0, payload(done, p));
      },
      done(result) {
        total = Math.max(1, result.size);
        if (known) bar.setTotal(total);
        bar.update(known ? total : 0, {
          ...payload(result.size),
          left: "0s",
          parts: `${result.parts}/${result.parts}`,
        });
        bar.stop();
        stream.write(doneLine(result));
      },
      stop() {
        bar.stop();
      },
    };
  }
  let lastParts = -1;
  let lastAt = 0;
  return {
    update(p) {
      const done = accepted(p);
      throughput.add(done);
      const now = Date.now();
      if (p.partsDone === lastParts || now - lastAt < 1000) return;
      lastParts = p.partsDone;
      lastAt = now;
      const total = p.bytesTotal ?? options.total;
      const rate = throughput.rate();
      const left = total === undefined ? "" : `, ${formatDuration(throughput.eta(total - done))} left`;
      stream.write(
        `partwise: ${parts(p)} parts, ${formatBytes(done)}${total !== undefined ? ` of ${formatBytes(total)}` : ""} accepted (${speedOf(rate)}${left})\n`,
      );
    },
    done(result) {
      stream.write(doneLine(result));
    },
    stop() {},
  };
}

/** Progress of a batch (`partwise upload PATH...`): one overall bar, and a line per finished file. */
export interface BatchProgressReporter {
  update(progress: BatchProgress): void;
  /** A line about one file (uploaded, skipped, failed), printed above the bar. */
  line(text: string): void;
  stop(): void;
}

export function createBatchProgress(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  options: { readonly quiet: boolean; readonly total: number; readonly files: number },
): BatchProgressReporter {
  if (options.quiet) return { update() {}, line() {}, stop() {} };
  const throughput = new Throughput();
  const total = Math.max(1, options.total);
  const payload = (p: BatchProgress | undefined) => {
    const done = p?.bytesAccepted ?? 0;
    return {
      done: formatBytes(done),
      size: formatBytes(options.total),
      speed: speedOf(throughput.rate()),
      left: formatDuration(throughput.eta(options.total - done)),
      files: `${p?.filesDone ?? 0}/${options.files}${p?.filesFailed ? `, ${p.filesFailed} failed` : ""}`,
    };
  };
  if (stream.isTTY) {
    const bars = new MultiBar({
      stream,
      format: "uploading [{bar}] {percentage}% | {done} of {size} | {speed} | ETA {left} | files {files}",
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 1,
    });
    const bar = bars.create(total, 0, payload(undefined));
    return {
      update(p) {
        throughput.add(p.bytesAccepted);
        bar.update(Math.min(p.bytesAccepted, total), payload(p));
      },
      line(text) {
        // Printed above the bar at once, not at the next scheduled redraw.
        bars.log(text);
        bars.update();
      },
      stop() {
        bars.stop();
      },
    };
  }
  let lastAt = 0;
  let lastBytes = 0;
  return {
    update(p) {
      throughput.add(p.bytesAccepted);
      const now = Date.now();
      if (p.bytesAccepted === lastBytes || now - lastAt < 1000) return;
      lastAt = now;
      lastBytes = p.bytesAccepted;
      const { done, size, speed, left, files } = payload(p);
      stream.write(`partwise: ${done} of ${size} accepted, files ${files} (${speed}, ${left} left)\n`);
    },
    line(text) {
      stream.write(text);
    },
    stop() {},
  };
}
