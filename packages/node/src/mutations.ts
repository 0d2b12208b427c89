/**
 * Readings and mutations: the two ways a reference server departs from its default behaviour, for
 * testing conformance suites.
 *
 * A **reading** is a faithful interpretation of the documents. Where they leave a point open (a
 * status code, a unit, a casing, a body shape, an optional parameter), `default` picks the answer
 * the real service is believed to give, `lenient` accepts everything the documents do not forbid,
 * and `strict` refuses everything the documents allow a server to refuse and takes the other answer
 * wherever there is a choice. A suite must pass all three.
 *
 * A **mutation** is a deliberate break of one rule of specs/rules.yaml, as a plausible implementation
 * mistake would break it. Its id is the rule id, optionally followed by `:variant` when a rule has
 * several mutants (`CV-COMPLETE-ORDER:lexicographic`). Each belongs to a class of bug, so the
 * suite's self-test can report how many of each kind it catches. A mutated server is not a
 * reference server: use mutations only to test a conformance suite.
 */

/** The readings every reference server offers. */
export const READINGS = ["default", "lenient", "strict"] as const;
export type Reading = (typeof READINGS)[number];

/**
 * What a server's non-default readings do to the suite: the `should` rules each reading legitimately
 * breaks (rule id → why: the rule is an inference the reading contradicts). A reading never breaks
 * a `must` rule; the suite's self-test allows exactly these failures and no others.
 */
export type ReadingCatalogue = Readonly<
  Record<Exclude<Reading, "default">, { readonly contradicts: Readonly<Record<string, string>> }>
>;

/** Parses a reading name; a RangeError names the valid ones. */
export function parseReading(value: string | undefined): Reading {
  if (value === undefined) return "default";
  if ((READINGS as readonly string[]).includes(value)) return value as Reading;
  throw new RangeError(`reading: ${JSON.stringify(value)} is not one of ${READINGS.join(", ")}`);
}

/**
 * The classes of bug a mutation belongs to. `rule` is the plain break of its rule; the others are the
 * kinds of bug that real servers have and that a suite tested only against plain breaks misses.
 */
export const MUTATION_CLASSES = {
  rule: "breaks the rule plainly",
  "too-strict": "refuses something the documents allow (a false failure for clients)",
  concurrency: "mishandles parts or chunks of one upload that arrive at the same time",
  "order-10": "orders parts or chunk positions as text, which differs from numbers from 10 on",
  "terminal-state": "accepts parts, replacements or transitions after complete or abort",
  "large-part": "mishandles Content-MD5 or ETags of parts near the maximum size",
  "shorter-resend": "keeps bytes of an earlier, longer copy of a part re-sent shorter",
  "signed-url-scope": "honours a signed URL beyond its upload, part number, method or lifetime",
  "server-value": "returns a value it chooses outside the documented limits",
  "list-order": "lists in the wrong order or paginates wrongly",
  "boundary-split": "mishandles a MIME boundary that falls across network reads",
  "file-name": "mishandles file names with several extensions or mixed case",
  "isolation-verb": "isolates tokens for some verbs but not all",
} as const satisfies Record<string, string>;
export type MutationClass = keyof typeof MUTATION_CLASSES;

/** What one mutation does instead of keeping its rule, and its class of bug. */
export interface MutationInfo {
  readonly breaks: string;
  readonly class: MutationClass;
}

export type MutationCatalogue = Readonly<Record<string, MutationInfo>>;

/** The rule id a mutation breaks: its id up to the first `:`. */
export function ruleOfMutation(id: string): string {
  const colon = id.indexOf(":");
  return colon === -1 ? id : id.slice(0, colon);
}

/**
 * The mutations of a server's `mutations` option as a set of known ids. An unknown id is a
 * configuration error (a RangeError listing the known ones), never a silently faithful server.
 */
export function parseMutations<C extends MutationCatalogue>(
  catalogue: C,
  ids: readonly string[] | undefined,
  server: string,
): ReadonlySet<keyof C & string> {
  const set = new Set<keyof C & string>();
  for (const id of ids ?? []) {
    if (!Object.hasOwn(catalogue, id))
      throw new RangeError(
        `Unknown ${server} mutation ${JSON.stringify(id)}; known: ${Object.keys(catalogue).join(", ")}`,
      );
    set.add(id as keyof C & string);
  }
  return set;
}
