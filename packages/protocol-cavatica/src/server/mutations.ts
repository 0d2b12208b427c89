/**
 * Mutant servers for testing conformance suites (issue 6, "The suite is tested too"): each entry
 * deliberately breaks one rule of specs/rules.yaml, so that a suite can show the check of that rule
 * catches it. `CavaticaServerOptions.mutations` lists the rule ids to break; the handlers consult
 * `breaks(context, ruleId)` (context.ts) at the one place each rule is enforced, and a server
 * without mutations runs exactly the faithful code.
 *
 * Never use a mutation for anything but testing a conformance suite.
 */
import { type MutationCatalogue, parseMutations } from "@partwise/node";

/** What each mutation does instead of keeping its rule. */
export const CAVATICA_MUTATIONS = {
  "CV-AUTH-ISOLATION": {
    breaks: "lets any token read, report, complete and abort any token's upload",
    class: "rule",
  },
  "CV-INIT-TARGET": { breaks: "accepts `project` and `parent` together (the project wins)", class: "rule" },
  "CV-PART-NUMBER": { breaks: "hands out part URLs for part numbers 0 and 10001", class: "rule" },
  "CV-PART-URL-EXPIRY": { breaks: "accepts storage requests after the part URL's `expires`", class: "rule" },
  "CV-PART-URL-SIGNATURE": {
    breaks: "accepts storage URLs whose signature does not verify (tampered URLs)",
    class: "rule",
  },
  "CV-STORAGE-ETAG": {
    breaks: "answers (and then expects) an ETag that is the MD5 of the part's hex MD5, not its MD5",
    class: "rule",
  },
  "CV-REPORT-ETAG": { breaks: "records a reported ETag that does not match the stored part", class: "rule" },
  "CV-COMPLETE-MISSING": {
    breaks: "completes from the reported parts alone, skipping gaps and unreported parts",
    class: "rule",
  },
  "CV-COMPLETE-MIN-SIZE": { breaks: "completes with non-final parts under 5 MiB", class: "rule" },
  "CV-COMPLETE-ORDER": {
    breaks: "joins the parts in the order they were first stored, not by ascending number",
    class: "rule",
  },
  "CV-ERROR-ENVELOPE": {
    breaks:
      'answers errors (API and storage) with `{"error": message}` instead of `{status, code, message, more_info}`',
    class: "rule",
  },
} as const satisfies MutationCatalogue;

export type CavaticaMutation = keyof typeof CAVATICA_MUTATIONS;

/** The rules to break. Throws a RangeError for an unknown id, so a typo cannot test a faithful server. */
export function parseCavaticaMutations(ids: readonly string[] = []): ReadonlySet<CavaticaMutation> {
  return parseMutations(CAVATICA_MUTATIONS, ids, "CAVATICA");
}
