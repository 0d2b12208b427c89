/**
 * One upload in a process of its own, so its memory is measured alone (no server, no harness):
 * the memory bench starts it once per file size. It uploads the first BYTES bytes of FILE
 * (`fileSource(path)` from @partwise/node, cut to BYTES) with lib/uploaders.ts, and prints one
 * JSON line: seconds, the CPU seconds of the upload (`cpu`: user, system), md5, parts, the RSS before the upload (`baselineRss`, everything imported
 * and the file opened), the highest RSS sampled every 10 ms during it (`sampledPeakRss`) and
 * `process.resourceUsage().maxRSS` (`maxRss`, the kernel's high-water mark over the whole life of
 * the process), all in bytes.
 *
 *   node --conditions=partwise-source --import tsx bench/lib/upload-child.ts \
 *     PROTOCOL BASE_URL TOKEN FILE BYTES PART_SIZE CONCURRENCY [default|lean|pooled]
 *
 * BENCH_WHOLE_FILE_MD5=0 leaves the whole-file MD5 off (each byte hashed once, as `partwise upload`
 * does by default), for profiling the uploader alone.
 *
 * What the library would need, tried from the outside (lib/lean-fetch.ts): `lean` passes a
 * `fetch` that sends part bodies without copying them; `pooled` also reads parts into buffers
 * recycled through the engine's `createPartBufferPool` instead of a new buffer per part.
 */
import { open } from "node:fs/promises";
import type { RandomAccessSource } from "@partwise/engine";
import { createPartBufferPool } from "@partwise/engine";
import { fileSource } from "@partwise/node";
import { leanFetch, pooledFileSource } from "./lean-fetch.ts";
import { type Protocol, uploadWith } from "./uploaders.ts";

const [protocol, baseUrl, token, file, bytes, partSize, concurrency, transport] = process.argv.slice(2);
if (concurrency === undefined) {
  process.stderr.write(
    "usage: upload-child.ts PROTOCOL BASE_URL TOKEN FILE BYTES PART_SIZE CONCURRENCY [default|lean|pooled]\n",
  );
  process.exit(2);
}

const whole = await fileSource(file as string);
const size = Math.min(Number(bytes), whole.size);
// The file as the library sees it, `readInto` included, so the default run measures the pooled
// reads the uploaders really do (the size may be cut to BYTES for the smaller run).
let source: RandomAccessSource = {
  size,
  read: (offset, length) => whole.read(offset, length),
  readInto: (offset, target) => whole.readInto!(offset, target),
};
let fetch: ReturnType<typeof leanFetch> | undefined;
const handle = transport === "pooled" ? await open(file as string, "r") : undefined;
if (handle) {
  const pool = createPartBufferPool();
  source = pooledFileSource(handle, size, pool);
  fetch = leanFetch({ sent: (body) => pool.release(body) });
} else if (transport === "lean") {
  fetch = leanFetch();
}

const baselineRss = process.memoryUsage.rss();
let sampledPeakRss = baselineRss;
const sampler = setInterval(() => {
  sampledPeakRss = Math.max(sampledPeakRss, process.memoryUsage.rss());
}, 10);
const started = performance.now();
const cpuBefore = process.cpuUsage();
const result = await uploadWith(
  protocol as Protocol,
  source,
  { baseUrl: baseUrl as string, token: token as string },
  // The memory bench compares each upload's whole-file MD5 with the file's: ask for it.
  {
    partSize: Number(partSize),
    concurrency: Number(concurrency),
    fetch,
    wholeFileMd5: process.env.BENCH_WHOLE_FILE_MD5 !== "0",
  },
);
fetch?.close();
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
clearInterval(sampler);
sampledPeakRss = Math.max(sampledPeakRss, process.memoryUsage.rss());
await whole.close();
await handle?.close();
process.stdout.write(
  `${JSON.stringify({
    seconds,
    cpu: { user: cpu.user / 1e6, system: cpu.system / 1e6 },
    md5: result.md5,
    parts: result.parts,
    size: result.size,
    baselineRss,
    sampledPeakRss,
    maxRss: process.resourceUsage().maxRSS * 1024,
  })}\n`,
);
process.exit(0);
