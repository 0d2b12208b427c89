/**
 * CI summaries for GitHub Actions: `--reporter github` prints one workflow command per broken rule
 * (`::error` for `must`, `::warning` for `should`, `::error` for checks with no verdict), which the
 * runner turns into annotations
 * (https://docs.github.com/actions/reference/workflow-commands-for-github-actions), and
 * `formatMarkdown` is the job summary appended to `GITHUB_STEP_SUMMARY`.
 */
import { type CheckResult, exitCodeOf, type Report } from "../report.ts";

/** Workflow-command data escaping: `%`, CR and LF (and `:`/`,` in properties). */
const data = (text: string): string => text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const property = (text: string): string => data(text).replace(/:/g, "%3A").replace(/,/g, "%2C");

function annotation(result: CheckResult): string | undefined {
  if (result.status === "passed" || result.status === "skipped" || result.baseline) return undefined;
  const kind = result.status === "failed" && result.level === "should" ? "warning" : "error";
  const title =
    result.status === "error"
      ? `${result.id}: no verdict (not a broken rule)`
      : `${result.id} (${result.level}) broken: ${result.title}`;
  const body = [result.message ?? result.status, result.replay ? `replay: ${result.replay}` : ""]
    .filter(Boolean)
    .join("\n");
  return `::${kind} title=${property(title)}::${data(body)}`;
}

export function formatGithub(report: Report): string {
  const lines = report.checks.map(annotation).filter((line): line is string => line !== undefined);
  for (const { protocol, target, cause } of report.untested ?? [])
    lines.push(
      `::error title=${property(`${protocol}: target could not be tested`)}::${data(`${target}: ${cause}`)}`,
    );
  const { passed, failed, skipped, errors, broken } = report.summary;
  lines.push(
    `partwise conformance: ${passed} passed, ${failed} failed, ${skipped} skipped, ${errors} errors, ${broken} broken · seed ${report.seed} · exit ${exitCodeOf(report)}`,
  );
  return `${lines.join("\n")}\n`;
}

const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

/** A Markdown summary of the run, for `GITHUB_STEP_SUMMARY`. */
export function formatMarkdown(report: Report): string {
  const code = exitCodeOf(report);
  const { passed, failed, skipped, errors, broken } = report.summary;
  const verdict =
    code === 0
      ? "✅ every must rule kept"
      : code === 1
        ? `❌ ${broken} rule${broken === 1 ? "" : "s"} broken`
        : "⚠️ not fully tested";
  const out = [
    `### partwise conformance · ${report.protocol} · ${verdict}`,
    "",
    `Target \`${cell(report.target)}\` · seed \`${report.seed}\` · exit ${code}`,
    "",
    "| passed | failed | skipped | error |",
    "| --- | --- | --- | --- |",
    `| ${passed} | ${failed} | ${skipped} | ${errors} |`,
  ];
  for (const { protocol, target, cause } of report.untested ?? [])
    out.push("", `**${protocol}**: \`${cell(target)}\` could not be tested: ${cell(cause)}`);
  const notable = report.checks.filter((c) => c.status === "failed" || c.status === "error");
  if (notable.length > 0) {
    out.push("", "| rule | level | status | why | replay |", "| --- | --- | --- | --- | --- |");
    for (const c of notable)
      out.push(
        `| ${c.id} | ${c.level} | ${c.status}${c.baseline ? " (known)" : ""} | ${cell((c.message ?? "").slice(0, 300))} | ${c.replay ? `\`${cell(c.replay)}\`` : ""} |`,
      );
  }
  return `${out.join("\n")}\n`;
}
