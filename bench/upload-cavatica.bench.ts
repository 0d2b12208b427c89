/**
 * The CAVATICA uploader over loopback: `upload(await fileSource(path))` sends a 1 GiB file
 * (BENCH_SIZE_MB overrides; random, in a temp dir) to the reference server in another process
 * (lib/serve.ts) the way the platform is used: init with the recommended 32 MiB `part_size` (the
 * server's answer wins), per part a signed URL and a storage PUT whose ETag is checked against the
 * part's MD5, 4 in flight, batched part reports, complete. The baseline is `md5sum` on the same
 * file in the same run (lib/upload.ts).
 *
 *   node --conditions=partwise-source --import tsx bench/upload-cavatica.bench.ts
 *
 * Target: upload throughput >= 0.65 x md5sum. Exits 1 when missed.
 */
import { MiB } from "./lib/ingest.ts";
import { benchUpload, describeUploadBench } from "./lib/upload.ts";

const sizeBytes = Math.round(Number(process.env.BENCH_SIZE_MB ?? 1024) * MiB);
const result = await benchUpload({ protocol: "cavatica", sizeBytes });
const { lines, pass } = describeUploadBench("cavatica upload", result, 0.65);
for (const line of lines) console.log(line);
process.exitCode = pass ? 0 : 1;
