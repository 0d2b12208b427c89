import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { firstLine, partwise, runPartwise } from "./helpers.ts";

// A request each protocol answers only with a valid token, and the error envelope's key fields.
const PROBES = {
  basespace: {
    path: "/files/1",
    header: "x-access-token",
    envelope: (b: never) => (b as { ResponseStatus: unknown }).ResponseStatus,
  },
  cavatica: {
    path: "/upload/multipart",
    header: "x-sbg-auth-token",
    envelope: (b: never) => (b as { code: unknown }).code,
  },
  youforce: {
    path: "/files?role=publisher",
    header: "authorization",
    envelope: (b: never) => (b as { ErrorCode: unknown }).ErrorCode,
  },
} as const;

describe.each(Object.keys(PROBES) as (keyof typeof PROBES)[])("partwise serve --protocol %s", (protocol) => {
  test("prints its base URL first, enforces its tokens, and exits 0 on SIGTERM", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "partwise-cli-"));
    const child = partwise([
      "serve",
      "--protocol",
      protocol,
      "--port",
      "0",
      "--data-dir",
      dataDir,
      "--token",
      "secret-one",
      "--quiet",
    ]);
    try {
      const base = await firstLine(child);
      expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v/);
      const probe = PROBES[protocol];
      const refused = await fetch(`${base}${probe.path}`, {
        headers: { [probe.header]: protocol === "youforce" ? "Bearer wrong" : "wrong" },
      });
      expect(refused.status).toBe(401);
      expect(probe.envelope((await refused.json()) as never)).toBeDefined();
      const token = protocol === "youforce" ? "Bearer secret-one" : "secret-one";
      const accepted = await fetch(`${base}${probe.path}`, { headers: { [probe.header]: token } });
      expect(accepted.status).not.toBe(401);
      await accepted.body?.cancel();
      child.kill("SIGTERM");
      const [code] = await once(child, "exit");
      expect(code).toBe(0);
    } finally {
      child.kill("SIGKILL");
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe("partwise serve usage errors exit 2 with one line", () => {
  test.each([
    [["serve"], /--protocol is required/],
    [["serve", "--protocol", "s3"], /unknown protocol "s3"/],
    [["serve", "--protocol", "basespace", "--port", "99999"], /--port/],
    [["serve", "--protocol", "basespace", "--fault", "status=abc"], /status must be an integer/],
    [["serve", "--protocol", "basespace", "--frobnicate"], /frobnicate/],
    [["nope"], /unknown command "nope"/],
  ])("%j", async (args, message) => {
    const { code, stderr, stdout } = await runPartwise(args);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(message);
  });
});
