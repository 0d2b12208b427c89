/**
 * What this machine allows at all: the FLOOR figures, measured the way the ingest and upload
 * benches measure ours, in the same run, as ratios against `md5sum` on the same file.
 *
 * - Ingest floor: `benchIngest` (the same sender, parts of 8, 16 and 25 MiB, 4 in flight) against
 *   lib/floor-server.ts, a server that is `node:http` and MD5 on worker threads and nothing else.
 * - Upload floor: lib/floor-uploader.ts (read, MD5, `PUT` with `node:http`; parts of 25,000,000
 *   bytes, 4 in flight, as upload-basespace.bench.ts) against the same floor server.
 * - The floor uploader's CPU per GiB against `md5sum`'s.
 *
 * Like the others, each starts after an untimed warm-up (lib/ingest.ts `WARMUP_BYTES`).
 *
 * A reference server or `partwise upload` does all of that and more, so a target above these
 * figures cannot be met on this machine by any server or uploader built on `node:http`. The bench has no target
 * of its own: it prints the floors next to the targets of the ingest and upload benches and
 * exits 0, unless a part came back with the wrong MD5.
 *
 *   node --conditions=partwise-source --import tsx bench/floor.bench.ts
 */

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { floorUpload } from "./lib/floor-uploader.ts";
import {
  benchIngest,
  MiB,
  procCpu,
  startServer,
  timeMd5sum,
  WARMUP_BYTES,
  writeRandomFile,
} from "./lib/ingest.ts";

const INGEST_TARGET = 0.8;
const UPLOAD_TARGET = 0.65;
const UPLOADER_CPU_GOAL = 1.3;

const sizeBytes = Math.round(Number(process.env.BENCH_SIZE_MB ?? 1024) * MiB);
const serverScript = fileURLToPath(new URL("./lib/floor-server.ts", import.meta.url));
const work = await mkdtemp(join(tmpdir(), "partwise-bench-floor-"));
const perGiB = (seconds: number) => (seconds / (sizeBytes / 2 ** 30)).toFixed(2);
const against = (floor: number, target: number, what: string) =>
  floor < target
    ? `the ${what} target (>= ${target}x) is ABOVE this floor: nothing built on node:http meets it on this machine`
    : `the ${what} target (>= ${target}x) is below this floor: reachable in principle`;

try {
  const payload = join(work, "payload.bin");
  await writeRandomFile(payload, sizeBytes);

  const ingest = await benchIngest({ serverScript, sizeBytes, payload, workDir: work });
  const server = ingest.cpu.server;
  console.log(
    `ingest floor (node:http + MD5, nothing stored): ${ingest.ingestMiBps.toFixed(0)} MiB/s; ` +
      `md5sum ${ingest.md5sumMiBps.toFixed(0)} MiB/s; ratio ${ingest.ratio.toFixed(2)}` +
      (server
        ? `; CPU s/GiB: server ${perGiB(server.user + server.system)}, sender ${perGiB(ingest.cpu.sender)}`
        : ""),
  );
  console.log(`  ${against(ingest.ratio, INGEST_TARGET, "server ingest")}`);

  const md5sumBefore = timeMd5sum(payload, sizeBytes, 2);
  const started = await startServer({ serverScript });
  let upload: Awaited<ReturnType<typeof floorUpload>>;
  let serverCpu: number | undefined;
  try {
    const options = { partSize: 25_000_000, concurrency: 4 };
    // Warm, as the other benches are (lib/ingest.ts WARMUP_BYTES).
    if (WARMUP_BYTES > 0) await floorUpload(started.url, payload, Math.min(WARMUP_BYTES, sizeBytes), options);
    const before = await procCpu(started.pid);
    upload = await floorUpload(started.url, payload, sizeBytes, options);
    const after = await procCpu(started.pid);
    if (before && after) serverCpu = after.user + after.system - before.user - before.system;
  } finally {
    await started.stop();
  }
  const md5sumAfter = timeMd5sum(payload, sizeBytes, 1);
  const md5sum = md5sumAfter.seconds < md5sumBefore.seconds ? md5sumAfter : md5sumBefore;
  const ratio = md5sum.seconds / upload.seconds;
  const uploaderCpu = upload.cpu.user + upload.cpu.system;
  console.log(
    `upload floor (read + MD5 + node:http PUT, ${upload.parts} parts, 4 in flight, to the floor server): ` +
      `${(sizeBytes / MiB / upload.seconds).toFixed(0)} MiB/s; md5sum ${md5sum.mibps.toFixed(0)} MiB/s; ratio ${ratio.toFixed(2)}; ` +
      `CPU s/GiB: uploader ${perGiB(uploaderCpu)} (sys ${perGiB(upload.cpu.system)})` +
      (serverCpu === undefined ? "" : `, server ${perGiB(serverCpu)}`) +
      (md5sum.cpuSeconds === undefined ? "" : `, md5sum ${perGiB(md5sum.cpuSeconds)}`),
  );
  console.log(`  ${against(ratio, UPLOAD_TARGET, "upload")}`);
  if (md5sum.cpuSeconds !== undefined) {
    const cpuRatio = uploaderCpu / md5sum.cpuSeconds;
    console.log(
      `uploader CPU floor: ${cpuRatio.toFixed(2)}x md5sum's; the goal (<= ${UPLOADER_CPU_GOAL}x) is ` +
        (cpuRatio > UPLOADER_CPU_GOAL
          ? "BELOW this floor: no uploader on node:http meets it on this machine"
          : "above this floor: reachable in principle"),
    );
  }
  if (ingest.digestMismatches > 0) {
    console.log(`${ingest.digestMismatches} part digests WRONG`);
    process.exitCode = 1;
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
