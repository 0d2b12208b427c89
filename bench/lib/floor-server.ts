/**
 * The FLOOR of a Node server that ingests parts: `node:http` and MD5, and nothing else. No
 * storage, no protocol, no copy of the body, no Web streams: each `PUT` body chunk goes, as Node's
 * HTTP parser delivered it, to a hash worker (its memory transferred, not copied), and the answer
 * is the body's hex MD5 (as `ingest-server.ts` answers, so `benchIngest` checks it). Hash workers:
 * one per core but one, at least one; each request goes to the next in turn.
 *
 * A reference server must do all of this and more (write every byte, keep state, check each
 * request against its protocol), so no Node server can ingest faster than this one on the same
 * machine in the same run. `floor.bench.ts` measures it, to show how far a target is from what
 * the machine allows at all. Prints its base URL first and `peak-rss <bytes>` on SIGTERM, as
 * `benchIngest` expects.
 *
 *   node --conditions=partwise-source --import tsx bench/lib/floor-server.ts
 */
import { createServer } from "node:http";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

const WORKER = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const hashes = new Map();
parentPort.on("message", ({ id, chunk }) => {
  let hash = hashes.get(id);
  if (hash === undefined) hashes.set(id, (hash = createHash("md5")));
  if (chunk !== undefined) return void hash.update(chunk);
  hashes.delete(id);
  parentPort.postMessage({ id, hex: hash.digest("hex") });
});
`;

const workers = Array.from(
  { length: Math.max(1, availableParallelism() - 1) },
  () => new Worker(WORKER, { eval: true }),
);
const answers = new Map<number, (hex: string) => void>();
for (const worker of workers)
  worker.on("message", ({ id, hex }: { id: number; hex: string }) => {
    answers.get(id)?.(hex);
    answers.delete(id);
  });

let requests = 0;
const server = createServer((req, res) => {
  const id = requests++;
  const worker = workers[id % workers.length]!;
  req.on("data", (chunk: Buffer) => {
    // Node's parser gives each chunk an ArrayBuffer of its own: moved to the worker, not copied.
    const owned = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
    // Any other chunk is copied into one (never a slice of Node's shared pool: moving that would
    // take the pool away from everything else).
    const bytes: Uint8Array = owned ? chunk : new Uint8Array(chunk);
    worker.postMessage({ id, chunk: bytes }, [bytes.buffer as ArrayBuffer]);
  });
  req.on("end", () => {
    answers.set(id, (hex) => res.end(hex));
    worker.postMessage({ id });
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  process.stdout.write(`http://127.0.0.1:${address.port}\n`);
});

process.once("SIGTERM", () => {
  process.stdout.write(`peak-rss ${process.resourceUsage().maxRSS * 1024}\n`);
  process.exit(0);
});
