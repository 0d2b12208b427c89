/**
 * Part ingest by the REAL BaseSpace reference server (`createBasespaceServer`, in a child process;
 * lib/reference-server.mjs), measured as `server-ingest.bench.ts` measures the minimal server: a
 * plain sender that does not hash PUTs a 1 GiB file (BENCH_SIZE_MB overrides) as `uploadFilePart`
 * requests of 8, 16 and 25 MiB in turn, 4 in flight, after an untimed `createAppResultFile` with
 * `multipart=true`. Each part's ETag is checked against node:crypto afterwards.
 *
 *   node --conditions=partwise-source --import tsx bench/server-ingest-basespace.bench.ts
 *
 * Targets: ingest >= 0.8 x md5sum; server peak RSS < 128 MiB + parts in flight. Exits 1 when missed.
 */
import { MiB } from "./lib/ingest.ts";
import { BENCH_TOKEN, runReferenceIngest } from "./lib/ingest-reference.ts";
import { basespaceProtocol } from "./lib/protocols.ts";

await runReferenceIngest({
  protocol: "basespace",
  ingest: basespaceProtocol({ token: BENCH_TOKEN }),
  sizeBytes: Math.round(Number(process.env.BENCH_SIZE_MB ?? 1024) * MiB),
});
