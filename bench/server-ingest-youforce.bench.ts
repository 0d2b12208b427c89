/**
 * Chunk ingest by the REAL YouForce reference server (`createYouforceServer`, in a child process;
 * lib/reference-server.mjs): after an untimed `POST /files?uploadType=resumable` with chunk 0, a
 * plain sender that does not hash PUTs a 1 GiB file (BENCH_SIZE_MB overrides) as resumable chunks
 * (`uploadChunk`, position 1, 2, …), 4 in flight. A chunk is at most 9,000,000 bytes
 * (YF-RESUMABLE-CHUNK-SIZE), so the chunks are 8 MiB and 9,000,000 bytes in turn, not 8–25 MiB;
 * the server answers no digest, so none is checked.
 *
 *   node --conditions=partwise-source --import tsx bench/server-ingest-youforce.bench.ts
 *
 * Targets: ingest >= 0.8 x md5sum; server peak RSS < 128 MiB + parts in flight. Exits 1 when missed.
 */
import { MiB } from "./lib/ingest.ts";
import { BENCH_TOKEN, runReferenceIngest } from "./lib/ingest-reference.ts";
import { youforceProtocol } from "./lib/protocols.ts";

await runReferenceIngest({
  protocol: "youforce",
  ingest: youforceProtocol({ token: BENCH_TOKEN }),
  sizeBytes: Math.round(Number(process.env.BENCH_SIZE_MB ?? 1024) * MiB),
  partSizes: [8 * MiB, 9_000_000],
});
