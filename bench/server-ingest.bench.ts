/**
 * Part ingest over loopback by a minimal server built only from @partwise/node (`listen` +
 * `DiskStore.ingest` with MD5 + `commit`, see lib/ingest-server.ts), run in a child process.
 *
 * A plain sender in this process PUTs a 1 GiB file (BENCH_SIZE_MB overrides; generated in a temp
 * dir) in parts of 8, 16 and 25 MiB in turn, up to 4 in flight, each streamed from the file. The
 * baseline is `md5sum` on the same file in the same run.
 *
 *   node --conditions=partwise-source --import tsx bench/server-ingest.bench.ts
 *
 * Targets: ingest >= 0.8 x md5sum; server peak RSS < 128 MiB + parts in flight (4 x 25 MiB).
 * Exits 1 when either is missed. The harness (lib/ingest.ts) measures reference servers the same
 * way: pass their entry point as `serverScript` and an `IngestProtocol` for their part requests.
 */
import { fileURLToPath } from "node:url";
import { benchIngest, formatVerdict, MiB } from "./lib/ingest.ts";

const sizeBytes = Math.round(Number(process.env.BENCH_SIZE_MB ?? 1024) * MiB);
const result = await benchIngest({
  serverScript: fileURLToPath(new URL("./lib/ingest-server.ts", import.meta.url)),
  sizeBytes,
});
const { line, pass, cpu } = formatVerdict("server ingest", result, { minRatio: 0.8, rssBaseline: 128 * MiB });
console.log(
  `${(sizeBytes / MiB).toFixed(0)} MiB in ${result.parts} parts, ${result.concurrency} in flight, ` +
    `${result.ingestSeconds.toFixed(2)} s (peak RSS from ${result.rssSource})${cpu ? `; ${cpu}` : ""}`,
);
console.log(line);
process.exitCode = pass ? 0 : 1;
