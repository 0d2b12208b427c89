/**
 * The harness of the upload benches: a Partwise uploader in THIS process sends a large random file
 * (`fileSource(path)` from @partwise/node, as `partwise upload FILE` does) to a protocol's reference
 * server running in a CHILD process (lib/serve.ts), so the two never share a CPU thread or a heap.
 * Both sides hash every byte once: the uploader for `Content-MD5`/ETag checks (the whole-file MD5
 * is off by default, `settings.wholeFileMd5` turns it on), the server while it stores the parts.
 *
 * The baseline is `md5sum` on the same file in the same run (lib/ingest.ts `timeMd5sum`): best of
 * three, two runs before the upload and one after, so a busy moment cannot make the target easier.
 * The file is written and synced before anything is timed and is in the page cache for both.
 * Before the timed upload, its first `WARMUP_BYTES` (lib/ingest.ts; BENCH_WARMUP_MB) are uploaded
 * once, untimed, as a file of their own, so the figures are those of a warm uploader and server.
 * After the timed upload, the stored file is downloaded (untimed) and its MD5 must equal md5sum's,
 * as must the uploader's whole-file MD5 when it computed one; `extra` runs further
 * comparisons on the same server and file before the server is stopped.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fileSource } from "@partwise/node";
import { MiB, procCpu, startServer, timeMd5sum, WARMUP_BYTES, writeRandomFile } from "./ingest.ts";
import { type Protocol, storedMd5, type Uploaded, type UploadSettings, uploadWith } from "./uploaders.ts";

export const SERVE_SCRIPT: string = fileURLToPath(new URL("./serve.ts", import.meta.url));

/** What `extra` gets: the running server and the test file. */
export interface BenchContext {
  readonly baseUrl: string;
  readonly token: string;
  readonly file: string;
  readonly sizeBytes: number;
  /** A scratch directory next to the file, removed afterwards. */
  readonly work: string;
}

export interface UploadBenchOptions<Extra> {
  readonly protocol: Protocol;
  readonly sizeBytes: number;
  readonly settings?: UploadSettings;
  readonly extra?: (context: BenchContext) => Promise<Extra>;
  /** Extra environment of the server process (lib/serve.ts), e.g. `PARTWISE_BENCH_S3`. */
  readonly serverEnv?: Readonly<Record<string, string>>;
}

export interface UploadBenchResult<Extra> {
  readonly uploaded: Uploaded;
  readonly seconds: number;
  readonly mibps: number;
  readonly md5sum: {
    readonly mibps: number;
    readonly seconds: number;
    readonly cpuSeconds: number | undefined;
  };
  readonly ratio: number;
  /** The downloaded file's MD5 (and the uploader's, if computed) equals md5sum's, and the size is right. */
  readonly md5Matches: boolean;
  /** CPU seconds during the timed upload: this process (the uploader) and the server. */
  readonly cpu: {
    readonly uploader: number;
    /** Of `uploader`, the kernel's share (system time: reading the file, the socket writes). */
    readonly uploaderSystem: number;
    readonly server: number | undefined;
  };
  readonly serverPeakRss: number;
  readonly extra: Extra | undefined;
}

const TOKEN = "partwise-bench-token-5Jd8Qm2Vx0";

export async function benchUpload<Extra = undefined>(
  options: UploadBenchOptions<Extra>,
): Promise<UploadBenchResult<Extra>> {
  const work = await mkdtemp(join(tmpdir(), `partwise-bench-upload-${options.protocol}-`));
  const file = join(work, "payload.bin");
  try {
    await writeRandomFile(file, options.sizeBytes);
    const before = timeMd5sum(file, options.sizeBytes, 2);
    const server = await startServer({
      serverScript: SERVE_SCRIPT,
      serverArgs: [options.protocol, TOKEN],
      env: { PARTWISE_BENCH_DATA_DIR: work, ...options.serverEnv },
    });
    let uploaded: Uploaded;
    let seconds: number;
    let cpu: UploadBenchResult<Extra>["cpu"];
    let extra: Extra | undefined;
    let serverPeakRss: number;
    let downloadedMd5: string;
    try {
      const source = await fileSource(file);
      try {
        const warmup = Math.min(WARMUP_BYTES, options.sizeBytes);
        if (warmup > 0)
          await uploadWith(
            options.protocol,
            {
              size: warmup,
              read: (offset, length) => source.read(offset, length),
              readInto: (offset, target) => source.readInto(offset, target),
            },
            { baseUrl: server.url, token: TOKEN },
            options.settings,
          );
        const serverBefore = await procCpu(server.pid);
        const uploaderBefore = process.cpuUsage();
        const started = performance.now();
        uploaded = await uploadWith(
          options.protocol,
          source,
          { baseUrl: server.url, token: TOKEN },
          options.settings,
        );
        seconds = (performance.now() - started) / 1000;
        const uploader = process.cpuUsage(uploaderBefore);
        const serverAfter = await procCpu(server.pid);
        cpu = {
          uploader: (uploader.user + uploader.system) / 1e6,
          uploaderSystem: uploader.system / 1e6,
          server:
            serverBefore && serverAfter
              ? serverAfter.user + serverAfter.system - serverBefore.user - serverBefore.system
              : undefined,
        };
      } finally {
        await source.close();
      }
      downloadedMd5 = await storedMd5(options.protocol, { baseUrl: server.url, token: TOKEN }, uploaded.id);
      extra = await options.extra?.({
        baseUrl: server.url,
        token: TOKEN,
        file,
        sizeBytes: options.sizeBytes,
        work,
      });
    } finally {
      serverPeakRss = (await server.stop()).bytes;
    }
    const after = timeMd5sum(file, options.sizeBytes, 1);
    const md5sum = after.mibps > before.mibps ? after : before;
    const mibps = options.sizeBytes / MiB / seconds;
    return {
      uploaded,
      seconds,
      mibps,
      md5sum: { mibps: md5sum.mibps, seconds: md5sum.seconds, cpuSeconds: md5sum.cpuSeconds },
      ratio: mibps / md5sum.mibps,
      md5Matches:
        downloadedMd5 === before.hex &&
        (uploaded.md5 === undefined || uploaded.md5 === before.hex) &&
        uploaded.size === options.sizeBytes,
      cpu,
      serverPeakRss,
      extra,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The lines the upload benches print; `pass` is false when the ratio is missed or the MD5 is wrong. */
export function describeUploadBench(
  label: string,
  result: UploadBenchResult<unknown>,
  minRatio: number,
): { lines: string[]; pass: boolean } {
  const { uploaded, md5sum, cpu } = result;
  const gib = uploaded.size / 2 ** 30;
  const perGiB = (seconds: number | undefined) => (seconds === undefined ? "?" : (seconds / gib).toFixed(2));
  const pass = result.ratio >= minRatio && result.md5Matches;
  return {
    lines: [
      `${(uploaded.size / MiB).toFixed(0)} MiB in ${uploaded.parts} parts (${uploaded.detail}) in ${result.seconds.toFixed(2)} s; ` +
        `CPU s/GiB: uploader ${perGiB(cpu.uploader)} (sys ${perGiB(cpu.uploaderSystem)}), server ${perGiB(cpu.server)}, md5sum ${perGiB(md5sum.cpuSeconds)}; ` +
        `server peak RSS ${(result.serverPeakRss / MiB).toFixed(0)} MiB` +
        // The uploader hashes every byte once, as md5sum does: what it spends beyond that is overhead.
        (md5sum.cpuSeconds === undefined
          ? ""
          : `; uploader CPU ${(cpu.uploader / md5sum.cpuSeconds).toFixed(2)}x md5sum's (goal <= 1.3x)`),
      `${label}: ${result.mibps.toFixed(0)} MiB/s; md5sum: ${md5sum.mibps.toFixed(0)} MiB/s (best of 3); ` +
        `ratio ${result.ratio.toFixed(2)}x (target >= ${minRatio}x) ${pass ? "PASS" : "FAIL"}` +
        (result.md5Matches
          ? ""
          : "; the stored file's MD5 (by download), the uploader's MD5 or the size is WRONG"),
    ],
    pass,
  };
}
