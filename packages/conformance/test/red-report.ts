/** A red run for the report tests: mutant reference servers, a few checks, every exchange recorded. */
import type { Report } from "../src/report.ts";
import { type RecordedExchange, runConformance } from "../src/runner.ts";

export async function redReport(): Promise<{
  report: Report;
  recorded: RecordedExchange[];
  secrets: string[];
}> {
  const recorded: RecordedExchange[] = [];
  const report = await runConformance({
    protocol: "all",
    embedded: { mutations: { basespace: ["BS-PART-NUMBER"], youforce: ["YF-METADATA-FIRST"] } },
    checks: [
      "BS-PART-NUMBER",
      "BS-AUTH",
      "BS-PART-MD5",
      "BS-COMPLETE-ORDER",
      "CV-AUTH",
      "CV-PART-URL-SIGNATURE",
      "YF-METADATA-FIRST",
      "YF-AUTH",
    ],
    seed: 424_242,
    numRuns: 5,
    onExchange: (entry) => recorded.push(entry),
  });
  // The embedded tokens are random and real-looking; collect them from what the servers saw.
  const secrets = [
    ...new Set(recorded.flatMap((r) => (r.exchange.requestHeaders ?? []).map(([, v]) => v))),
  ].filter((v) => /^(Bearer )?conformance-[ab]-[0-9a-f]{24}$/.test(v));
  return { report, recorded, secrets };
}
