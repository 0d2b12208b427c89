/** The reporters: pretty (people), JSON (DESIGN.md's report), JUnit XML (CI). */
import type { Report } from "../report.ts";
import { formatJson } from "./json.ts";
import { formatJunit } from "./junit.ts";
import { formatPretty, type PrettyOptions } from "./pretty.ts";

export { failureDetails, formatExchange } from "./details.ts";
export { formatJson } from "./json.ts";
export { formatJunit } from "./junit.ts";
export { formatPretty, type PrettyOptions, progressPrinter } from "./pretty.ts";

export const REPORTERS = ["pretty", "json", "junit"] as const;
export type ReporterName = (typeof REPORTERS)[number];

export function formatReport(report: Report, reporter: ReporterName, options: PrettyOptions = {}): string {
  switch (reporter) {
    case "pretty":
      return formatPretty(report, options);
    case "json":
      return formatJson(report);
    case "junit":
      return formatJunit(report);
  }
}
