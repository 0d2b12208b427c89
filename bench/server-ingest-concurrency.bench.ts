/**
 * Does ingest scale with cores? The minimal ingest server (lib/ingest-server.ts, in a child
 * process) takes the same file (512 MiB by default; BENCH_SIZE_MB overrides) as 8/16/25 MiB
 * parts with 1, 2 and 4 uploads in flight at once, each a separate part stream that the server
 * hashes (MD5) and writes. Each run is done twice: with the store's hash pool (MD5 on worker
 * threads, the default) and with `hashPool: null` (MD5 on the event loop, as before), so the
 * figures compare in the same run. The baseline is `md5sum` on the same file.
 *
 *   node --conditions=partwise-source --import tsx bench/server-ingest-concurrency.bench.ts
 *
 * Target: with the hash pool, throughput rises with the uploads in flight up to the core count
 * (`os.availableParallelism()`): each step up to it at least 1.05x the one before. Exits 1 when
 * missed. On a machine shared with other work, run it several times: one busy moment can swap two
 * neighbours.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchIngestResult, benchIngest, MiB, writeRandomFile } from "./lib/ingest.ts";

const sizeBytes = Math.round(Number(process.env.BENCH_SIZE_MB ?? 512) * MiB);
const levels = [1, 2, 4];
const cores = availableParallelism();
const work = await mkdtemp(join(tmpdir(), "partwise-bench-concurrency-"));
const payload = join(work, "payload.bin");
const serverScript = fileURLToPath(new URL("./lib/ingest-server.ts", import.meta.url));
const perGiB = (seconds: number | undefined) =>
  seconds === undefined ? "?" : (seconds / (sizeBytes / 2 ** 30)).toFixed(2);

try {
  await writeRandomFile(payload, sizeBytes);
  const results = new Map<string, BenchIngestResult>();
  for (const concurrency of levels)
    for (const pool of ["on", "off"] as const) {
      const result = await benchIngest({
        serverScript,
        sizeBytes,
        payload,
        concurrency,
        env: { BENCH_HASH_POOL: pool },
      });
      results.set(`${pool}:${concurrency}`, result);
      const server = result.cpu.server;
      console.log(
        `hash pool ${pool.padEnd(3)} ${concurrency} in flight: ${result.ingestMiBps.toFixed(0)} MiB/s, ` +
          `${result.ratio.toFixed(2)}x md5sum (${result.md5sumMiBps.toFixed(0)} MiB/s); CPU s/GiB: server ` +
          `${perGiB(server && server.user + server.system)} (main thread ${perGiB(server?.main)}); ` +
          `peak RSS ${(result.serverPeakRss / MiB).toFixed(0)} MiB` +
          (result.digestMismatches > 0 ? `; ${result.digestMismatches} part digests WRONG` : ""),
      );
    }
  let pass = [...results.values()].every((r) => r.digestMismatches === 0);
  const on = (c: number) => results.get(`on:${c}`)?.ingestMiBps ?? 0;
  const off = (c: number) => results.get(`off:${c}`)?.ingestMiBps ?? 0;
  const steps = levels.filter((c) => c > 1 && c <= cores);
  for (const c of steps) {
    const before = levels[levels.indexOf(c) - 1] ?? 1;
    const gain = on(c) / on(before);
    const ok = gain >= 1.05;
    pass &&= ok;
    console.log(
      `hash pool: ${before} -> ${c} in flight x${gain.toFixed(2)} (target >= 1.05, up to ${cores} cores) ${ok ? "PASS" : "FAIL"}`,
    );
  }
  for (const c of levels)
    console.log(`${c} in flight: hash pool / event loop x${(on(c) / off(c)).toFixed(2)} (same run)`);
  process.exitCode = pass ? 0 : 1;
} finally {
  await rm(work, { recursive: true, force: true });
}
