/**
 * The minimal ingest server `server-ingest.bench.ts` measures, built only from @partwise/node:
 * `listen` + `DiskStore.ingest` (MD5 in the same pass) + `commit`; each `PUT /parts/{n}` is
 * answered with the part's hex MD5. It prints its base URL first (as `partwise serve` does) and,
 * on SIGTERM, `peak-rss <bytes>` from `process.resourceUsage().maxRSS`, then exits.
 *
 *   node --conditions=partwise-source --import tsx bench/lib/ingest-server.ts
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskStore, listen } from "@partwise/node";

const dir = await mkdtemp(join(tmpdir(), "partwise-bench-server-"));
// BENCH_HASH_POOL=off hashes on the event loop (`hashPool: null`), for a before/after comparison.
const store = await DiskStore.open(dir, process.env.BENCH_HASH_POOL === "off" ? { hashPool: null } : {});
const server = await listen(async (request) => {
  const match = /^\/parts\/(\d+)$/.exec(new URL(request.url).pathname);
  if (request.method !== "PUT" || !match) return new Response("not found\n", { status: 404 });
  const blob = await store.ingest(request.body, { maxBytes: 5 * 2 ** 30 });
  await blob.commit(`part-${match[1]}`);
  return new Response(Buffer.from(blob.md5).toString("hex"), { headers: { "content-type": "text/plain" } });
});
process.stdout.write(`${server.url}\n`);

process.once("SIGTERM", () => {
  void (async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
    process.stdout.write(`peak-rss ${process.resourceUsage().maxRSS * 1024}\n`);
    process.exit(0);
  })();
});
