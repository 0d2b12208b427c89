/**
 * The structure of a JUnit XML report as CI servers read it (Jenkins' junit-10.xsd, after the Ant
 * task's JUnit.xsd): `testsuites` > `testsuite` (name, tests, failures, errors, time; optional
 * skipped, timestamp, hostname) > optional `properties` > `property` (name, value), then
 * `testcase` (name, classname, time) with at most one `failure` (message, type), `error` or
 * `skipped`, and optional `system-out`/`system-err`. Counts must agree with the test cases.
 */
import type { XmlElement } from "./xml.ts";

const INTEGER = /^\d+$/;
const DECIMAL = /^\d+(\.\d+)?$/;
/** Ant's ISO8601_DATETIME_PATTERN: no zone designator. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

export function junitIssues(root: XmlElement): string[] {
  const issues: string[] = [];
  const need = (element: XmlElement, name: string, pattern?: RegExp, where = element.name) => {
    const value = element.attributes[name];
    if (value === undefined) issues.push(`<${where}> lacks ${name}`);
    else if (pattern && !pattern.test(value))
      issues.push(`<${where}> ${name}="${value}" does not match ${pattern}`);
    return value;
  };
  const only = (element: XmlElement, allowed: readonly string[]) => {
    for (const child of element.children)
      if (!allowed.includes(child.name)) issues.push(`<${child.name}> may not appear in <${element.name}>`);
  };

  if (root.name !== "testsuites") return [`the root is <${root.name}>, not <testsuites>`];
  only(root, ["testsuite"]);
  let allTests = 0;
  let allFailures = 0;
  for (const suite of root.children) {
    const name = need(suite, "name") ?? "?";
    const where = `testsuite ${name}`;
    const tests = need(suite, "tests", INTEGER, where);
    const failures = need(suite, "failures", INTEGER, where);
    need(suite, "errors", INTEGER, where);
    need(suite, "time", DECIMAL, where);
    const skipped = suite.attributes.skipped;
    if (skipped !== undefined && !INTEGER.test(skipped)) issues.push(`<${where}> skipped="${skipped}"`);
    const timestamp = suite.attributes.timestamp;
    if (timestamp !== undefined && !TIMESTAMP.test(timestamp))
      issues.push(`<${where}> timestamp="${timestamp}"`);
    only(suite, ["properties", "testcase", "system-out", "system-err"]);
    const properties = suite.children.filter((c) => c.name === "properties");
    if (properties.length > 1) issues.push(`<${where}> has more than one <properties>`);
    if (properties[0] && suite.children[0] !== properties[0])
      issues.push(`<${where}>: <properties> comes first`);
    for (const property of properties.flatMap((p) => p.children)) {
      if (property.name !== "property") issues.push(`<${property.name}> in <properties>`);
      need(property, "name");
      need(property, "value");
    }
    const cases = suite.children.filter((c) => c.name === "testcase");
    let failed = 0;
    let skips = 0;
    for (const testcase of cases) {
      const caseName = need(testcase, "name") ?? "?";
      need(testcase, "classname", undefined, `testcase ${caseName}`);
      need(testcase, "time", DECIMAL, `testcase ${caseName}`);
      only(testcase, ["failure", "error", "skipped", "system-out", "system-err"]);
      const outcomes = testcase.children.filter((c) => ["failure", "error", "skipped"].includes(c.name));
      if (outcomes.length > 1) issues.push(`<testcase ${caseName}> has ${outcomes.length} outcomes`);
      for (const outcome of outcomes) {
        if (outcome.children.length > 0) issues.push(`<${outcome.name}> of ${caseName} holds elements`);
        if (outcome.name === "failure") {
          failed += 1;
          need(outcome, "message", undefined, `failure of ${caseName}`);
          need(outcome, "type", undefined, `failure of ${caseName}`);
        }
        if (outcome.name === "skipped") skips += 1;
      }
    }
    if (tests !== undefined && Number(tests) !== cases.length)
      issues.push(`<${where}> tests="${tests}" but it has ${cases.length} test cases`);
    if (failures !== undefined && Number(failures) !== failed)
      issues.push(`<${where}> failures="${failures}" but ${failed} test cases failed`);
    if (skipped !== undefined && Number(skipped) !== skips)
      issues.push(`<${where}> skipped="${skipped}" but ${skips} test cases were skipped`);
    allTests += cases.length;
    allFailures += failed;
  }
  const { tests, failures } = root.attributes;
  if (tests !== undefined && Number(tests) !== allTests)
    issues.push(`<testsuites> tests="${tests}" ≠ ${allTests}`);
  if (failures !== undefined && Number(failures) !== allFailures)
    issues.push(`<testsuites> failures="${failures}" ≠ ${allFailures}`);
  return issues;
}
