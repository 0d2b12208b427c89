/**
 * The YouForce uploader over loopback: `upload(await fileSource(path))` sends a 1 GiB file
 * (BENCH_SIZE_MB overrides; random, in a temp dir) resumable in 9,000,000-byte chunks (the largest
 * YF-RESUMABLE-CHUNK-SIZE allows), 6 in flight, to the reference server in another process
 * (lib/serve.ts), then HEADs it to compare the server's MD5 ETag with its own (`verified`). The
 * baseline is `md5sum` on the same file in the same run (lib/upload.ts).
 *
 *   node --conditions=partwise-source --import tsx bench/upload-youforce.bench.ts
 *
 * Target: upload throughput >= 0.65 x md5sum. Exits 1 when missed.
 */
import { MiB } from "./lib/ingest.ts";
import { benchUpload, describeUploadBench } from "./lib/upload.ts";

const sizeBytes = Math.round(Number(process.env.BENCH_SIZE_MB ?? 1024) * MiB);
const result = await benchUpload({ protocol: "youforce", sizeBytes });
const { lines, pass } = describeUploadBench("youforce upload", result, 0.65);
for (const line of lines) console.log(line);
process.exitCode = pass ? 0 : 1;
