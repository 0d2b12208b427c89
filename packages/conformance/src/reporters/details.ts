/**
 * What every reporter shows of a failure: the rule id and statement, why it failed, the shrunk
 * counterexample, the HTTP exchange that broke the rule (method, URL without credentials, status,
 * body excerpts) and the command that replays it.
 */
import type { Exchange } from "../check.ts";
import type { CheckResult } from "../report.ts";

/**
 * Text from the server under test made safe to print: control characters (terminal escapes, a
 * carriage return that would overwrite the line) and bidirectional overrides are shown as escapes;
 * CR stays visible as `\r`, since line endings matter to the MIME rules.
 */
export function printable(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (code === 0x0d) out += "\\r";
    else if (
      (code < 0x20 && code !== 0x09 && code !== 0x0a) ||
      (code >= 0x7f && code <= 0x9f) ||
      (code >= 0x202a && code <= 0x202e) ||
      (code >= 0x2066 && code <= 0x2069)
    )
      out += code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16)}`;
    else out += char;
  }
  return out;
}

const indent = (text: string, by: string): string => printable(text).replace(/\n/g, `\n${by}`);

export function formatExchange(exchange: Exchange, by = "  "): string {
  const lines = [printable(`${exchange.method} ${exchange.url} → ${exchange.status}`)];
  if (exchange.requestExcerpt)
    lines.push(`request body:  ${indent(exchange.requestExcerpt, `${by}               `)}`);
  if (exchange.responseExcerpt)
    lines.push(`response body: ${indent(exchange.responseExcerpt, `${by}               `)}`);
  return lines.join(`\n${by}`);
}

/** The lines of one failure, without colour. */
export function failureLines(result: CheckResult): string[] {
  const lines = [
    `${result.id} (${result.level}${result.baseline ? ", known failure" : ""}): ${result.title}`,
  ];
  if (result.statement) lines.push(`  rule:           ${indent(result.statement, "                  ")}`);
  if (result.message) lines.push(`  failed:         ${indent(result.message, "                  ")}`);
  if (result.counterexample !== undefined)
    lines.push(`  counterexample: ${indent(result.counterexample, "                  ")}`);
  if (result.seed !== undefined)
    lines.push(`  seed:           ${result.seed}${result.path ? `   path: ${result.path}` : ""}`);
  if (result.exchange)
    lines.push(`  exchange:       ${formatExchange(result.exchange, "                  ")}`);
  if (result.replay) lines.push(`  replay:         ${result.replay}`);
  return lines;
}

export function failureDetails(result: CheckResult): string {
  return failureLines(result).join("\n");
}
