/**
 * Mutant servers for testing conformance suites (issue 6, "The suite is tested too"): each entry
 * deliberately breaks one rule of specs/rules.yaml, so that a suite can show the check of that rule
 * catches it. `CavaticaServerOptions.mutations` lists the rule ids to break; the handlers consult
 * `breaks(context, ruleId)` (context.ts) at the one place each rule is enforced, and a server
 * without mutations runs exactly the faithful code.
 *
 * Never use a mutation for anything but testing a conformance suite.
 */

/** What each mutation does instead of keeping its rule. */
export const CAVATICA_MUTATIONS = {
  "CV-AUTH-ISOLATION": "lets any token read, report, complete and abort any token's upload",
  "CV-INIT-TARGET": "accepts `project` and `parent` together (the project wins)",
  "CV-PART-NUMBER": "hands out part URLs for part numbers 0 and 10001",
  "CV-PART-URL-EXPIRY": "accepts storage requests after the part URL's `expires`",
  "CV-PART-URL-SIGNATURE": "accepts storage URLs whose signature does not verify (tampered URLs)",
  "CV-STORAGE-ETAG": "answers (and then expects) an ETag that is the MD5 of the part's hex MD5, not its MD5",
  "CV-REPORT-ETAG": "records a reported ETag that does not match the stored part",
  "CV-COMPLETE-MISSING": "completes from the reported parts alone, skipping gaps and unreported parts",
  "CV-COMPLETE-MIN-SIZE": "completes with non-final parts under 5 MiB",
  "CV-COMPLETE-ORDER": "joins the parts in the order they were first stored, not by ascending number",
  "CV-ERROR-ENVELOPE":
    'answers errors (API and storage) with `{"error": message}` instead of `{status, code, message, more_info}`',
} as const satisfies Record<string, string>;

export type CavaticaMutation = keyof typeof CAVATICA_MUTATIONS;

function isMutation(id: string): id is CavaticaMutation {
  return Object.hasOwn(CAVATICA_MUTATIONS, id);
}

/** The rules to break. Throws a RangeError for an unknown id, so a typo cannot test a faithful server. */
export function parseMutations(ids: readonly string[] = []): ReadonlySet<CavaticaMutation> {
  for (const id of ids)
    if (!isMutation(id))
      throw new RangeError(
        `Unknown CAVATICA mutation ${JSON.stringify(id)}; known: ${Object.keys(CAVATICA_MUTATIONS).join(", ")}`,
      );
  return new Set(ids as readonly CavaticaMutation[]);
}
