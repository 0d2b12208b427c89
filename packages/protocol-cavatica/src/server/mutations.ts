/**
 * Mutant servers for testing conformance suites: each entry deliberately breaks one rule of
 * specs/rules.yaml, as a plausible implementation mistake would, so that a suite can show the check
 * of that rule catches it. The id is the rule id, optionally `:variant` when a rule has several
 * mutants; `class` is the kind of bug (`MUTATION_CLASSES` of @partwise/node). The handlers consult
 * `breaks(context, id)` (context.ts) at the one place each rule is enforced, and a server without
 * mutations runs exactly the faithful code.
 *
 * Never use a mutation for anything but testing a conformance suite.
 */
import { type MutationCatalogue, parseMutations } from "@partwise/node";

/** What each mutation does instead of keeping its rule, and its class of bug. */
export const CAVATICA_MUTATIONS = {
  "CV-AUTH": {
    breaks: "answers the upload list to a request without a token (an empty list)",
    class: "rule",
  },
  "CV-AUTH-ISOLATION": {
    breaks: "lets any token read, report, complete and abort any token's upload",
    class: "rule",
  },
  "CV-AUTH-ISOLATION:abort": {
    breaks: "isolates every verb but abort: another token can abort an upload",
    class: "isolation-verb",
  },
  "CV-AUTH-ISOLATION:report": {
    breaks: "isolates every verb but the part reports: another token can report parts",
    class: "isolation-verb",
  },
  "CV-AUTH-ISOLATION:part-url": {
    breaks: "isolates every verb but get part URL: another token gets signed URLs for the upload",
    class: "isolation-verb",
  },
  "CV-AUTH-ISOLATION:complete": {
    breaks: "isolates every verb but complete: another token can complete an upload",
    class: "isolation-verb",
  },
  "CV-INIT-TARGET": { breaks: "accepts `project` and `parent` together (the project wins)", class: "rule" },
  "CV-INIT-NAME": { breaks: "accepts an init without a name, naming the file `untitled`", class: "rule" },
  "CV-INIT-NAME-CHARS": { breaks: "accepts names containing `/`", class: "rule" },
  "CV-INIT-NAME-CHARS:ascii-only": {
    breaks: "refuses names with spaces or non-ASCII letters (a client-side rule of sevenbridges2)",
    class: "too-strict",
  },
  "CV-INIT-OVERWRITE": {
    breaks: "accepts an existing name without overwrite and completes it as a second file",
    class: "rule",
  },
  "CV-BOOLEAN-QUERY": {
    breaks: "refuses `True` for the boolean query flags (only `true`/`false`)",
    class: "too-strict",
  },
  "CV-PART-SIZE-PREFERENCE": {
    breaks: "refuses an init whose preferred part_size is outside 5 MiB..5 GiB instead of replacing it",
    class: "too-strict",
  },
  "CV-PART-SIZE": {
    breaks: "answers part_size ceil(size / 10000) without the 5 MiB floor (e.g. 1 byte for small files)",
    class: "server-value",
  },
  "CV-PART-NUMBER": { breaks: "hands out a part URL for part number 0", class: "rule" },
  "CV-PART-NUMBER-MAX": { breaks: "hands out a part URL for part number 10001", class: "rule" },
  "CV-MAX-FILE-SIZE": { breaks: "accepts an init declaring more than 5 TiB", class: "rule" },
  "CV-PART-URL": { breaks: "answers a relative part `url` (a path without scheme and host)", class: "rule" },
  "CV-PART-URL-LIFETIME": {
    breaks: "answers an `expires` an hour in the past (a time zone slip)",
    class: "server-value",
  },
  "CV-PART-URL-EXPIRY": { breaks: "accepts storage requests after the part URL's `expires`", class: "rule" },
  "CV-PART-URL-SIGNATURE": {
    breaks: "accepts storage URLs whose signature does not verify (tampered URLs)",
    class: "rule",
  },
  "CV-PART-URL-SIGNATURE:part-number": {
    breaks: "signs part URLs without the part number: a URL for part 2 edited to part 3 stores part 3",
    class: "signed-url-scope",
  },
  "CV-PART-URL-SIGNATURE:upload": {
    breaks: "signs part URLs without the upload id: a URL of upload A edited to upload B stores into B",
    class: "signed-url-scope",
  },
  "CV-PART-URL-METHOD": {
    breaks: "serves a part URL whatever the method: GET, POST and DELETE store (empty) parts",
    class: "signed-url-scope",
  },
  "CV-SUCCESS-CODES": {
    breaks: "answers storage PUTs with 201 while success_codes lists only 200",
    class: "rule",
  },
  "CV-REPORT-HEADERS": {
    breaks: "answers storage PUTs without the ETag header report.headers names",
    class: "rule",
  },
  "CV-STORAGE-ETAG": {
    breaks: "answers (and then expects) an ETag that is the MD5 of the part's hex MD5, not its MD5",
    class: "rule",
  },
  "CV-STORAGE-ETAG:large": {
    breaks: "hashes only the first 5 MiB of a part: the ETag of a larger part is wrong",
    class: "large-part",
  },
  "CV-REPORT-BODY": { breaks: "takes a report without part_number as a report of part 1", class: "rule" },
  "CV-REPORT-BODY:quoted": {
    breaks: "refuses a reported ETag with its quotes, as collected from the storage response",
    class: "too-strict",
  },
  "CV-REPORT-ETAG": { breaks: "records a reported ETag that does not match the stored part", class: "rule" },
  "CV-REPORT-BATCH": {
    breaks: "takes a batch body without a parts array as an empty batch (200)",
    class: "rule",
  },
  "CV-LIST-PARTS": {
    breaks: "counts the stored parts, reported or not, in uploaded_parts_count",
    class: "rule",
  },
  "CV-LIST-PARTS-ORDER": { breaks: "lists the parts in the order they were reported", class: "list-order" },
  "CV-LIST-PARTS-ORDER:lexicographic": {
    breaks: "lists the parts sorted as text (1, 10, 11, 2, …)",
    class: "order-10",
  },
  "CV-COMPLETE-MISSING": {
    breaks: "completes from the reported parts alone, dropping stored parts never reported",
    class: "rule",
  },
  "CV-COMPLETE-MIN-SIZE": { breaks: "completes with non-final parts under 5 MiB", class: "rule" },
  "CV-COMPLETE-ORDER": {
    breaks: "joins the parts in the order they were first stored, not by ascending number",
    class: "rule",
  },
  "CV-COMPLETE-ORDER:lexicographic": {
    breaks: "joins the parts sorted by part number as text (1, 10, 11, 2, …)",
    class: "order-10",
  },
  "CV-COMPLETE-ORDER:lost-update": {
    breaks:
      "records a stored part by rewriting the upload's part table read before the bytes arrived, so parts stored at the same time lose each other",
    class: "concurrency",
  },
  "CV-COMPLETE-ORDER:inflight-resend": {
    breaks:
      "when a part is re-sent while its first copy is in flight, keeps the bytes of the copy that finished last but the MD5 of the one that finished first",
    class: "concurrency",
  },
  "CV-COMPLETE-ORDER:shorter-resend": {
    breaks: "keeps the size of the earlier copy when a part is re-sent shorter (the file keeps stale bytes)",
    class: "shorter-resend",
  },
  "CV-COMPLETE-FILE": {
    breaks: "answers the completion with the upload details instead of the File (no id, no size)",
    class: "rule",
  },
  "CV-COMPLETE-FILE:requires-body": {
    breaks: "refuses a completion without the `{parts: [...]}` body the documents call optional",
    class: "too-strict",
  },
  "CV-COMPLETE-TERMINAL": {
    breaks: "answers an abort of a completed upload with 204 and deletes the file it created",
    class: "terminal-state",
  },
  "CV-ABORT": {
    breaks: "answers storage PUTs of an aborted upload with 200 (a storage that never hears of the abort)",
    class: "terminal-state",
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
