/**
 * Upload throughput with the S3 store against the disk store, in the same run: the CAVATICA and
 * BaseSpace uploaders (lib/upload.ts) send the same file (256 MiB; BENCH_SIZE_MB overrides) to a
 * reference server on its data dir, then to one whose blobs go to a real S3 (Ceph's RADOS Gateway:
 * PARTWISE_S3_ENV names a running one, else scripts/ceph-rgw.sh starts one; without Ceph's
 * binaries the bench says so and exits 0). On S3, CAVATICA's parts go straight to presigned
 * UploadPart URLs; BaseSpace's pass through the server, which stages them on disk and PUTs them.
 *
 *   node --conditions=partwise-source --import tsx bench/upload-s3.bench.ts
 *
 * Prints each protocol's MiB/s on both stores and the ratio s3/disk. Target: every upload's bytes
 * read back with the right MD5 (a ratio is reported, not enforced: it measures RGW on this machine).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { missingCephBinaries, parseRgwEnv, type S3Endpoint } from "../test-support/s3.ts";
import { MiB } from "./lib/ingest.ts";
import { benchUpload } from "./lib/upload.ts";

const sizeBytes = Math.round(Number(process.env.BENCH_SIZE_MB ?? 256) * MiB);
const script = fileURLToPath(new URL("../scripts/ceph-rgw.sh", import.meta.url));

function gateway(): { endpoint: S3Endpoint; stop: () => void } | undefined {
  const envFile = process.env.PARTWISE_S3_ENV;
  if (envFile) {
    const endpoint = parseRgwEnv(readFileSync(envFile, "utf8"));
    if (endpoint === undefined) throw new Error(`PARTWISE_S3_ENV=${envFile} names no S3 endpoint`);
    return { endpoint, stop: () => {} };
  }
  if (missingCephBinaries().length > 0) return undefined;
  const endpoint = parseRgwEnv(execFileSync("bash", [script, "up"], { encoding: "utf8", timeout: 180_000 }));
  const dir = endpoint?.dir;
  if (endpoint === undefined || dir === undefined)
    throw new Error("scripts/ceph-rgw.sh up printed no endpoint");
  return { endpoint, stop: () => execFileSync("bash", [script, "down", dir], { timeout: 60_000 }) };
}

const rgw = gateway();
if (rgw === undefined) {
  console.log("upload-s3: skipped, no RADOS Gateway (apt-get install ceph-mon ceph-osd radosgw ceph-common)");
} else {
  let ok = true;
  try {
    for (const protocol of ["cavatica", "basespace"] as const) {
      const storage = {
        kind: "s3",
        ...rgw.endpoint,
        bucket: `pw-bench-${Date.now().toString(36)}`,
      };
      const disk = await benchUpload({ protocol, sizeBytes });
      const s3 = await benchUpload({
        protocol,
        sizeBytes,
        serverEnv: { PARTWISE_BENCH_S3: JSON.stringify(storage) },
      });
      ok &&= disk.md5Matches && s3.md5Matches;
      console.log(
        `${protocol} upload of ${sizeBytes / MiB} MiB: disk ${disk.mibps.toFixed(0)} MiB/s, ` +
          `s3 ${s3.mibps.toFixed(0)} MiB/s, s3/disk ${(s3.mibps / disk.mibps).toFixed(2)}` +
          ` (md5sum ${disk.md5sum.mibps.toFixed(0)} MiB/s)${disk.md5Matches && s3.md5Matches ? "" : " MD5 MISMATCH"}`,
      );
    }
  } finally {
    rgw.stop();
  }
  process.exitCode = ok ? 0 : 1;
}
