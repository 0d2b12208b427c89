/**
 * Peak memory of `chunkStream` on a long stream of unknown length.
 *
 * Feeds a generated stream (BENCH_STREAM_GB, default 4 GiB; made on the fly from a 1 MiB random
 * pool, never stored) in chunks of mixed sizes through `chunkStream` with CAVATICA's limits and
 * 16 MiB preferred parts, while the consumer keeps the 4 latest parts "in flight" (as an uploader
 * with concurrency 4 would) and drops the oldest after a microtask. RSS is sampled after every
 * part and every 16 MiB of input, since the whole run is microtasks and timers would never fire.
 * The consumer gives each dropped part back to a `createPartBufferPool()` pool, as the uploaders
 * do, so memory does not depend on when V8 collects; no GC is forced. BENCH_NO_POOL=1 shows the
 * figure without the pool (V8 then lets dropped 16 MiB buffers pile up; expect a FAIL).
 *
 *   node --conditions=partwise-source --import tsx bench/engine-chunk-memory.bench.ts
 *
 * Target: peak RSS − baseline RSS ≤ 4 × largest part size + 64 MiB. Exits 1 when missed.
 */

import { randomFillSync } from "node:crypto";
import {
  type ChunkedPart,
  chunkStream,
  createPartBufferPool,
  createPartSizer,
  type PartLimits,
} from "@partwise/engine";

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const streamBytes = Math.round(Number(process.env.BENCH_STREAM_GB ?? 4) * GiB);
const IN_FLIGHT = 4;
const PREFERRED_PART_SIZE = 16 * MiB;
const SLACK = 64 * MiB;

const limits: PartLimits = {
  minPartSize: 5 * MiB,
  maxPartSize: 5 * 1024 * MiB,
  maxParts: 10_000,
  maxTotalSize: 5 * 2 ** 40,
};

/** Chunk sizes a socket or file stream produces: mostly 64 KiB, some odd. */
const CHUNK_SIZES = [65_536, 65_536, 16_384, 131_072, 1_000, 65_536, 262_144, 7];

const pool = randomFillSync(new Uint8Array(MiB + Math.max(...CHUNK_SIZES)));
let peakRss = 0;
const sample = (): void => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
};

async function* generated(total: number): AsyncGenerator<Uint8Array> {
  let sent = 0;
  let nextSample = 0;
  for (let k = 0; sent < total; k++) {
    const size = Math.min(CHUNK_SIZES[k % CHUNK_SIZES.length]!, total - sent);
    const start = (k * 4099) % MiB;
    // A view into the pool, as a stream hands out views of its own buffers; the chunker copies.
    yield pool.subarray(start, start + size);
    sent += size;
    if (sent >= nextSample) {
      sample();
      nextSample += 16 * MiB;
    }
  }
}

const usePool = process.env.BENCH_NO_POOL !== "1";
const bufferPool = usePool ? createPartBufferPool() : undefined;
const baseline = process.memoryUsage.rss();
peakRss = baseline;

const sizer = createPartSizer(limits, { preferredPartSize: PREFERRED_PART_SIZE });
const started = performance.now();
const inFlight: ChunkedPart[] = [];
let parts = 0;
let bytes = 0;
let largestPart = 0;
for await (const part of chunkStream(generated(streamBytes), limits, {
  preferredPartSize: PREFERRED_PART_SIZE,
  pool: bufferPool,
})) {
  parts += 1;
  bytes += part.size;
  largestPart = Math.max(largestPart, sizer.partSizeAt(part.number));
  inFlight.push(part);
  sample();
  if (inFlight.length > IN_FLIGHT) {
    await Promise.resolve();
    const sent = inFlight.shift()!;
    bufferPool?.release(sent.bytes);
  }
}
const seconds = (performance.now() - started) / 1000;
if (bytes !== streamBytes) throw new Error(`chunked ${bytes} bytes of ${streamBytes}`);

const used = peakRss - baseline;
const budget = IN_FLIGHT * largestPart + SLACK;
const pass = used <= budget;
console.log(
  `engine chunkStream: ${(streamBytes / GiB).toFixed(2)} GiB in ${parts} parts (largest ${largestPart / MiB} MiB) ` +
    `in ${seconds.toFixed(1)} s = ${(streamBytes / MiB / seconds).toFixed(0)} MiB/s; ` +
    `peak RSS ${(used / MiB).toFixed(0)} MiB above baseline ${(baseline / MiB).toFixed(0)} MiB; ` +
    `target <= ${IN_FLIGHT} x ${largestPart / MiB} MiB + ${SLACK / MiB} MiB = ${(budget / MiB).toFixed(0)} MiB ` +
    `${pass ? "PASS" : "FAIL"}${usePool ? " (buffer pool)" : " (no pool)"}`,
);
process.exitCode = pass ? 0 : 1;
