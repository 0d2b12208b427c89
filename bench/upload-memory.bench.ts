/**
 * Peak memory of the BaseSpace uploader on a large file: does it stay bounded by the parts in
 * flight, whatever the file's size?
 *
 * A 4 GiB random file (BENCH_MEMORY_GB overrides) is uploaded twice to the reference server in a
 * process of its own (lib/serve.ts): its first quarter (1 GiB), then all of it, each time by a NEW
 * uploader process (lib/upload-child.ts) that does nothing else, with `fileSource(path)`,
 * 25,000,000-byte parts and 4 in flight. The child reports its RSS before the upload (baseline,
 * everything imported), its RSS sampled every 10 ms and the kernel's `maxRSS`; the peak is the
 * larger of the two. No GC is forced and no flag is given to Node: this is what a user gets.
 *
 *   node --conditions=partwise-source --import tsx bench/upload-memory.bench.ts
 *
 * Targets: peak − baseline < 4 × 25 MiB + 96 MiB for the large upload, and its peak RSS no more
 * than 10% above the small one's (memory must not grow with the file). Exits 1 when missed.
 *
 * Then, for the diagnosis only (they do not change the verdict; BENCH_MEMORY_DIAGNOSE=0 skips
 * them), the small upload once more with what the library lacks supplied from outside
 * (lib/lean-fetch.ts): `lean`, a transport that does not copy part bodies (undici's fetch copies a
 * Uint8Array body twice); `pooled`, that plus part buffers recycled through the engine's
 * `createPartBufferPool` instead of a new buffer per part.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MiB, startServer, writeRandomFile } from "./lib/ingest.ts";
import { SERVE_SCRIPT } from "./lib/upload.ts";

const GiB = 2 ** 30;
const PART_SIZE = 25_000_000;
const CONCURRENCY = 4;
const SLACK = 96 * MiB;
const GROWTH = 1.1;
const TOKEN = "partwise-bench-token-8Hs3Wc6Ny1";
const CHILD = fileURLToPath(new URL("./lib/upload-child.ts", import.meta.url));
const largeBytes = Math.round(Number(process.env.BENCH_MEMORY_GB ?? 4) * GiB);
const smallBytes = Math.round(largeBytes / 4);

interface ChildReport {
  readonly seconds: number;
  readonly md5: string;
  readonly parts: number;
  readonly size: number;
  readonly baselineRss: number;
  readonly sampledPeakRss: number;
  readonly maxRss: number;
}

type Transport = "default" | "lean" | "pooled";

function uploadInChild(
  baseUrl: string,
  file: string,
  bytes: number,
  transport: Transport = "default",
): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--conditions=partwise-source",
        "--import",
        "tsx",
        CHILD,
        "basespace",
        baseUrl,
        TOKEN,
        file,
        String(bytes),
        String(PART_SIZE),
        String(CONCURRENCY),
        transport,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      out += text;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`the uploader exited with ${code}`));
      resolve(JSON.parse(out.trim().split("\n").at(-1) ?? "") as ChildReport);
    });
  });
}

/** md5sum of the first `bytes` of `file`. */
function md5Of(file: string, bytes: number): string {
  const result = spawnSync("sh", ["-c", 'head -c "$2" "$1" | md5sum', "sh", file, String(bytes)], {
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`md5sum failed: ${result.stderr}`);
  return result.stdout.split(" ")[0] ?? "";
}

const peakOf = (report: ChildReport): number => Math.max(report.sampledPeakRss, report.maxRss);
const mib = (bytes: number): string => (bytes / MiB).toFixed(0);

const work = await mkdtemp(join(tmpdir(), "partwise-bench-memory-"));
const file = join(work, "payload.bin");
let status = 1;
try {
  await writeRandomFile(file, largeBytes);
  const server = await startServer({
    serverScript: SERVE_SCRIPT,
    serverArgs: ["basespace", TOKEN],
    env: { PARTWISE_BENCH_DATA_DIR: work },
  });
  let small: ChildReport;
  let large: ChildReport;
  const diagnosis: [Transport, ChildReport][] = [];
  try {
    small = await uploadInChild(server.url, file, smallBytes);
    large = await uploadInChild(server.url, file, largeBytes);
    if (process.env.BENCH_MEMORY_DIAGNOSE !== "0")
      for (const transport of ["lean", "pooled"] as const)
        diagnosis.push([transport, await uploadInChild(server.url, file, smallBytes, transport)]);
  } finally {
    await server.stop();
  }
  const smallMd5 = md5Of(file, smallBytes);
  const md5Ok =
    small.md5 === smallMd5 &&
    large.md5 === md5Of(file, largeBytes) &&
    diagnosis.every(([, report]) => report.md5 === smallMd5);
  for (const [label, report] of [["small", small] as const, ["large", large] as const, ...diagnosis])
    console.log(
      `  ${label}: ${(report.size / GiB).toFixed(2)} GiB in ${report.parts} parts, ${report.seconds.toFixed(1)} s ` +
        `(${(report.size / MiB / report.seconds).toFixed(0)} MiB/s); RSS baseline ${mib(report.baselineRss)} MiB, ` +
        `sampled peak ${mib(report.sampledPeakRss)} MiB, maxRSS ${mib(report.maxRss)} MiB; ` +
        `peak − baseline ${mib(peakOf(report) - report.baselineRss)} MiB`,
    );
  const used = peakOf(large) - large.baselineRss;
  const budget = CONCURRENCY * 25 * MiB + SLACK;
  const growth = peakOf(large) / peakOf(small);
  const budgetPass = used < budget;
  const growthPass = growth <= GROWTH;
  console.log(
    `basespace upload memory (${CONCURRENCY} x ${PART_SIZE} B parts in flight): ` +
      `${(largeBytes / GiB).toFixed(0)} GiB peak ${mib(peakOf(large))} MiB = ${mib(used)} MiB above baseline ` +
      `(target < ${CONCURRENCY} x 25 MiB + ${mib(SLACK)} MiB = ${mib(budget)} MiB) ${budgetPass ? "PASS" : "FAIL"}; ` +
      `vs ${(smallBytes / GiB).toFixed(0)} GiB peak ${mib(peakOf(small))} MiB: ${growth.toFixed(2)}x ` +
      `(target <= ${GROWTH}x) ${growthPass ? "PASS" : "FAIL"}` +
      (md5Ok ? "" : "; the uploader's MD5 is WRONG"),
  );
  status = budgetPass && growthPass && md5Ok ? 0 : 1;
} finally {
  await rm(work, { recursive: true, force: true });
}
process.exitCode = status;
