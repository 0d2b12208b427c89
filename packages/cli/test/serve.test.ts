import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parsePartUrlTtl, parseRateLimit } from "../src/commands/serve.ts";
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
    [["serve", "--protocol", "basespace", "--reading", "loose"], /--reading: "loose" is not one of/],
    [
      ["serve", "--protocol", "basespace", "--part-url-ttl", "5"],
      /--part-url-ttl applies to --protocol cavatica/,
    ],
    [["serve", "--protocol", "cavatica", "--part-url-ttl", "0"], /--part-url-ttl must be a positive/],
    [
      ["serve", "--protocol", "cavatica", "--rate-limit", "5/s"],
      /--rate-limit applies to --protocol youforce/,
    ],
    [["serve", "--protocol", "youforce", "--rate-limit", "fast"], /--rate-limit must be N\/s or N\/min/],
    [["nope"], /unknown command "nope"/],
  ])("%j", async (args, message) => {
    const { code, stderr, stdout } = await runPartwise(args);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(message);
  });
});

describe("partwise serve protocol flags", () => {
  test("--part-url-ttl is seconds, --rate-limit is per second unless /min", () => {
    expect(parsePartUrlTtl("2.5")).toBe(2500);
    expect(parsePartUrlTtl(undefined)).toBeUndefined();
    expect(parseRateLimit("3/s")).toEqual({ requestsPerSecond: 3 });
    expect(parseRateLimit("3")).toEqual({ requestsPerSecond: 3 });
    expect(parseRateLimit("90/min")).toEqual({ requestsPerMinute: 90 });
    expect(() => parseRateLimit("0.5/s")).toThrow(/whole number of at least 1/);
  });

  test("--rate-limit turns on YouForce's 429 with Retry-After", async () => {
    const child = partwise([
      "serve",
      "--protocol",
      "youforce",
      "--token",
      "t1",
      "--rate-limit",
      "2/s",
      "--quiet",
    ]);
    try {
      const base = await firstLine(child);
      const statuses: number[] = [];
      for (let i = 0; i < 130; i++) {
        const response = await fetch(`${base}/files?role=publisher`, {
          headers: { authorization: "Bearer t1" },
        });
        statuses.push(response.status);
        await response.body?.cancel();
        if (response.status === 429) {
          // Per-second windows: the client is told to come back within the second.
          expect(Number(response.headers.get("retry-after"))).toBe(1);
          break;
        }
      }
      expect(statuses.at(-1)).toBe(429);
      expect(statuses.length).toBeGreaterThanOrEqual(3);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const after = await fetch(`${base}/files?role=publisher`, { headers: { authorization: "Bearer t1" } });
      expect(after.status).toBe(200);
      await after.body?.cancel();
    } finally {
      child.kill("SIGKILL");
    }
  });

  test("--reading strict and --part-url-ttl start a CAVATICA server", async () => {
    const child = partwise([
      "serve",
      "--protocol",
      "cavatica",
      "--reading",
      "strict",
      "--part-url-ttl",
      "1",
      "--quiet",
    ]);
    try {
      expect(await firstLine(child)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2$/);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
