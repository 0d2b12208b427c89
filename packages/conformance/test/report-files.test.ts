/**
 * The report files of a red run against real (mutant) reference servers: the HTML page (structure
 * here, behaviour in Chromium in html-report.test.ts), the HAR file validated against the HAR 1.2
 * JSON Schema (har-schema), and no token, signature or access_token value in any of them.
 */
import { createRequire } from "node:module";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { beforeAll, describe, expect, test } from "vitest";
import type { Report } from "../src/report.ts";
import { formatGithub, formatMarkdown } from "../src/reporters/github.ts";
import { formatHar } from "../src/reporters/har.ts";
import { formatHtml } from "../src/reporters/html.ts";
import { formatJunit } from "../src/reporters/junit.ts";
import { formatPretty } from "../src/reporters/pretty.ts";
import { type RecordedExchange, runConformance } from "../src/runner.ts";
import { redReport } from "./red-report.ts";

let report: Report;
let recorded: RecordedExchange[];
let secrets: string[];

beforeAll(async () => {
  ({ report, recorded, secrets } = await redReport());
}, 120_000);

/** A credential-bearing name followed by anything but the redaction marker. */
const LEAK =
  /(?:access_token|x-access-token|x-sbg-auth-token|signature|sig|x-amz-signature|upload_?token)["']?\s*[:=]\s*["']?(?!\[redacted\]|%5Bredacted%5D)[A-Za-z0-9%._~+/-]{6,}/i;

describe("the report files of a red run", () => {
  test("the run is red and recorded every exchange with its rule and run", () => {
    expect(report.summary.failed).toBeGreaterThan(0);
    expect(recorded.length).toBeGreaterThan(report.checks.length);
    expect(new Set(recorded.map((r) => r.rule))).toEqual(new Set(report.checks.map((c) => c.id)));
    const failure = report.checks.find((c) => c.status === "failed" && (c.exchanges?.length ?? 0) > 1);
    expect(failure, "a failure keeps every exchange of its failing run").toBeDefined();
  });

  test("the HAR file validates against the HAR 1.2 schema and tags each entry", async () => {
    const har = JSON.parse(formatHar(recorded, report));
    const require = createRequire(import.meta.url);
    const schemas = require("har-schema") as Record<string, object>;
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    ajv.addMetaSchema(require("ajv/dist/refs/json-schema-draft-06.json"));
    for (const schema of Object.values(schemas)) ajv.addSchema(schema);
    const validate = ajv.getSchema("har.json#");
    if (!validate) throw new Error("har-schema has no har.json");
    expect(validate(har) ? [] : validate.errors).toEqual([]);
    expect(har.log.entries).toHaveLength(recorded.length);
    for (const entry of har.log.entries) {
      expect(report.checks.map((c) => c.id)).toContain(entry._rule);
      expect(Number.isInteger(entry._run)).toBe(true);
    }
    const multipart = har.log.entries.find(
      (e: { request: { postData?: { _multipart?: unknown } } }) => e.request.postData?._multipart,
    );
    expect(multipart, "a multipart/related request is described part by part").toBeDefined();
    const binary = har.log.entries.find(
      (e: { request: { postData?: { _size?: number } } }) => (e.request.postData?._size ?? 0) > 64 * 1024,
    );
    expect(binary, "a large body is recorded").toBeDefined();
    expect(binary?.request.postData._md5).toMatch(/^[0-9a-f]{32}$/);
    expect(binary?.request.postData._truncated).toBe(true);
    expect(binary?.request.postData.text.length).toBeLessThan(64 * 1024);
  });

  test("no token, signature or access_token value appears in any report", () => {
    const outputs = {
      html: formatHtml(report),
      har: formatHar(recorded, report),
      json: JSON.stringify(report),
      junit: formatJunit(report),
      pretty: formatPretty(report),
      github: formatGithub(report),
      markdown: formatMarkdown(report),
    };
    for (const [name, text] of Object.entries(outputs)) {
      for (const secret of secrets) expect(text, `${name} leaks a token`).not.toContain(secret);
      expect(LEAK.exec(text)?.[0], `${name} leaks a credential`).toBeUndefined();
    }
    expect(outputs.har).toContain("[redacted]");
  });

  test("the HTML page is self-contained: no external script, style, image or font", () => {
    const html = formatHtml(report);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/@import|url\(/);
    for (const check of report.checks) expect(html).toContain(`data-text="${check.id.toLowerCase()}`);
  });

  test("the github reporter annotates each broken rule and escapes workflow-command data", () => {
    const text = formatGithub(report);
    const failed = report.checks.filter((c) => c.status === "failed" && c.level === "must");
    for (const f of failed) expect(text).toContain(`::error title=${f.id} (must) broken`);
    for (const line of text.trim().split("\n")) expect(line).not.toMatch(/\r/);
  });

  test("a run with a recorder and one without give the same verdicts", async () => {
    const plain = await runConformance({
      protocol: "basespace",
      embedded: { mutations: { basespace: ["BS-PART-NUMBER"] } },
      checks: "BS-PART-NUMBER",
      seed: report.seed,
    });
    expect(plain.checks.map((c) => c.status)).toEqual(["failed"]);
  });
});

describe("describeBody", () => {
  test("a multipart part without header fields is shown with empty headers and its bytes", async () => {
    const { describeBody } = await import("../src/exchange.ts");
    const body = "--b1\r\n\r\nno headers\r\n--b1\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b1--\r\n";
    const info = describeBody(body, "multipart/related; boundary=b1", []);
    expect(info?.multipart?.parts.map((p) => [p.headers, p.body.text])).toEqual([
      ["", "no headers"],
      ["Content-Type: text/plain", "hello"],
    ]);
  });
});
