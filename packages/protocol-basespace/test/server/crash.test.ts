/**
 * A server killed with SIGKILL — between parts, and in the middle of a part's body — and
 * restarted on the same data directory continues the upload with no accepted part lost, and the
 * finished file downloads byte-equal.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, expect, test } from "vitest";
import { bytesOf, Client, cut, md5Hex } from "./helpers.ts";

const fixture = fileURLToPath(new URL("./fixtures/serve.ts", import.meta.url));
const packageDir = fileURLToPath(new URL("../..", import.meta.url));
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function spawnServer(dataDir: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(
    process.execPath,
    ["--conditions=partwise-source", "--import", "tsx", fixture, dataDir],
    {
      cwd: packageDir,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  const base = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`server exited (${code}) before printing its URL`)));
  });
  return { child, base };
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

test("SIGKILL between parts and mid-part: the restarted server keeps every accepted part", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "partwise-bs-crash-"));
  dirs.push(dataDir);
  const bytes = bytesOf(5 * 100_000 + 321, 99);
  const parts = cut(bytes, 100_000);

  const first = await spawnServer(dataDir);
  const client1 = new Client(first.base, "crash-token");
  const file = await client1.initiate("42", "crash.bin", "runs");
  for (const part of parts.slice(0, 3)) await client1.putPart(file.Id, part.number, part.bytes);
  // Part 4 starts streaming, then the process dies mid-body.
  let sentHalf!: () => void;
  const halfSent = new Promise<void>((resolve) => {
    sentHalf = resolve;
  });
  const part4 = parts[3]!;
  const stalled = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(part4.bytes.slice(0, 50_000));
      sentHalf();
    },
  });
  const inFlight = client1.putPartRaw(file.Id, 4, stalled).catch((error: unknown) => error);
  await halfSent;
  await new Promise((resolve) => setTimeout(resolve, 50));
  await kill(first.child);
  expect(await inFlight).toBeInstanceOf(Error);

  const second = await spawnServer(dataDir);
  const client2 = new Client(second.base, "crash-token");
  const pending = (await client2.getFile(file.Id)).body.Response;
  expect(pending).toMatchObject({ UploadStatus: "pending", Path: "runs/crash.bin" });
  // Parts 1-3 survived (re-sending them is not needed); the interrupted part 4 left nothing.
  for (const part of parts.slice(3)) await client2.putPart(file.Id, part.number, part.bytes);
  const done = await client2.complete(file.Id);
  expect(done.Size).toBe(bytes.length);
  expect(md5Hex(await client2.download(file.Id))).toBe(md5Hex(bytes));
  // Another token still cannot see it after the restart (ownership is persisted).
  expect(
    (await fetch(`${second.base}/files/${file.Id}`, { headers: { "x-access-token": "intruder" } })).status,
  ).toBe(404);
  await kill(second.child);

  // A third start: the completed file is still there, and no temp file or stray blob is left.
  const third = await spawnServer(dataDir);
  const client3 = new Client(third.base, "crash-token");
  expect(md5Hex(await client3.download(file.Id))).toBe(md5Hex(bytes));
  expect(await readdir(join(dataDir, "tmp"))).toEqual([]);
  expect((await readdir(join(dataDir, "blobs"))).length).toBe(parts.length);
});
