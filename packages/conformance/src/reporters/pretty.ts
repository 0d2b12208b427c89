/**
 * The pretty reporter, for people: progress lines while the checks run (on stderr), then a table by
 * rule (id, level, status, duration), every failure in full (rule, counterexample, exchange, replay
 * command), why each skipped rule was skipped, and a summary with the exit code it leads to.
 */
import { type CheckResult, exitCodeOf, type Report, type Status } from "../report.ts";
import type { ProgressEvent } from "../runner.ts";
import { failureLines, formatExchange, printable } from "./details.ts";

export interface PrettyOptions {
  /** ANSI colours (a terminal without NO_COLOR). */
  readonly color?: boolean | undefined;
}

type Paint = (code: number, text: string) => string;
const painter =
  (color: boolean | undefined): Paint =>
  (code, text) =>
    color ? `\u001b[${code}m${text}\u001b[0m` : text;

const SYMBOL: Record<Status, string> = { passed: "✓", failed: "✗", skipped: "-", error: "!" };
const COLOUR: Record<Status, number> = { passed: 32, failed: 31, skipped: 33, error: 35 };

const duration = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

function statusText(result: CheckResult): string {
  if (result.status === "failed" && result.baseline) return "failed (known)";
  if (result.unchecked) return `${result.status} (no check)`;
  return result.status;
}

/** One line per finished check, for `onProgress`. */
export function progressPrinter(
  write: (text: string) => void,
  options: PrettyOptions = {},
): (event: ProgressEvent) => void {
  const paint = painter(options.color);
  return (event) => {
    if (event.kind !== "finished") return;
    const { result, done, total } = event;
    const width = String(total).length;
    write(
      `[${String(done).padStart(width)}/${total}] ${paint(COLOUR[result.status], `${SYMBOL[result.status]} ${statusText(result)}`)} ${result.id} ${paint(2, duration(result.durationMs))}\n`,
    );
  };
}

export function formatPretty(report: Report, options: PrettyOptions = {}): string {
  const paint = painter(options.color);
  const out: string[] = [];
  out.push(
    `partwise conformance · protocol ${report.protocol} · target ${report.target} · seed ${report.seed} · ${report.checks.length} rules`,
    "",
  );
  const untested = new Set((report.untested ?? []).map((u) => u.protocol));
  for (const { protocol, target, cause } of report.untested ?? [])
    out.push(
      paint(35, printable(`! ${protocol}: ${target} could not be tested: ${cause}. No rule was judged.`)),
      "",
    );
  const tested = report.checks.filter((c) => !untested.has(c.protocol));
  const idWidth = Math.max(4, ...tested.map((c) => c.id.length));
  const statusWidth = Math.max(6, ...tested.map((c) => statusText(c).length + 2));
  if (tested.length > 0)
    out.push(
      paint(
        1,
        `${"RULE".padEnd(idWidth)}  LEVEL   ${"STATUS".padEnd(statusWidth)}  ${"TIME".padEnd(8)}  TITLE`,
      ),
    );
  for (const result of tested) {
    const status = `${SYMBOL[result.status]} ${statusText(result)}`.padEnd(statusWidth);
    out.push(
      `${result.id.padEnd(idWidth)}  ${result.level.padEnd(6)}  ${paint(COLOUR[result.status], status)}  ${duration(result.durationMs).padEnd(8)}  ${printable(result.title)}`,
    );
  }
  const failures = report.checks.filter((c) => c.status === "failed");
  if (failures.length > 0) {
    out.push("", paint(1, `Failures (${failures.length})`));
    for (const failure of failures) {
      const [head, ...rest] = failureLines(failure);
      out.push("", paint(31, `✗ ${head}`), ...rest);
    }
  }
  const errors = tested.filter((c) => c.status === "error");
  if (errors.length > 0) {
    out.push("", paint(1, `Errors (${errors.length}): no verdict, not a broken rule`));
    for (const result of errors) {
      out.push(printable(`! ${result.id}: ${result.message ?? "error"}`));
      if (result.exchange)
        out.push(`  last exchange: ${formatExchange(result.exchange, "                 ")}`);
    }
  }
  const skipped = report.checks.filter((c) => c.status === "skipped");
  if (skipped.length > 0) {
    out.push("", paint(1, `Skipped (${skipped.length}): not tested against this target`));
    for (const result of skipped) out.push(printable(`- ${result.id}: ${result.message ?? "skipped"}`));
  }
  if (report.baselinePassing && report.baselinePassing.length > 0)
    out.push(
      "",
      `In the baseline but passing now (remove them from it): ${report.baselinePassing.join(", ")}`,
    );
  const { passed, failed, skipped: skips, errors: errored, baselined, broken } = report.summary;
  const code = exitCodeOf(report);
  out.push(
    "",
    `${paint(32, `${passed} passed`)}, ${paint(failed > 0 ? 31 : 0, `${failed} failed`)}${baselined > 0 ? ` (${baselined} known)` : ""}, ${skips} skipped${errored > 0 ? `, ${paint(35, `${errored} error${errored === 1 ? "" : "s"}`)}` : ""} · ${broken} rule${broken === 1 ? "" : "s"} broken${report.strict ? " (strict)" : ""}${report.interrupted ? " · interrupted" : ""} · seed ${report.seed} · ${duration(report.durationMs)} · exit ${code}`,
    "",
  );
  return out.join("\n");
}
