import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFaultSpec, type ServerLogEntry } from "@partwise/node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { partwise, runPartwise } from "./helpers.ts";
import { type ProtocolName, start, type Target, TOKEN } from "./targets.ts";

// `partwise upload PATH... --recursive`: a directory of small nested files to each reference
// server in one call, over real sockets; a file that cannot be read fails alone (exit 1, named in
// the summary); Ctrl-C pauses the batch and a rerun skips the files stored before.

/** The request that stores a small file, per protocol: counted to show each is stored once. */
const STORE_OP: Record<ProtocolName, string> = {
  basespace: "createAppResultFile",
  cavatica: "completeUpload",
  youforce: "uploadFile",
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "partwise-many-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A tree of small files: `a.txt`, `empty.txt` (0 B), `sub/b.bin`, `sub/deeper/c.csv`. */
async function tree(root: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>([
    ["a.txt", randomBytes(1000)],
    ["empty.txt", Buffer.alloc(0)],
    ["sub/b.bin", randomBytes(70_001)],
    ["sub/deeper/c.csv", randomBytes(3)],
  ]);
  for (const [relative, bytes] of files) {
    await mkdir(join(root, relative, ".."), { recursive: true });
    await writeFile(join(root, relative), bytes);
  }
  return files;
}

interface Line {
  path: string;
  status: string;
  id?: string;
  name?: string;
  size?: number;
  md5?: string;
  directory?: string;
  error?: string;
}
const lines = (stdout: string): Line[] =>
  stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Line);

const stored = (t: Target, protocol: ProtocolName, log: readonly ServerLogEntry[] = t.log) =>
  log.filter((e) => e.op === STORE_OP[protocol] && typeof e.status === "number" && e.status < 300).length;

describe.each(["basespace", "cavatica", "youforce"] as const)(
  "partwise upload DIR --recursive --protocol %s",
  (protocol) => {
    test("uploads every file once, byte-equal, with one JSON line per file and the protocol's directory mapping", async () => {
      const t = await start(protocol);
      try {
        const root = join(dir, `${protocol}-tree`);
        const files = await tree(root);
        // CAVATICA uploads go flat into the project: nested files need --flatten.
        const extra =
          protocol === "cavatica" ? ["--flatten"] : protocol === "basespace" ? ["--directory", "run1"] : [];
        const args = [
          "upload",
          root,
          "--recursive",
          "--protocol",
          protocol,
          "--base-url",
          t.base,
          ...t.flags,
        ];
        const { code, stdout, stderr } = await runPartwise(
          [...args, ...extra, "--json", "--concurrency", "2"],
          {
            PARTWISE_TOKEN: TOKEN,
          },
        );
        expect(code, stderr).toBe(0);
        expect(stderr).toMatch(/4 files stored \(4 uploaded\)/);
        expect(stderr).not.toContain(TOKEN);
        const out = lines(stdout);
        expect(out.map((l) => l.path).sort()).toEqual([...files.keys()].map((r) => join(root, r)).sort());
        for (const line of out) {
          const relative = line.path.slice(root.length + 1);
          const bytes = files.get(relative) as Buffer;
          expect(line.status).toBe("uploaded");
          expect(line.size).toBe(bytes.length);
          expect(line.name).toBe(relative.split("/").pop());
          if (protocol === "basespace") {
            const sub = relative.includes("/") ? `/${relative.slice(0, relative.lastIndexOf("/"))}` : "";
            expect(line.directory).toBe(`run1${sub}`);
          } else expect(line.directory).toBeUndefined();
          expect(Buffer.from(await t.download(line.id as string)).equals(bytes), relative).toBe(true);
        }
        expect(stored(t, protocol)).toBe(files.size);
      } finally {
        await t.server.close();
      }
    }, 120_000);
  },
);

test("a file that cannot be read fails alone: the others are stored, exit 1 and a summary naming it", async () => {
  const t = await start("basespace");
  try {
    const root = join(dir, "bs-broken");
    const files = await tree(root);
    await symlink(join(root, "missing-target"), join(root, "broken.txt"));
    const args = ["upload", root, "--recursive", "--protocol", "basespace", "--base-url", t.base, ...t.flags];
    const { code, stdout, stderr } = await runPartwise([...args, "--json"], { PARTWISE_TOKEN: TOKEN });
    expect(code, stderr).toBe(1);
    expect(stderr).toMatch(
      /1 of 5 files failed \(4 uploaded\):\n\s+\S*broken\.txt: cannot read \S*broken\.txt: ENOENT/,
    );
    const out = lines(stdout);
    expect(out.filter((l) => l.status === "failed").map((l) => l.path)).toEqual([join(root, "broken.txt")]);
    expect(out.filter((l) => l.status === "uploaded")).toHaveLength(files.size);
    expect(stored(t, "basespace")).toBe(files.size);
  } finally {
    await t.server.close();
  }
}, 60_000);

test("Ctrl-C mid-batch pauses (exit 130, the resuming command); the rerun skips the files stored before and stores the rest once", async () => {
  // Every store request waits 600 ms; one file at a time (--concurrency 1), so the interrupt lands
  // after the first files and before the last.
  const t = await start("basespace", { faults: [parseFaultSpec("op=createAppResultFile,delay=600")] });
  try {
    const root = join(dir, "bs-paused");
    const files = new Map<string, Buffer>();
    for (let i = 0; i < 6; i++) files.set(`f${i}.bin`, randomBytes(2000 + i));
    await mkdir(root);
    for (const [name, bytes] of files) await writeFile(join(root, name), bytes);
    const state = join(dir, "bs-paused.state.json");
    const args = [
      ...["upload", root, "--recursive", "--protocol", "basespace", "--base-url", t.base, ...t.flags],
      ...["--concurrency", "1", "--state", state, "--json"],
    ];
    const child = partwise(args, { PARTWISE_TOKEN: TOKEN });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.stdin.end();
    const exited = once(child, "exit");
    while (stored(t, "basespace") < 2 && child.exitCode === null) await new Promise((r) => setTimeout(r, 10));
    child.kill("SIGINT");
    const [code] = (await exited) as [number | null];
    expect(code, stderr).toBe(130);
    const first = lines(stdout);
    const done = first.filter((l) => l.status === "uploaded");
    // The server stored two files; the client may have been verifying the second when stopped
    // (its journal then says "completing", and the rerun finds the file instead of storing it again).
    expect(done.length).toBeGreaterThanOrEqual(1);
    expect(done.length).toBeLessThan(files.size);
    const command = /resume with:\n\s+(partwise upload .*)\n/.exec(stderr)?.[1];
    expect(command, stderr).toBeDefined();
    expect(command).not.toContain(TOKEN);
    expect(JSON.parse(await readFile(state, "utf8")).format).toBe("partwise.batch-state");

    const before = t.log.length;
    const rerun = await runPartwise((command as string).replace(/^partwise /, "").split(" "), {
      PARTWISE_TOKEN: TOKEN,
    });
    expect(rerun.code, rerun.stderr).toBe(0);
    const second = lines(rerun.stdout);
    const skipped = second.filter((l) => l.status === "skipped");
    expect(skipped.map((l) => [l.path, l.id]).sort()).toEqual(done.map((l) => [l.path, l.id]).sort());
    // The rerun stored only the files not finished before, each once (an interrupted simple upload
    // whose request reached the server is found by the look-up, not stored again).
    const rerunStores = stored(t, "basespace", t.log.slice(before));
    expect(rerunStores).toBeLessThanOrEqual(files.size - done.length);
    expect(stored(t, "basespace")).toBe(files.size);
    for (const line of [...skipped, ...second.filter((l) => l.status === "uploaded")]) {
      const bytes = files.get(line.path.slice(root.length + 1)) as Buffer;
      expect(Buffer.from(await t.download(line.id as string)).equals(bytes)).toBe(true);
    }
    expect(second).toHaveLength(files.size);
  } finally {
    await t.server.close();
  }
}, 120_000);
