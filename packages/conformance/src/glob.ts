/**
 * `--checks` filters: rule-id globs, comma-separated (`BS-PART-*,CV-AUTH`), `*` any run of
 * characters and `?` one character, matched without regard to case.
 */

export type RuleFilter = (id: string) => boolean;

export function ruleFilter(globs: string | readonly string[] | undefined): RuleFilter {
  const patterns = (typeof globs === "string" ? [globs] : (globs ?? []))
    .flatMap((glob) => glob.split(","))
    .map((glob) => glob.trim())
    .filter((glob) => glob.length > 0);
  if (patterns.length === 0) return () => true;
  const expressions = patterns.map(
    (glob) =>
      new RegExp(
        `^${glob
          .split("")
          .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
          .join("")}$`,
        "i",
      ),
  );
  return (id) => expressions.some((expression) => expression.test(id));
}
