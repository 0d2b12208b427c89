/**
 * Part ingest by the REAL CAVATICA reference server (`createCavaticaServer`, in a child process;
 * lib/reference-server.mjs): after an untimed `initUpload` and one `getPartUrl` per part, a plain
 * sender that does not hash PUTs a 1 GiB file (BENCH_SIZE_MB overrides) to the signed storage URLs
 * (`storagePutPart`) in parts of 8, 16 and 25 MiB in turn, 4 in flight. Each part's ETag is checked
 * against node:crypto afterwards.
 *
 *   node --conditions=partwise-source --import tsx bench/server-ingest-cavatica.bench.ts
 *
 * Targets: ingest >= 0.8 x md5sum; server peak RSS < 128 MiB + parts in flight. Exits 1 when missed.
 */
import { MiB, planParts } from "./lib/ingest.ts";
import { BENCH_TOKEN, runReferenceIngest } from "./lib/ingest-reference.ts";
import { cavaticaProtocol } from "./lib/protocols.ts";

const partSizes = [8 * MiB, 16 * MiB, 25 * MiB];
await runReferenceIngest({
  protocol: "cavatica",
  ingest: cavaticaProtocol({ token: BENCH_TOKEN, parts: (total) => planParts(total, partSizes).length }),
  sizeBytes: Math.round(Number(process.env.BENCH_SIZE_MB ?? 1024) * MiB),
  partSizes,
});
