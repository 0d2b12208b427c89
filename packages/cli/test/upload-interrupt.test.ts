import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { access, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFaultSpec, type ServerLogEntry } from "@partwise/node";
import { createCavaticaServer } from "@partwise/protocol-cavatica/server";
import { createYouforceServer } from "@partwise/protocol-youforce/server";
import { afterAll, beforeAll, expect, test } from "vitest";
import { partwise } from "./helpers.ts";

// Ctrl-C is a pause: `partwise upload --state FILE` interrupted by SIGINT exits 130, keeps its
// journal and prints the command that resumes it; running that command finishes the upload.
// Without --state the interrupt aborts, also with 130.

const TOKEN = "interrupt-token-0123456789";
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "partwise-interrupt-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const FAULTS = [
  parseFaultSpec("op=uploadFile,status=503,count=1"),
  parseFaultSpec("op=uploadFile,delay=3000,count=1"),
];

/** True a moment after the server refused the first request (the retry is then under way). */
function refusedOnce(log: readonly ServerLogEntry[]): () => boolean {
  let seen: number | undefined;
  return () => {
    if (seen === undefined && log.some((e) => e.status === 503)) seen = Date.now();
    return seen !== undefined && Date.now() - seen > 300;
  };
}

async function run(args: readonly string[], interruptWhen?: () => boolean) {
  const child = partwise(args, { PARTWISE_TOKEN: TOKEN });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  child.stdin.end();
  const exited = once(child, "exit");
  if (interruptWhen) {
    while (!interruptWhen() && child.exitCode === null) await new Promise((r) => setTimeout(r, 10));
    child.kill("SIGINT");
  }
  const [code] = (await exited) as [number | null];
  return { code, stdout, stderr };
}

test("youforce: SIGINT with --state exits 130 and prints the resuming command, which finishes byte-equal", async () => {
  const log: ServerLogEntry[] = [];
  // The first upload request is refused with 503 (so the command is surely running), the retry
  // waits 3 s before the server reads it: the interrupt lands in it.
  const server = await createYouforceServer({ tokens: [TOKEN], log: (e) => log.push(e), faults: FAULTS });
  try {
    const base = `${(await server.listen()).url}/v1.0`;
    const bytes = randomBytes(3 * 1024 * 1024 + 11);
    const file = join(dir, "paused.bin");
    const state = join(dir, "paused.state.json");
    await writeFile(file, bytes);
    const args = [
      "upload",
      file,
      "--protocol",
      "youforce",
      "--base-url",
      base,
      "--business-type-id",
      "7100",
      "--state",
      state,
      "--json",
    ];
    const first = await run(args, refusedOnce(log));
    expect(first.code, first.stderr).toBe(130);
    expect(first.stderr).toMatch(/paused/);
    const command = /resume with:\n\s+(partwise upload .*)\n/.exec(first.stderr)?.[1];
    expect(command).toBeDefined();
    expect(command).not.toContain(TOKEN);
    await access(state);
    const resumed = await run((command as string).replace(/^partwise /, "").split(" "));
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = JSON.parse(resumed.stdout) as { id: string; size: number; md5: string };
    const download = await fetch(`${base}/files/${result.id}?role=publisher`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
    await expect(access(state)).rejects.toThrow();
  } finally {
    await server.close();
  }
}, 60_000);

test("youforce: SIGINT without --state exits 130 and says it aborted", async () => {
  const log: ServerLogEntry[] = [];
  const server = await createYouforceServer({ tokens: [TOKEN], log: (e) => log.push(e), faults: FAULTS });
  try {
    const base = `${(await server.listen()).url}/v1.0`;
    const file = join(dir, "aborted.bin");
    await writeFile(file, randomBytes(100_000));
    const args = ["upload", file, "--protocol", "youforce", "--base-url", base, "--business-type-id", "7100"];
    const result = await run(args, refusedOnce(log));
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/interrupted and aborted/);
  } finally {
    await server.close();
  }
}, 60_000);

test("cavatica: SIGINT with --state after a part keeps the upload (no abort); the printed command finishes it", async () => {
  const log: ServerLogEntry[] = [];
  const server = await createCavaticaServer({
    tokens: [TOKEN],
    log: (e) => log.push(e),
    faults: [parseFaultSpec("op=storagePutPart,delay=400")],
  });
  try {
    const base = `${(await server.listen()).url}/v2`;
    const MiB = 1024 * 1024;
    const bytes = randomBytes(3 * 5 * MiB + 7);
    const file = join(dir, "cv-paused.bin");
    const state = join(dir, "cv-paused.state.json");
    await writeFile(file, bytes);
    const args = [
      ...["upload", file, "--protocol", "cavatica", "--base-url", base, "--project", "pause/test"],
      ...["--part-size", String(5 * MiB), "--concurrency", "1", "--state", state, "--json"],
    ];
    const accepted = () => log.filter((e) => e.op === "storagePutPart" && e.status === 200).length;
    const first = await run(args, () => accepted() >= 1);
    expect(first.code, first.stderr).toBe(130);
    expect(log.filter((e) => e.op === "abortUpload")).toEqual([]);
    const command = /resume with:\n\s+(partwise upload .*)\n/.exec(first.stderr)?.[1];
    expect(command).toBeDefined();
    const before = log.length;
    const resumed = await run((command as string).replace(/^partwise /, "").split(" "));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(log.slice(before).filter((e) => e.op === "initUpload")).toEqual([]);
    const result = JSON.parse(resumed.stdout) as { id: string; size: number };
    expect(result.size).toBe(bytes.length);
  } finally {
    await server.close();
  }
}, 60_000);
