/**
 * `partwise upload` as a user meets it, against the reference servers over real sockets: sizes with
 * units, settings from the environment, --overwrite for CAVATICA, the file's id and place on the
 * last line, and a warning for each flag that does not apply.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReferenceServer, ServerLogEntry } from "@partwise/node";
import { createBasespaceServer } from "@partwise/protocol-basespace/server";
import { createCavaticaServer } from "@partwise/protocol-cavatica/server";
import { createYouforceServer } from "@partwise/protocol-youforce/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { flagWarnings } from "../src/upload-flags.ts";
import { runInProcess } from "./helpers.ts";

const TOKEN = "flags-token";
let dir: string;
const servers: ReferenceServer[] = [];
const logs: Record<string, ServerLogEntry[]> = { basespace: [], cavatica: [], youforce: [] };
const bases: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "partwise-cli-flags-"));
  const make = {
    basespace: [createBasespaceServer, "/v1pre3"],
    cavatica: [createCavaticaServer, "/v2"],
    youforce: [createYouforceServer, "/v1.0"],
  } as const;
  for (const [protocol, [create, path]] of Object.entries(make)) {
    const log = logs[protocol] as ServerLogEntry[];
    const server = await create({ tokens: [TOKEN], log: (e: ServerLogEntry) => log.push(e) });
    servers.push(server);
    bases[protocol] = `${(await server.listen()).url}${path}`;
  }
});
afterAll(async () => {
  for (const server of servers) await server.close();
  await rm(dir, { recursive: true, force: true });
});

const NO_SETTINGS = {
  PARTWISE_TOKEN: "",
  PARTWISE_BASE_URL: "",
  SB_AUTH_TOKEN: "",
  SB_API_ENDPOINT: "",
  BASESPACE_ACCESS_TOKEN: "",
  BASESPACE_API_SERVER: "",
};

async function file(name: string, size: number): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, randomBytes(size));
  return path;
}

describe("partwise upload flags", () => {
  test("--part-size takes units: 5MiB parts on BaseSpace (above its one-request size)", async () => {
    const path = await file("units.bin", 26_000_000);
    const before = logs.basespace!.length;
    const { code, stderr } = await runInProcess(
      ["upload", path, "--protocol", "basespace", "--app-result", "5", "--part-size", "5MiB", "--json"],
      { ...NO_SETTINGS, PARTWISE_TOKEN: TOKEN, PARTWISE_BASE_URL: bases.basespace },
    );
    expect(code, stderr).toBe(0);
    const parts = logs.basespace!.slice(before).filter((e) => e.op === "uploadFilePart");
    expect(
      parts.map((e) => e.status),
      JSON.stringify(logs.basespace!.slice(before).map((e) => [e.op, e.status])),
    ).toEqual([200, 200, 200, 200, 200]);
  });

  test("the vendors' variables are read, and a flag wins over them", async () => {
    const path = await file("vendor.bin", 1000);
    const ok = await runInProcess(["upload", path, "--protocol", "cavatica", "--project", "team/env"], {
      ...NO_SETTINGS,
      SB_AUTH_TOKEN: TOKEN,
      SB_API_ENDPOINT: bases.cavatica,
    });
    expect(ok.code, ok.stderr).toBe(0);
    // The flag wins: a wrong --token is used (and refused) although SB_AUTH_TOKEN is right.
    const flagWins = await runInProcess(
      ["upload", path, "--protocol", "cavatica", "--project", "team/env2", "--token", "wrong-token-1"],
      { ...NO_SETTINGS, SB_AUTH_TOKEN: TOKEN, SB_API_ENDPOINT: bases.cavatica },
    );
    expect(flagWins.code).toBe(1);
    expect(flagWins.stderr).not.toContain("wrong-token-1");
    const host = bases.basespace!.replace(/\/v1pre3$/, "");
    const bs = await runInProcess(["upload", path, "--protocol", "basespace", "--app-result", "9"], {
      ...NO_SETTINGS,
      BASESPACE_ACCESS_TOKEN: TOKEN,
      BASESPACE_API_SERVER: host,
    });
    expect(bs.code, bs.stderr).toBe(0);
    const none = await runInProcess(["upload", path, "--protocol", "youforce", "--business-type-id", "1"], {
      ...NO_SETTINGS,
      SB_AUTH_TOKEN: TOKEN,
      PARTWISE_BASE_URL: bases.youforce,
    });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe("partwise: no token: pass --token or set PARTWISE_TOKEN\n");
  });

  test("--overwrite replaces a CAVATICA file of the same name; without it the upload fails", async () => {
    const path = await file("same-name.bin", 2000);
    const env = { ...NO_SETTINGS, PARTWISE_TOKEN: TOKEN, PARTWISE_BASE_URL: bases.cavatica };
    const args = ["upload", path, "--protocol", "cavatica", "--project", "team/overwrite", "--json"];
    const first = await runInProcess(args, env);
    expect(first.code, first.stderr).toBe(0);
    const again = await runInProcess(args, env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/409|overwrite|exists/i);
    const replaced = await runInProcess([...args, "--overwrite"], env);
    expect(replaced.code, replaced.stderr).toBe(0);
    const [a, b] = [first, replaced].map((r) => JSON.parse(r.stdout) as { id: string });
    expect(b!.id).not.toBe(a!.id);
  });

  test("the last line gives the file's id and where it is", async () => {
    const path = await file("where.bin", 3000);
    const { code, stdout, stderr } = await runInProcess(
      ["upload", path, "--protocol", "basespace", "--app-result", "42", "--directory", "runs/1", "--json"],
      { ...NO_SETTINGS, PARTWISE_TOKEN: TOKEN, PARTWISE_BASE_URL: bases.basespace },
    );
    expect(code, stderr).toBe(0);
    const { id } = JSON.parse(stdout) as { id: string };
    expect(stderr.trim().split("\n").at(-1)).toBe(
      `partwise: uploaded where.bin (2.9 KiB, 1 part) as ${id} in AppResult 42, directory runs/1`,
    );
  });

  test("flags that do not apply get a warning, and the upload still succeeds", async () => {
    const path = await file("small.csv", 4000);
    const { code, stderr } = await runInProcess(
      [
        "upload",
        path,
        "--protocol",
        "youforce",
        "--business-type-id",
        "7100",
        "--state",
        join(dir, "small.state.json"),
        "--part-size",
        "5MiB",
        "--directory",
        "d",
      ],
      { ...NO_SETTINGS, PARTWISE_TOKEN: TOKEN, PARTWISE_BASE_URL: bases.youforce },
    );
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(
      "partwise: warning: --directory applies to --protocol basespace only; ignored\n",
    );
    expect(stderr).toMatch(
      /partwise: warning: --part-size and --state do not apply: youforce sends a file this size in one request/,
    );
  });

  test("flagWarnings: nothing to say about flags that apply", () => {
    const flags = { "app-result": "1", directory: "d", state: "s", "part-size": "5MiB" };
    expect(flagWarnings("basespace", flags, 200, 100)).toEqual([]);
    expect(flagWarnings("youforce", { state: "s" }, 200, 100)).toEqual([]);
    expect(flagWarnings("youforce", { state: "s" }, undefined, 100)).toEqual([]);
    expect(flagWarnings("cavatica", { overwrite: false, project: "a/b", state: "s" }, 1, 0)).toEqual([]);
    expect(flagWarnings("basespace", { state: "s" }, 100, 100)).toEqual([
      "--state does not apply: basespace sends a file this size in one request (up to 100 bytes), without parts to resume",
    ]);
    expect(flagWarnings("basespace", { overwrite: true, "app-result": "1" }, 200, 100)).toEqual([
      "--overwrite applies to --protocol cavatica only; ignored",
    ]);
  });
});
