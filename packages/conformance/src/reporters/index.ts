/**
 * The reporters: pretty (people, terminal), html (people, a self-contained page), JSON (the report
 * itself), JUnit XML (CI), github (annotations for GitHub Actions).
 */
import type { Report } from "../report.ts";
import { formatGithub } from "./github.ts";
import { formatHtml } from "./html.ts";
import { formatJson } from "./json.ts";
import { formatJunit } from "./junit.ts";
import { formatPretty, type PrettyOptions } from "./pretty.ts";

export { failureDetails, formatExchange } from "./details.ts";
export { formatGithub, formatMarkdown } from "./github.ts";
export { formatHar } from "./har.ts";
export { escapeHtml, formatHtml } from "./html.ts";
export { formatJson } from "./json.ts";
export { formatJunit } from "./junit.ts";
export { formatPretty, type PrettyOptions, progressPrinter } from "./pretty.ts";

export const REPORTERS = ["pretty", "json", "junit", "html", "github"] as const;
export type ReporterName = (typeof REPORTERS)[number];

export function formatReport(report: Report, reporter: ReporterName, options: PrettyOptions = {}): string {
  switch (reporter) {
    case "pretty":
      return formatPretty(report, options);
    case "json":
      return formatJson(report);
    case "junit":
      return formatJunit(report);
    case "html":
      return formatHtml(report);
    case "github":
      return formatGithub(report);
  }
}
