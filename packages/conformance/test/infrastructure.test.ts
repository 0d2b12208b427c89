/**
 * An infrastructure problem is not a broken rule: an unreachable target, a token the target refuses
 * at the pre-flight, or a server that goes away during a check end as `error` (JUnit `<error>`, exit
 * code 2), never as `failed`. Over real sockets: a port nothing listens on, and the embedded servers.
 */
import { createServer } from "node:net";
import { describe, expect, test } from "vitest";
import type { Check } from "../src/check.ts";
import { startEmbedded } from "../src/embedded.ts";
import { exitCodeOf } from "../src/report.ts";
import { reportSchema } from "../src/report-schema.ts";
import { formatJunit } from "../src/reporters/junit.ts";
import { formatPretty } from "../src/reporters/pretty.ts";
import { runConformance } from "../src/runner.ts";
import { junitIssues } from "./junit-schema.ts";
import { schemaIssues } from "./report-schema-issues.ts";
import { parseXml } from "./xml.ts";

/** A port that was free a moment ago: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const REAL_LOOKING_TOKEN = "sbg-7f3a9c0e4b2d8f61a5c3e9b7d2f4a6c8";

describe("a target that cannot be tested", () => {
  test("unreachable: every check is an error naming the cause, none failed, exit 2", async () => {
    const port = await closedPort();
    const report = await runConformance({
      protocol: "cavatica",
      targets: {
        cavatica: {
          protocol: "cavatica",
          baseUrl: `http://127.0.0.1:${port}/v2`,
          token: REAL_LOOKING_TOKEN,
          project: "me/p",
        },
      },
      seed: 1,
    });
    expect(report.checks.length).toBeGreaterThan(10);
    expect(report.checks.every((c) => c.status === "error")).toBe(true);
    expect(report.summary).toMatchObject({ failed: 0, broken: 0, errors: report.checks.length });
    expect(report.untested).toEqual([
      {
        protocol: "cavatica",
        target: `http://127.0.0.1:${port}/v2`,
        cause: expect.stringMatching(/ECONNREFUSED/),
      },
    ]);
    expect(exitCodeOf(report)).toBe(2);
    expect(schemaIssues(report)).toEqual([]);
    const junit = formatJunit(report);
    expect(junit).toMatch(/<testsuites[^>]* errors="\d+"/);
    expect(junit).not.toContain("<failure");
    expect(junitIssues(parseXml(junit))).toEqual([]);
    expect(junit.match(/<error /g)).toHaveLength(report.checks.length);
    const pretty = formatPretty(report);
    expect(pretty).toMatch(
      /cavatica: .* could not be tested: cannot reach it \(.*ECONNREFUSED.*\)\. No rule was judged\./,
    );
    expect(pretty).toContain("exit 2");
    expect(JSON.stringify(report) + junit + pretty).not.toContain(REAL_LOOKING_TOKEN);
  });

  test.each(["basespace", "cavatica", "youforce"] as const)(
    "%s: a token the server refuses at the pre-flight is an error, not 401-shaped rule breaks",
    async (protocol) => {
      await using servers = await startEmbedded({ protocols: [protocol] });
      const real = servers.targets[protocol];
      if (!real) throw new Error("no embedded target");
      const report = await runConformance({
        protocol,
        targets: { [protocol]: { ...real, token: REAL_LOOKING_TOKEN } },
        seed: 1,
      });
      expect(report.untested?.[0]?.cause).toMatch(/refuses the token \(401/);
      expect(report.summary.failed).toBe(0);
      expect(exitCodeOf(report)).toBe(2);
      expect(JSON.stringify(report)).not.toContain(REAL_LOOKING_TOKEN);

      const other = await runConformance({
        protocol,
        targets: { [protocol]: { ...real, otherToken: REAL_LOOKING_TOKEN } },
        seed: 1,
      });
      expect(other.untested?.[0]?.cause).toMatch(/second token/);
      expect(exitCodeOf(other)).toBe(2);
    },
    60_000,
  );

  test("a server that goes away during a check: that check is an error with the network cause", async () => {
    const servers = await startEmbedded({ protocols: ["basespace"] });
    const target = servers.targets.basespace;
    if (!target) throw new Error("no embedded target");
    const vanishing: Check = {
      id: "BS-AUTH",
      protocol: "basespace",
      title: "the server stops in the middle",
      async run(ctx) {
        await ctx.http.request({
          method: "GET",
          url: `${ctx.target.baseUrl}/files/0`,
          headers: { "x-access-token": ctx.target.token },
        });
        await servers.close();
        await ctx.http.request({
          method: "GET",
          url: `${ctx.target.baseUrl}/files/0`,
          headers: { "x-access-token": ctx.target.token },
        });
        ctx.fail("unreachable: the second request cannot succeed");
      },
    };
    const report = await runConformance({
      protocol: "basespace",
      targets: { basespace: target },
      suite: [vanishing],
      checks: "BS-AUTH",
      seed: 1,
    });
    const [result] = report.checks;
    expect(result).toMatchObject({
      status: "error",
      message: expect.stringMatching(/network failure: .*ECONNREFUSED/),
    });
    expect(result?.exchange?.status).toBe("network-error");
    expect(exitCodeOf(report)).toBe(2);
    expect(report.untested).toBeUndefined();
    expect(reportSchema.properties.checks.items.properties.status.enum).toContain("error");
  });
});
