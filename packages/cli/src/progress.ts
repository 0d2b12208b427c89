/**
 * Upload progress on stderr: a bar (cli-progress, a maintained library) when stderr is a terminal,
 * plain lines otherwise (one per accepted part at most every second, so logs stay readable).
 */
import { SingleBar } from "cli-progress";
import type { ProgressEvent } from "./commands/upload.ts";

const MiB = 1024 * 1024;
const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;

export interface ProgressReporter {
  update(progress: ProgressEvent): void;
  done(result: { readonly size: number; readonly parts: number; readonly id: string }): void;
  stop(): void;
}

export function createProgress(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  options: { readonly quiet: boolean; readonly total: number | undefined },
): ProgressReporter {
  if (options.quiet) return { update() {}, done() {}, stop() {} };
  const accepted = (p: ProgressEvent) => p.bytesAccepted ?? p.bytesDone ?? 0;
  if (stream.isTTY) {
    const bar = new SingleBar(
      {
        stream,
        format: "uploading [{bar}] {percentage}% | {value}/{total} MiB | parts {parts}",
        hideCursor: true,
        clearOnComplete: false,
      },
      undefined,
    );
    bar.start(Math.max(1, Math.ceil((options.total ?? 0) / MiB)), 0, { parts: "0" });
    return {
      update(p) {
        if (p.bytesTotal !== undefined) bar.setTotal(Math.max(1, Math.ceil(p.bytesTotal / MiB)));
        bar.update(Math.floor(accepted(p) / MiB), {
          parts: `${p.partsDone}${p.partsTotal ? `/${p.partsTotal}` : ""}`,
        });
      },
      done(result) {
        bar.setTotal(Math.max(1, Math.ceil(result.size / MiB)));
        bar.update(Math.ceil(result.size / MiB), { parts: `${result.parts}/${result.parts}` });
        bar.stop();
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
      const now = Date.now();
      if (p.partsDone === lastParts || now - lastAt < 1000) return;
      lastParts = p.partsDone;
      lastAt = now;
      const total = p.bytesTotal ?? options.total;
      stream.write(
        `partwise: ${p.partsDone}${p.partsTotal ? `/${p.partsTotal}` : ""} parts, ${mib(accepted(p))}${total !== undefined ? ` of ${mib(total)}` : ""} accepted\n`,
      );
    },
    done(result) {
      stream.write(`partwise: uploaded ${mib(result.size)} in ${result.parts} parts as ${result.id}\n`);
    },
    stop() {},
  };
}
