/**
 * `partwise conformance --list`: every rule of the catalogue with its id, protocol, level, title and
 * what its check needs of a target (a second token, data, waiting), so a team can plan `--checks`,
 * `--baseline`, `--max-bytes` and `--wait` before it runs anything.
 */
import type { Check, Need, Protocol } from "./check.ts";
import { RULES, type RuleEntry } from "./generated/rules.ts";
import { PROTOCOLS, protocolOfRule } from "./runner.ts";

export interface ListedRule {
  readonly id: string;
  readonly protocol: Protocol;
  readonly level: "must" | "should";
  readonly title: string;
  readonly statement: string;
  readonly source: string;
  /** Whether a check implements the rule (a must rule without one fails every run). */
  readonly checked: boolean;
  readonly needs: readonly Need[];
}

const NEED_TEXT: Record<Need, string> = {
  "second-token": "a second token (--other-token)",
  data: "uploads of several MiB (--max-bytes)",
  waiting: "waits for the server's clock (--wait)",
};

/** The rules of the chosen protocols, in catalogue order. */
export async function listRules(
  options: {
    readonly protocol?: Protocol | "all" | undefined;
    readonly rules?: readonly RuleEntry[] | undefined;
    readonly suite?: readonly Check[] | undefined;
  } = {},
): Promise<ListedRule[]> {
  const protocols =
    options.protocol === undefined || options.protocol === "all" ? PROTOCOLS : [options.protocol];
  const suite = options.suite ?? (await import("./checks/index.ts")).ALL_CHECKS;
  const checks = new Map(suite.map((check) => [check.id, check]));
  return (options.rules ?? RULES)
    .filter((rule) => protocols.includes(protocolOfRule(rule)))
    .map((rule) => {
      const check = checks.get(rule.id);
      return {
        id: rule.id,
        protocol: protocolOfRule(rule),
        level: rule.level,
        title: check?.title ?? rule.statement,
        statement: rule.statement,
        source: rule.source,
        checked: check !== undefined,
        needs: check?.needs ?? [],
      };
    });
}

/** The list as a table for people, or as JSON (one array). */
export function formatRuleList(rules: readonly ListedRule[], format: "text" | "json" = "text"): string {
  if (format === "json") return `${JSON.stringify(rules, null, 2)}\n`;
  const idWidth = Math.max(4, ...rules.map((r) => r.id.length));
  const lines = [`${"RULE".padEnd(idWidth)}  LEVEL   TITLE`];
  for (const rule of rules) {
    lines.push(
      `${rule.id.padEnd(idWidth)}  ${rule.level.padEnd(6)}  ${rule.title}${rule.checked ? "" : " (no check yet)"}`,
    );
    if (rule.needs.length > 0)
      lines.push(`${"".padEnd(idWidth)}          needs ${rule.needs.map((n) => NEED_TEXT[n]).join("; ")}`);
  }
  const must = rules.filter((r) => r.level === "must").length;
  lines.push(
    "",
    `${rules.length} rules: ${must} must (a document states them), ${rules.length - must} should (inferred)`,
  );
  return `${lines.join("\n")}\n`;
}
