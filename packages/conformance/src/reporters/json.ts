/** The JSON reporter: the report itself (the public contract's shape; `report-schema.ts` validates it). */
import type { Report } from "../report.ts";

export function formatJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
