/**
 * The JUnit XML reporter, for CI: one `<testsuite>` per protocol, one `<testcase>` per rule, in the
 * dialect CI servers read (Jenkins' junit-10.xsd, the Ant task's): `<failure message type>` with
 * the details as text, `<skipped message>`, and `<error message type="error">` for a check that
 * reached no verdict (an unreachable target, a timeout: not a broken rule). A failure listed in the baseline is a known one, so it
 * is written as skipped and does not turn the build red; every other failure is a `<failure>` whose
 * `type` is the rule's level.
 */
import type { Protocol } from "../check.ts";
import type { CheckResult, Report } from "../report.ts";
import { failureDetails } from "./details.ts";

/** XML 1.0 §2.2 `Char`: everything else (most C0 controls, lone surrogates, U+FFFE/F) is dropped. */
const INVALID = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function escapeText(text: string): string {
  return text.replace(INVALID, "\uFFFD").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function escapeAttribute(text: string): string {
  return escapeText(text)
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/\t/g, "&#9;")
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;");
}

const attributes = (values: Record<string, string | number>): string =>
  Object.entries(values)
    .map(([name, value]) => ` ${name}="${escapeAttribute(String(value))}"`)
    .join("");

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

function firstLine(text: string | undefined): string {
  return (text ?? "").split("\n", 1)[0] ?? "";
}

function testcase(result: CheckResult): string {
  const head = `    <testcase${attributes({
    name: result.id,
    classname: `partwise.conformance.${result.protocol}`,
    time: seconds(result.durationMs),
  })}`;
  if (result.status === "passed") return `${head}/>`;
  if (result.status === "skipped")
    return `${head}>\n      <skipped${attributes({ message: result.message ?? "skipped" })}/>\n    </testcase>`;
  const details = escapeText(failureDetails(result));
  if (result.status === "error")
    return `${head}>\n      <error${attributes({
      message: firstLine(result.message) || "error",
      type: "error",
    })}>${details}</error>\n    </testcase>`;
  if (result.baseline)
    return `${head}>\n      <skipped${attributes({
      message: `known failure (baseline): ${firstLine(result.message)}`,
    })}>${details}</skipped>\n    </testcase>`;
  return `${head}>\n      <failure${attributes({
    message: firstLine(result.message) || "failed",
    type: result.level,
  })}>${details}</failure>\n    </testcase>`;
}

export function formatJunit(report: Report): string {
  const protocols = [...new Set(report.checks.map((c) => c.protocol))] as Protocol[];
  const counts = (checks: readonly CheckResult[]) => ({
    tests: checks.length,
    failures: checks.filter((c) => c.status === "failed" && !c.baseline).length,
    errors: checks.filter((c) => c.status === "error").length,
    skipped: checks.filter((c) => c.status === "skipped" || (c.status === "failed" && c.baseline)).length,
    time: seconds(checks.reduce((sum, c) => sum + c.durationMs, 0)),
  });
  const suites = protocols.map((protocol) => {
    const checks = report.checks.filter((c) => c.protocol === protocol);
    const properties = [
      ["seed", String(report.seed)],
      ["target", report.target],
      ["numRuns", String(report.numRuns)],
      ["strict", String(report.strict)],
    ]
      .map(
        ([name, value]) => `      <property${attributes({ name: name as string, value: value as string })}/>`,
      )
      .join("\n");
    return [
      `  <testsuite${attributes({
        name: protocol,
        ...counts(checks),
        timestamp: report.startedAt.replace(/\.\d+Z$/, ""),
        hostname: "localhost",
      })}>`,
      `    <properties>\n${properties}\n    </properties>`,
      ...checks.map(testcase),
      "  </testsuite>",
    ].join("\n");
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name: "partwise conformance", ...counts(report.checks) })}>`,
    ...suites,
    "</testsuites>",
    "",
  ].join("\n");
}
