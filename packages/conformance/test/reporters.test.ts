import { beforeAll, describe, expect, test } from "vitest";
import type { Check } from "../src/check.ts";
import type { Report } from "../src/report.ts";
import { formatJson } from "../src/reporters/json.ts";
import { escapeAttribute, escapeText, formatJunit } from "../src/reporters/junit.ts";
import { formatPretty, progressPrinter } from "../src/reporters/pretty.ts";
import { runConformance } from "../src/runner.ts";
import { checks, rules, scriptedFetch, TOKEN, target } from "./fixtures.ts";
import { junitIssues } from "./junit-schema.ts";
import { schemaIssues } from "./report-schema-issues.ts";
import { parseXml, type XmlElement } from "./xml.ts";

/** Everything XML and terminals choke on: markup, controls, a lone surrogate, a CDATA end, emoji. */
const NASTY = `<tag attr="x" & 'y'> ]]> \u0000\u0007\u001b[31m \uD800 \uFFFE 🦀 \r\n second line`;

const nasty: Check = {
  id: "T-YF",
  protocol: "youforce",
  title: "fails with a message full of markup",
  async run(ctx) {
    ctx.fail(NASTY, {
      method: "POST",
      url: `${ctx.target.baseUrl}/files`,
      status: 400,
      responseExcerpt: NASTY,
    });
  },
};

let report: Report;
beforeAll(async () => {
  report = await runConformance({
    protocol: "all",
    targets: {
      basespace: target("basespace"),
      youforce: { ...target("youforce"), baseUrl: "https://yf.test/v1.0" },
    },
    rules,
    suite: [checks.passes, checks.property, checks.fails, checks.skips, checks.should, nasty],
    checks: ["T-*"],
    seed: 99,
    baseline: ["T-SHOULD"],
    fetch: scriptedFetch,
  });
});

describe("the JSON report", () => {
  test("validates against the report schema", () => {
    const json: unknown = JSON.parse(formatJson(report));
    expect(schemaIssues(json)).toEqual([]);
    expect(json).toMatchObject({
      protocol: "all",
      target: "https://api.example.test/v1pre3 https://yf.test/v1.0",
    });
  });

  test("the schema holds DESIGN.md's contract: leaving a required field out fails", () => {
    const json = JSON.parse(formatJson(report)) as Record<string, unknown> & {
      checks: Record<string, unknown>[];
      summary: Record<string, unknown>;
    };
    for (const field of ["protocol", "target", "seed", "checks", "summary"]) {
      const { [field]: _, ...rest } = json;
      expect(schemaIssues(rest), field).not.toEqual([]);
    }
    for (const field of ["id", "level", "status", "durationMs"]) {
      const { [field]: _, ...first } = json.checks[0] as Record<string, unknown>;
      expect(schemaIssues({ ...json, checks: [first] }), field).not.toEqual([]);
    }
    for (const field of ["passed", "failed", "skipped"]) {
      const { [field]: _, ...summary } = json.summary;
      expect(schemaIssues({ ...json, summary }), field).not.toEqual([]);
    }
    expect(schemaIssues({ ...json, checks: [{ ...json.checks[0], status: "flaky" }] })).not.toEqual([]);
  });

  test("holds no token", () => {
    expect(formatJson(report)).not.toContain(TOKEN);
  });
});

describe("the JUnit report", () => {
  test("is well-formed XML with the JUnit structure: one testsuite per protocol, one testcase per rule", () => {
    const xml = formatJunit(report);
    const root = parseXml(xml);
    expect(junitIssues(root)).toEqual([]);
    expect(root.children.map((s) => s.attributes.name)).toEqual(["basespace", "youforce"]);
    const cases = root.children.flatMap((s) => s.children.filter((c) => c.name === "testcase"));
    expect(cases.map((c) => c.attributes.name)).toEqual(report.checks.map((c) => c.id));
  });

  test("failures carry the rule, counterexample and replay; known failures and skips are skipped", () => {
    const root = parseXml(formatJunit(report));
    const testcase = (id: string): XmlElement => {
      const found = root.children.flatMap((s) => s.children).find((c) => c.attributes.name === id);
      if (!found) throw new Error(id);
      return found;
    };
    const property = testcase("T-PROPERTY").children[0];
    expect(property?.name).toBe("failure");
    expect(property?.attributes).toMatchObject({ type: "must" });
    expect(property?.text).toContain("counterexample: 10001");
    expect(property?.text).toContain("--seed 99 --path");
    expect(property?.text).toContain("statement of T-PROPERTY");
    expect(testcase("T-SHOULD").children[0]?.name).toBe("skipped");
    expect(testcase("T-SHOULD").children[0]?.attributes.message).toMatch(/^known failure \(baseline\)/);
    expect(testcase("T-SKIP").children[0]).toMatchObject({
      name: "skipped",
      attributes: { message: "needs --other-token" },
    });
    expect(testcase("T-PASS").children).toEqual([]);
  });

  test("escapes markup and drops characters XML cannot hold", () => {
    const root = parseXml(formatJunit(report));
    const failure = root.children.flatMap((s) => s.children).find((c) => c.attributes.name === "T-YF")
      ?.children[0];
    expect(failure?.attributes.message).toBe(
      `<tag attr="x" & 'y'> ]]> \uFFFD\uFFFD\uFFFD[31m \uFFFD \uFFFD 🦀 \r`,
    );
    expect(failure?.text).toContain("second line");
    expect(() => parseXml(`<a>${escapeText(NASTY)}</a>`)).not.toThrow();
    expect(parseXml(`<a b="${escapeAttribute(NASTY)}"/>`).attributes.b).toContain("\n second line");
  });

  test("the XML reader used here rejects what is not well-formed", () => {
    for (const bad of [
      "<a>",
      "<a></b>",
      "<a>&</a>",
      "<a>&nope;</a>",
      '<a b="<"/>',
      '<a b="1" b="2"/>',
      "<a/><b/>",
      "<a>\u0000</a>",
    ])
      expect(() => parseXml(bad), bad).toThrow();
  });
});

describe("the pretty report", () => {
  test("a table by rule, then every failure with its rule, counterexample, exchange and replay", () => {
    const text = formatPretty(report, { color: false });
    expect(text).not.toContain("\u001b[");
    // The server's text cannot drive the terminal: escapes and CRs are shown, not obeyed.
    expect(text).toContain("\\x00\\x07\\x1b[31m \uD800 \uFFFE 🦀 \\r");
    expect(text).toMatch(/^T-PASS\s+must\s+✓ passed\s+\d+ ms\s+always kept$/m);
    expect(text).toMatch(/^T-SHOULD\s+should\s+✗ failed \(known\)/m);
    expect(text).toContain("✗ T-PROPERTY (must): part numbers outside 1..10000 are refused");
    expect(text).toContain("rule:           statement of T-PROPERTY");
    expect(text).toContain("counterexample: 10001");
    expect(text).toMatch(
      /exchange: +PUT https:\/\/api\.example\.test\/v1pre3\/files\/1\/parts\?partNumber=10001&access_token=\[redacted\] → 200/,
    );
    expect(text).toMatch(
      /replay: +partwise conformance --protocol basespace --base-url \S+ --app-result 42 --checks T-PROPERTY --seed 99 --path \S+/,
    );
    expect(text).toContain("- T-SKIP: needs --other-token");
    expect(text).toMatch(/exit 1\n$/);
    expect(text).not.toContain(TOKEN);
  });

  test("progress prints one line per finished check", () => {
    let out = "";
    const print = progressPrinter((t) => (out += t));
    const result = report.checks[0];
    if (!result) throw new Error("empty report");
    print({ kind: "started", id: result.id, protocol: result.protocol, total: 12 });
    print({ kind: "finished", result, done: 3, total: 12 });
    expect(out).toMatch(/^\[ 3\/12\] ✓ passed T-PASS \d+ ms\n$/);
  });
});
