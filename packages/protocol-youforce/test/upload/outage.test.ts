/**
 * A server outage mid-upload is ridden out without a rerun: the reference server is stopped for
 * a few seconds after some chunks were accepted and started again on the same port and data
 * directory; the upload, with the retry budget scaled down (the default's 120 s to 12 s, the
 * backoff cap to 1 s), resolves byte-equal with no second POST. With a budget shorter than the
 * outage it fails, naming the last cause. (The default budget against 60 s of outage is a
 * property of @partwise/client's retry policy, test/outage.test.ts.)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerLogEntry } from "@partwise/node";
import { parseFaultSpec } from "@partwise/node";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createYouforceClient, upload } from "../../src/index.ts";
import { createYouforceServer } from "../../src/server/index.ts";
import { BT, chunkRequests, downloaded, posts, randomBytes, sameBytes, TOKEN } from "./helpers.ts";

const CHUNK = 64 * 1024;
const OUTAGE_MS = 3_000;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "partwise-yf-outage-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A server on `port` (0: any) over `dataDir`, logging into `log`; chunks wait 30 ms each. */
async function serve(dataDir: string, port: number, log: ServerLogEntry[]) {
  const server = await createYouforceServer({
    tokens: [TOKEN],
    dataDir,
    log: (e) => log.push(e),
    faults: [parseFaultSpec("op=uploadChunk,delay=30")],
  });
  const running = await server.listen({ port });
  return { server, port: Number(new URL(running.url).port), url: running.url };
}

async function uploadThroughOutage(name: string, retryForMs: number) {
  const dataDir = join(dir, name);
  const log: ServerLogEntry[] = [];
  let current = await serve(dataDir, 0, log);
  const client = createYouforceClient({ baseUrl: `${current.url}/v1.0`, token: TOKEN });
  const bytes = randomBytes(24 * CHUNK + 5, retryForMs);
  let finished = false;
  const uploading = upload(new Blob([bytes]), {
    client,
    businessTypeId: BT,
    name: `${name}.bin`,
    chunkSize: CHUNK,
    multipartThreshold: 0,
    concurrency: 2,
    retry: { retryForMs, maxDelayMs: 1_000, baseDelayMs: 50 },
  }).finally(() => {
    finished = true;
  });
  uploading.catch(() => {});
  const accepted = () => chunkRequests(log).filter((r) => r.status === 202).length;
  while (accepted() < 3 && !finished) await new Promise((r) => setTimeout(r, 5));
  // Mid-upload: the server goes away (connections refused) and comes back on the same port.
  expect(finished).toBe(false);
  await current.server.close();
  const stoppedAt = log.length;
  await new Promise((r) => setTimeout(r, OUTAGE_MS));
  const wasFinished = finished;
  current = await serve(dataDir, current.port, log);
  try {
    const result = await uploading;
    const stored = await downloaded(client, result.id);
    return { result, bytes, stored, log, stoppedAt, wasFinished };
  } finally {
    await current.server.close();
  }
}

test("the server stopped for 3 s mid-upload: the upload resolves byte-equal, without a rerun or a second POST", async () => {
  const { result, bytes, stored, log, stoppedAt, wasFinished } = await uploadThroughOutage("rides", 12_000);
  expect(wasFinished).toBe(false);
  expect(result).toMatchObject({ size: bytes.length, resumed: false, verified: true });
  expect(posts(log)).toHaveLength(1);
  // Chunks were still sent after the restart.
  expect(chunkRequests(log.slice(stoppedAt)).length).toBeGreaterThan(0);
  expect(sameBytes(stored, bytes)).toBe(true);
}, 60_000);

test("a budget shorter than the outage fails, naming the last cause", async () => {
  await expect(uploadThroughOutage("gives-up", 500)).rejects.toThrow(/gave up|ECONNREFUSED|fetch failed/i);
}, 60_000);
