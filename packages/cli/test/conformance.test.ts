import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reportSchema } from "@partwise/conformance";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { firstLine, partwise, runInProcess, runPartwise } from "./helpers.ts";

function schemaIssues(value: unknown): string[] {
  const ajv = new Ajv({ allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile(reportSchema);
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "partwise-conformance-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("partwise conformance --embedded", () => {
  test("a run of the auth checks of all three protocols exits 0 and its JSON report validates", async () => {
    const junit = join(dir, "auth.xml");
    const { code, stdout, stderr } = await runPartwise([
      "conformance",
      "--protocol",
      "all",
      "--embedded",
      "--checks",
      "BS-AUTH,CV-AUTH,YF-AUTH",
      "--seed",
      "5",
      "--reporter",
      "json",
    ]);
    const report = JSON.parse(stdout) as {
      seed: number;
      target: string;
      checks: { id: string; status: string }[];
    };
    expect(schemaIssues(report)).toEqual([]);
    expect(report).toMatchObject({ protocol: "all", target: "embedded", seed: 5 });
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ["BS-AUTH", "passed"],
      ["CV-AUTH", "passed"],
      ["YF-AUTH", "passed"],
    ]);
    expect(stderr).toMatch(/3 passed, 0 failed, 0 skipped, 0 errors, 0 broken · seed 5 · exit 0\n$/);
    expect(code).toBe(0);

    const again = await runPartwise([
      "conformance",
      "--protocol",
      "youforce",
      "--embedded",
      "--checks",
      "YF-AUTH",
      "--reporter",
      "junit",
      "--output",
      junit,
      "--quiet",
    ]);
    expect(again).toMatchObject({ code: 0, stdout: "", stderr: "" });
    const xml = await readFile(junit, "utf8");
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
    expect(xml).toMatch(/<testsuite name="youforce" tests="1" failures="0"/);
    expect(xml).toContain('<testcase name="YF-AUTH" classname="partwise.conformance.youforce"');
  }, 120_000);

  test("a must rule broken exits 1; listed in --baseline it exits 0", async () => {
    // The reference server with every answer replaced by 500 breaks BS-AUTH (no 401).
    const server = partwise([
      "serve",
      "--protocol",
      "basespace",
      "--token",
      "baseline-token-1234",
      "--fault",
      "status=500",
      "--quiet",
    ]);
    try {
      const base = await firstLine(server);
      const args = ["conformance", "--protocol", "basespace", "--base-url", base, "--app-result", "1"];
      const broken = await runPartwise([...args, "--checks", "BS-AUTH", "--reporter", "json"], {
        PARTWISE_TOKEN: "baseline-token-1234",
      });
      expect(broken.code).toBe(1);
      const report = JSON.parse(broken.stdout) as {
        checks: { id: string; status: string; replay?: string }[];
      };
      expect(report.checks[0]).toMatchObject({ id: "BS-AUTH", status: "failed" });
      expect(report.checks[0]?.replay).toMatch(
        /^partwise conformance --protocol basespace --base-url http:\/\/127\.0\.0\.1:\d+\/v1pre3 --app-result 1 --checks BS-AUTH --seed -?\d+/,
      );

      const reportFile = join(dir, "previous.json");
      await writeFile(reportFile, broken.stdout);
      const listFile = join(dir, "baseline.json");
      await writeFile(listFile, JSON.stringify(["BS-AUTH"]));
      for (const baseline of [reportFile, listFile]) {
        const known = await runPartwise([...args, "--checks", "BS-AUTH", "--baseline", baseline], {
          PARTWISE_TOKEN: "baseline-token-1234",
        });
        expect(known.stdout).toMatch(/BS-AUTH\s+must\s+✗ failed \(known\)/);
        expect(known.code).toBe(0);
      }
    } finally {
      server.kill("SIGKILL");
    }
  }, 120_000);

  test("tokens are never printed, whatever the reporter, even when every check fails", async () => {
    const token = "never-print-me-0123456789";
    const other = "never-print-me-either-9876543210";
    const server = partwise([
      "serve",
      "--protocol",
      "basespace",
      "--token",
      token,
      "--token",
      other,
      "--fault",
      "op=*,status=500",
      "--quiet",
    ]);
    try {
      const base = await firstLine(server);
      const common = ["conformance", "--protocol", "basespace", "--base-url", base, "--app-result", "7"];
      const checks = ["--checks", "BS-AUTH,BS-AUTH-ISOLATION,BS-PART-NUMBER,BS-INIT-NAME"];
      const runs = [
        await runPartwise([...common, ...checks, "--token", token, "--other-token", other]),
        await runPartwise([...common, ...checks, "--reporter", "json"], {
          PARTWISE_TOKEN: token,
          PARTWISE_OTHER_TOKEN: other,
        }),
        await runPartwise([...common, ...checks, "--reporter", "junit", "--token", token]),
      ];
      for (const { code, stdout, stderr } of runs) {
        expect(code).toBe(1);
        expect(stdout.length).toBeGreaterThan(0);
        for (const secret of [token, other, encodeURIComponent(token)]) {
          expect(stdout).not.toContain(secret);
          expect(stderr).not.toContain(secret);
        }
      }
    } finally {
      server.kill("SIGKILL");
    }
  }, 120_000);
});

describe("reports people look at", () => {
  test("--report-dir writes report.html, report.json, report.xml and exchanges.har; GITHUB_STEP_SUMMARY gets a summary", async () => {
    const out = join(dir, "reports");
    const summary = join(dir, "step-summary.md");
    const { code, stderr } = await runPartwise(
      [
        "conformance",
        "--protocol",
        "all",
        "--embedded",
        "--checks",
        "BS-AUTH,CV-AUTH,YF-AUTH",
        "--seed",
        "3",
        "--report-dir",
        out,
        "--quiet",
      ],
      { GITHUB_STEP_SUMMARY: summary },
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const html = await readFile(join(out, "report.html"), "utf8");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("BS-AUTH");
    expect(schemaIssues(JSON.parse(await readFile(join(out, "report.json"), "utf8")))).toEqual([]);
    expect(await readFile(join(out, "report.xml"), "utf8")).toMatch(/^<\?xml/);
    const har = JSON.parse(await readFile(join(out, "exchanges.har"), "utf8"));
    expect(har.log.version).toBe("1.2");
    expect(new Set(har.log.entries.map((e: { _rule: string }) => e._rule))).toEqual(
      new Set(["BS-AUTH", "CV-AUTH", "YF-AUTH"]),
    );
    expect(await readFile(summary, "utf8")).toMatch(/^### partwise conformance · all · ✅/);
  });

  test("--list prints every rule with level, title and needs; --json as an array; nothing runs", async () => {
    const text = await runPartwise(["conformance", "--list", "--protocol", "cavatica"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^RULE +LEVEL +TITLE\n/);
    expect(text.stdout).toMatch(/\nCV-AUTH +must +\S/);
    expect(text.stdout).not.toContain("BS-AUTH");
    const json = await runPartwise(["conformance", "--list", "--json"]);
    const rules = JSON.parse(json.stdout) as {
      id: string;
      level: string;
      needs: string[];
      checked: boolean;
    }[];
    expect(rules.map((r) => r.id)).toEqual(
      expect.arrayContaining(["BS-AUTH", "CV-AUTH", "YF-AUTH", "MIME-BOUNDARY-LENGTH"]),
    );
    for (const rule of rules) expect(["must", "should"]).toContain(rule.level);
    const bad = await runPartwise(["conformance", "--list", "--base-url", "http://x/v2"]);
    expect(bad.code).toBe(2);
  });

  test("--reporter github prints one annotation per broken rule", async () => {
    const { code, stdout } = await runPartwise([
      "conformance",
      "--protocol",
      "basespace",
      "--embedded",
      "--checks",
      "BS-AUTH",
      "--reporter",
      "github",
      "--quiet",
    ]);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^partwise conformance: 1 passed, 0 failed/);
  });
});

describe("a target that cannot be tested", () => {
  test("unreachable: exit 2, one line naming the cause, no rule reported broken (junit <error>)", async () => {
    const net = await import("node:net");
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const output = join(dir, "unreachable.xml");
    const { code, stderr } = await runPartwise(
      [
        "conformance",
        "--protocol",
        "basespace",
        "--base-url",
        `http://127.0.0.1:${port}/v1pre3`,
        "--app-result",
        "1",
        "--reporter",
        "junit",
        "--output",
        output,
        "--quiet",
      ],
      { PARTWISE_TOKEN: "a-token-that-stays-secret" },
    );
    expect(code).toBe(2);
    expect(stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^partwise: cannot test basespace at http:\/\/127\.0\.0\.1:\d+\/v1pre3: cannot reach it \(.*ECONNREFUSED/,
      ),
    ]);
    const junit = await readFile(output, "utf8");
    expect(junit).not.toContain("<failure");
    expect(junit).toMatch(/<error message="the target could not be tested/);
    expect(junit + stderr).not.toContain("a-token-that-stays-secret");
  });
});

describe("partwise conformance usage errors exit 2 with one line", () => {
  test.each([
    [["conformance"], /--protocol is required/],
    [["conformance", "--protocol", "s3", "--embedded"], /unknown protocol "s3"/],
    [["conformance", "--protocol", "basespace"], /either --embedded or --base-url/],
    [["conformance", "--protocol", "basespace", "--embedded", "--base-url", "http://x"], /either --embedded/],
    [
      ["conformance", "--protocol", "all", "--base-url", "http://x/v1pre3", "--token", "t"],
      /only with --embedded/,
    ],
    [["conformance", "--protocol", "basespace", "--base-url", "ftp://x", "--token", "t"], /http\(s\) URL/],
    [
      ["conformance", "--protocol", "basespace", "--base-url", "http://x/v1pre3", "--app-result", "1"],
      /no token/,
    ],
    [
      ["conformance", "--protocol", "basespace", "--base-url", "http://x/v1pre3", "--token", "tttt"],
      /--app-result/,
    ],
    [["conformance", "--protocol", "cavatica", "--base-url", "http://x/v2", "--token", "tttt"], /--project/],
    [
      [
        "conformance",
        "--protocol",
        "cavatica",
        "--base-url",
        "http://x/v2",
        "--token",
        "tttt",
        "--project",
        "p",
      ],
      /OWNER\/PROJECT/,
    ],
    [
      [
        "conformance",
        "--protocol",
        "youforce",
        "--base-url",
        "http://x/v1.0",
        "--token",
        "tttt",
        "--app-result",
        "1",
      ],
      /--app-result is a basespace flag/,
    ],
    [
      ["conformance", "--protocol", "youforce", "--embedded", "--token", "tttt"],
      /does not go with --embedded/,
    ],
    [["conformance", "--protocol", "all", "--embedded", "--reporter", "xml"], /unknown reporter "xml"/],
    [["conformance", "--protocol", "all", "--embedded", "--seed", "abc"], /--seed/],
    [["conformance", "--protocol", "all", "--embedded", "--num-runs", "0"], /--num-runs/],
    [["conformance", "--protocol", "all", "--embedded", "--max-bytes", "0"], /--max-bytes/],
    [["conformance", "--protocol", "all", "--embedded", "--max-bytes", "12XB"], /--max-bytes/],
    [["conformance", "--protocol", "all", "--embedded", "--path", "1:2"], /--path replays one check/],
    [["conformance", "--protocol", "all", "--embedded", "--checks", "NOPE-*"], /selects no rule/],
    [["conformance", "--protocol", "all", "--embedded", "--checks", "BS-*", "--path", "0:1"], /exactly one/],
    [["conformance", "--protocol", "all", "--embedded", "--baseline", "/nonexistent/b.json"], /--baseline/],
    [["conformance", "--protocol", "all", "--embedded", "--frobnicate"], /frobnicate/],
    [
      [
        "conformance",
        "--protocol",
        "youforce",
        "--base-url",
        "http://x/v1.0",
        "--token",
        "tttt",
        "--wait",
        "soon",
      ],
      /--wait must be a duration/,
    ],
  ])("%j", async (args, message) => {
    const { code, stderr, stdout } = await runInProcess(args, { PARTWISE_TOKEN: "" });
    expect(stderr).toMatch(message);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stdout).toBe("");
    expect(code).toBe(2);
  });

  test("a baseline that is neither a list of ids nor a report is a usage error", async () => {
    const file = join(dir, "bad-baseline.json");
    await writeFile(file, JSON.stringify({ some: "thing" }));
    const { code, stderr } = await runInProcess([
      "conformance",
      "--protocol",
      "all",
      "--embedded",
      "--baseline",
      file,
    ]);
    expect(stderr).toMatch(/a baseline is a JSON list of rule ids/);
    expect(code).toBe(2);
  });
});
