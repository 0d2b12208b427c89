import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { partwise, runPartwise } from "./helpers.ts";
import { start, type Target, TOKEN } from "./targets.ts";

const MiB = 1024 * 1024;
let dir: string;

const targets: Partial<Record<"basespace" | "cavatica" | "youforce", Target>> = {};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "partwise-cli-upload-"));
  for (const p of ["basespace", "cavatica", "youforce"] as const) targets[p] = await start(p);
});
afterAll(async () => {
  for (const t of Object.values(targets)) await t.server.close();
  await rm(dir, { recursive: true, force: true });
});

describe.each(["basespace", "cavatica", "youforce"] as const)("partwise upload --protocol %s", (protocol) => {
  test("uploads a file in several parts, prints one JSON object, and the server holds the same bytes", async () => {
    const t = targets[protocol]!;
    const bytes = randomBytes(11 * MiB + 123);
    const file = join(dir, `${protocol}-data.bin`);
    await writeFile(file, bytes);
    const { code, stdout, stderr } = await runPartwise(
      [
        "upload",
        file,
        "--protocol",
        protocol,
        "--base-url",
        t.base,
        ...t.flags,
        "--part-size",
        String(5 * MiB),
        "--concurrency",
        "3",
        "--json",
      ],
      { PARTWISE_TOKEN: TOKEN },
    );
    expect(stderr).not.toContain(TOKEN);
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]!) as {
      id: string;
      name: string;
      size: number;
      md5: string;
      parts: number;
    };
    expect(Object.keys(result).sort()).toEqual(["id", "md5", "name", "parts", "size"]);
    expect(result.size).toBe(bytes.length);
    expect(result.name).toBe(`${protocol}-data.bin`);
    expect(result.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(Buffer.from(await t.download(result.id)).equals(bytes)).toBe(true);
  });

  test("a wrong token fails with exit 1 and one line that never shows the token", async () => {
    const t = targets[protocol]!;
    const file = join(dir, `${protocol}-small.bin`);
    await writeFile(file, randomBytes(1000));
    const { code, stderr } = await runPartwise([
      "upload",
      file,
      "--protocol",
      protocol,
      "--base-url",
      t.base,
      ...t.flags,
      "--token",
      "not-the-token-123",
    ]);
    expect(code).toBe(1);
    expect(stderr.trim().split("\n").at(-1)).toMatch(/^partwise: upload failed/);
    expect(stderr).not.toContain("not-the-token-123");
  });
});

test("partwise upload - reads standard input of unknown length", async () => {
  const t = targets.basespace!;
  const bytes = randomBytes(6 * MiB + 7);
  const child = partwise(
    [
      "upload",
      "-",
      "--protocol",
      "basespace",
      "--base-url",
      t.base,
      ...t.flags,
      "--name",
      "stdin.bin",
      "--json",
      "--part-size",
      String(5 * MiB),
    ],
    { PARTWISE_TOKEN: TOKEN },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  child.stdin.end(bytes);
  const [code] = await once(child, "exit");
  expect(code, stderr).toBe(0);
  const result = JSON.parse(stdout) as { id: string; size: number };
  expect(result.size).toBe(bytes.length);
  expect(Buffer.from(await t.download(result.id)).equals(bytes)).toBe(true);
});

describe("usage errors exit 2", () => {
  test.each([
    [
      ["upload", "x.bin", "--protocol", "basespace", "--base-url", "http://127.0.0.1:1/v1pre3"],
      /--app-result/,
    ],
    [
      [
        "upload",
        "x.bin",
        "--protocol",
        "cavatica",
        "--base-url",
        "http://127.0.0.1:1/v2",
        "--project",
        "a/b",
        "--parent",
        "f",
      ],
      /exactly one/,
    ],
    [
      [
        "upload",
        "x.bin",
        "--protocol",
        "youforce",
        "--base-url",
        "http://127.0.0.1:1/v1.0",
        "--business-type-id",
        "x",
      ],
      /business-type-id/,
    ],
    [["upload", "--protocol", "basespace", "--base-url", "http://x"], /give a FILE to upload/],
    [
      ["upload", "x.bin", "--protocol", "basespace", "--base-url", "ftp://x", "--app-result", "1"],
      /--base-url/,
    ],
    [
      [
        "upload",
        "-",
        "--protocol",
        "basespace",
        "--base-url",
        "http://x",
        "--app-result",
        "1",
        "--state",
        "s.json",
      ],
      /cannot resume standard input/,
    ],
    [
      ["upload", "/no/such/file", "--protocol", "basespace", "--base-url", "http://x", "--app-result", "1"],
      /cannot read/,
    ],
    [
      [
        "upload",
        "x.bin",
        "--protocol",
        "basespace",
        "--base-url",
        "http://x",
        "--app-result",
        "1",
        "--part-size",
        "0",
      ],
      /--part-size/,
    ],
    [
      [
        "upload",
        "x.bin",
        "--protocol",
        "youforce",
        "--base-url",
        "http://x",
        "--business-type-id",
        "1",
        "--retry-for",
        "soon",
      ],
      /--retry-for must be a duration such as 30s/,
    ],
    [
      [
        "upload",
        "x.bin",
        "--protocol",
        "youforce",
        "--base-url",
        "http://x",
        "--business-type-id",
        "1",
        "--retries",
        "two",
      ],
      /--retries must be an integer >= 0/,
    ],
  ])("%j", async (args, message) => {
    const { code, stderr } = await runPartwise(args, { PARTWISE_TOKEN: TOKEN });
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  test("no token at all", async () => {
    const { code, stderr } = await runPartwise(
      ["upload", "x.bin", "--protocol", "basespace", "--base-url", "http://x", "--app-result", "1"],
      {
        PARTWISE_TOKEN: "",
      },
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/no token/);
  });
});
