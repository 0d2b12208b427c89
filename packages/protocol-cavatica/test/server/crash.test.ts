/**
 * Durability: a server killed with SIGKILL and restarted on the same data directory continues every
 * pending upload with no accepted part lost, and its signed URLs stay valid (the signing secret is
 * kept in the data directory). Then the repairs `CavaticaState.open` makes after a crash inside
 * complete or abort, simulated by putting back the documents the crash would have left.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFile, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import {
  api,
  bytesOf,
  complete,
  downloadBytes,
  type Endpoint,
  expectError,
  init,
  MiB,
  md5Hex,
  partUrl,
  sendPart,
  startServer,
  storagePut,
} from "./helpers.ts";

const TOKEN = "crash-token";
const packageDir = fileURLToPath(new URL("../..", import.meta.url));
const fixture = fileURLToPath(new URL("./fixtures/serve.ts", import.meta.url));
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "partwise-cavatica-crash-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts the fixture server in a child process; resolves with its base URL. */
async function spawnServer(dataDir: string): Promise<Endpoint & { child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ["--conditions=partwise-source", "--import", "tsx", fixture, dataDir],
    {
      cwd: packageDir,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
  });
  return { base: line.trim(), child };
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

describe("crash and restart", () => {
  test("CV-LIST-PARTS: after SIGKILL and restart every accepted part is still there and the upload completes", async () => {
    const dataDir = await tempDir();
    const first = await spawnServer(dataDir);
    const parts = [bytesOf(5 * MiB, 1), bytesOf(5 * MiB, 2), bytesOf(4321, 3)];
    const { upload_id } = await init(first, TOKEN, {
      project: "crash/p",
      name: "survivor.bin",
      part_size: 5 * MiB,
    });
    const etag1 = await sendPart(first, TOKEN, upload_id, 1, parts[0]!);
    const etag3 = await sendPart(first, TOKEN, upload_id, 3, parts[2]!);
    const url2 = await partUrl(first, TOKEN, upload_id, 2);
    // A part still streaming in when the process dies must leave nothing behind.
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent > 2 * MiB) return new Promise<void>(() => {});
        sent += 256 * 1024;
        controller.enqueue(bytesOf(256 * 1024, 9));
      },
    });
    const inFlight = fetch(url2, { method: "PUT", body: endless, duplex: "half" } as RequestInit).catch(
      () => "reset",
    );
    while (sent <= 2 * MiB) await new Promise((resolve) => setTimeout(resolve, 10));
    await kill(first.child);
    expect(await inFlight).toBe("reset");

    const second = await spawnServer(dataDir);
    const details = await api(second, "GET", `/upload/multipart/${upload_id}?list_parts=true`, {
      token: TOKEN,
    });
    expect(details.status).toBe(200);
    expect((details.body as { parts: unknown[] }).parts).toEqual([
      { part_number: 1, response: { headers: { ETag: etag1 } } },
      { part_number: 3, response: { headers: { ETag: etag3 } } },
    ]);
    expect(await readdir(join(dataDir, "tmp"))).toEqual([]);
    // The URL signed before the crash is still valid (on the new port: same path and signature).
    const put = await storagePut(
      new URL(new URL(url2).pathname + new URL(url2).search, second.base).href,
      parts[1]!,
    );
    expect(put.status).toBe(200);
    const reported = await api(second, "POST", `/upload/multipart/${upload_id}/part/`, {
      token: TOKEN,
      body: { part_number: 2, response: { headers: { ETag: put.etag! } } },
    });
    expect(reported.status).toBe(200);
    const done = await complete(second, TOKEN, upload_id);
    expect(done.status).toBe(200);
    const bytes = await downloadBytes(second, TOKEN, (done.body as { id: string }).id);
    expect(md5Hex(bytes)).toBe(md5Hex(new Uint8Array([...parts[0]!, ...parts[1]!, ...parts[2]!])));
    await kill(second.child);
  });

  test("CV-COMPLETE-FILE: a completion cut short after its file document is finished on restart", async () => {
    const dataDir = await tempDir();
    const server = await startServer({ dataDir, tokens: [TOKEN] });
    const { upload_id } = await init(server, TOKEN, { project: "crash/p", name: "half-done" });
    await sendPart(server, TOKEN, upload_id, 1, bytesOf(99));
    // What a crash right after the file document was written leaves: the upload and part documents.
    const state = join(dataDir, "state");
    const saved = join(dataDir, "saved");
    await rm(saved, { recursive: true, force: true });
    const { mkdir } = await import("node:fs/promises");
    await mkdir(saved);
    const kept = (await readdir(state)).filter((name) => name.includes(upload_id));
    for (const name of kept) await copyFile(join(state, name), join(saved, name));
    const done = await complete(server, TOKEN, upload_id);
    expect(done.status).toBe(200);
    await server.close();
    for (const name of kept) await copyFile(join(saved, name), join(state, name));
    // And an orphan blob, as a crash between rename and document leaves.
    await writeFile(join(dataDir, "blobs", `p-${upload_id}-7-000000000000`), "orphan");

    const restarted = await startServer({ dataDir, tokens: [TOKEN] });
    try {
      expectError(await api(restarted, "GET", `/upload/multipart/${upload_id}`, { token: TOKEN }), 404, 8003);
      expect(await downloadBytes(restarted, TOKEN, (done.body as { id: string }).id)).toEqual(bytesOf(99));
      // The orphan is swept; the one part blob left is the file's bytes (completion copies nothing).
      const blobs = await readdir(join(dataDir, "blobs"));
      expect(blobs).not.toContain(`p-${upload_id}-7-000000000000`);
      expect(blobs.filter((name) => name.startsWith("p-"))).toEqual([
        expect.stringMatching(new RegExp(`^p-${upload_id}-1-`)),
      ]);
      expect((await readdir(state)).filter((name) => name.includes(upload_id))).toEqual([]);
    } finally {
      await restarted.close();
    }
  });
});
