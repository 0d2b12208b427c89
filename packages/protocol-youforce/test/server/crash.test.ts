/**
 * Crash safety: a server killed with SIGKILL and restarted on the same data dir continues every
 * pending upload with no accepted chunk lost, keeps every stored file and claim, and never shows
 * a chunk whose upload was cut off by the crash.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { kill, spawnServer } from "./child.ts";
import {
  auth,
  bytesEqual,
  concat,
  downloadBytes,
  expectError,
  OTHER,
  postFile,
  pseudoRandomBytes,
  putChunk,
  startResumable,
  uploadOk,
} from "./helpers.ts";

const children: ChildProcess[] = [];
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(children.map(kill));
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function start(dataDir: string): Promise<{ child: ChildProcess; base: string }> {
  const server = await spawnServer(dataDir);
  children.push(server.child);
  return server;
}

test("SIGKILL mid-upload, restart on the same data dir, finish the upload: the file reads back byte-equal", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "partwise-yf-crash-"));
  dirs.push(dataDir);
  const chunks = [0, 1, 2, 3, 4].map((i) => pseudoRandomBytes(40_000 + i * 1000, i + 7));

  const first = await start(dataDir);
  const stored = await uploadOk(first.base, pseudoRandomBytes(5000, 3), { name: "before.bin" });
  const uploadToken = await startResumable(first.base, chunks[0]!, { name: "big.bin" });
  expect((await putChunk(first.base, uploadToken, 3, chunks[3]!)).status).toBe(202);
  expect((await putChunk(first.base, uploadToken, 1, chunks[1]!)).status).toBe(202);

  // A chunk still streaming when the process dies was never acknowledged and must not appear.
  let sent = 0;
  const stalled = fetch(`${first.base}/files?uploadType=resumable&uploadToken=${uploadToken}&position=2`, {
    method: "PUT",
    headers: auth(),
    body: new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent >= 20_000) return new Promise<void>(() => {}); // stall half-way
        sent += 10_000;
        controller.enqueue(new Uint8Array(10_000).fill(0xee));
      },
    }),
    duplex: "half",
  } as RequestInit).catch((error: unknown) => error);
  while (sent < 20_000) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setTimeout(resolve, 50));
  await kill(first.child);
  expect(await stalled).toBeInstanceOf(Error);

  const second = await start(dataDir);
  expect(await readdir(join(dataDir, "tmp"))).toEqual([]);
  // The stored file and the business type claim survived.
  expect(bytesEqual(await downloadBytes(second.base, stored.id), pseudoRandomBytes(5000, 3))).toBe(true);
  await expectError(await postFile(second.base, "x", { token: OTHER }), 403, "YF-AUTH-ISOLATION");
  // Position 2 was lost with the crash: closing says so; then the upload completes.
  await expectError(
    await putChunk(second.base, uploadToken, 4, chunks[4]!, { close: true }),
    400,
    "YF-RESUMABLE-CLOSE",
  );
  expect((await putChunk(second.base, uploadToken, 2, chunks[2]!)).status).toBe(202);

  // Kill once more between chunks: nothing acknowledged is lost.
  await kill(second.child);
  const third = await start(dataDir);
  const closed = await putChunk(third.base, uploadToken, 4, chunks[4]!, { close: true });
  const file = (await closed.json()) as { id: string; size: number; numChunks: number };
  expect(closed.status).toBe(201);
  expect(file.numChunks).toBe(5);
  expect(bytesEqual(await downloadBytes(third.base, file.id), concat(...chunks))).toBe(true);
  await kill(third.child);
});
