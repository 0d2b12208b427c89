/**
 * Mutant servers for testing conformance suites (issue 6, "The suite is tested too"): each entry
 * deliberately breaks one rule of specs/rules.yaml, so a suite can show that the check of that
 * rule catches it. `BasespaceServerOptions.mutations` lists the rule ids to break; the handlers
 * consult `ctx.mutations.has(ruleId)` at the one place each rule is enforced, and a server
 * without mutations runs exactly the faithful code.
 *
 * Never use a mutation for anything but testing a conformance suite.
 */
import { type MutationCatalogue, parseMutations } from "@partwise/node";

/** What each mutation does instead of keeping its rule. */
export const BASESPACE_MUTATIONS = {
  "BS-AUTH": {
    breaks: "accepts any non-empty token, known or not, as an identity of its own",
    class: "rule",
  },
  "BS-AUTH-ISOLATION": {
    breaks: "lets any token read, write, complete and abort any token's File",
    class: "rule",
  },
  "BS-INIT-NAME": { breaks: "initiates an upload without a name, calling the file `unnamed`", class: "rule" },
  "BS-INIT-MULTIPART": {
    breaks: "answers an initiation with a Path that leaves out the directory",
    class: "rule",
  },
  "BS-SIMPLE-UPLOAD": { breaks: "stores a simple upload without its last byte", class: "rule" },
  "BS-PARAMS-ANYWHERE": {
    breaks: "reads uploadstatus from the query only, never from a JSON or form body",
    class: "rule",
  },
  "BS-PART-NUMBER": { breaks: "accepts part numbers 0 and 10001", class: "rule" },
  "BS-PART-MIN-SIZE": {
    breaks: "reads the minimum of a non-final part as 4 MiB, so completes with a smaller part",
    class: "rule",
  },
  "BS-PART-MAX-SIZE": { breaks: "accepts parts up to 1 MiB over the maximum", class: "rule" },
  "BS-PART-MD5": { breaks: "ignores Content-MD5", class: "rule" },
  "BS-PART-ETAG": {
    breaks: "answers an ETag that is the MD5 of the part's hex digest, not of the part",
    class: "rule",
  },
  "BS-PART-REPLACE": {
    breaks: "keeps the first version of a part number and discards re-sent ones",
    class: "rule",
  },
  "BS-PART-ANY-ORDER": { breaks: "refuses (400) a part numbered below one already stored", class: "rule" },
  "BS-COMPLETE-ORDER": {
    breaks: "joins the parts in the order they were stored, not by ascending number",
    class: "rule",
  },
  "BS-COMPLETE-STATUS": { breaks: "answers a completion with 200 instead of 201", class: "rule" },
  "BS-COMPLETE-EMPTY": { breaks: "completes an upload without parts as an empty file", class: "rule" },
  "BS-ABORT": { breaks: "keeps accepting parts after an abort", class: "rule" },
  "BS-ENVELOPE": { breaks: "answers successes without Notifications", class: "rule" },
  "BS-ERROR-ENVELOPE": {
    breaks: "answers errors with the bare {ErrorCode, MessageFormatted} object, no ResponseStatus",
    class: "rule",
  },
  "BS-DOWNLOAD": { breaks: "ignores Range and answers the whole file", class: "rule" },
} as const satisfies MutationCatalogue;

export type BasespaceMutation = keyof typeof BASESPACE_MUTATIONS;

/** The rules a server breaks, and the little extra state some mutants need. */
export class Mutations {
  private readonly broken: ReadonlySet<BasespaceMutation>;
  /** BS-COMPLETE-ORDER's mutant: part numbers of each upload in the order they were stored. */
  private readonly stored = new Map<string, number[]>();

  /** Throws a RangeError for an id that names no mutation, so a typo cannot test a faithful server. */
  constructor(ids: readonly string[] = []) {
    this.broken = parseMutations(BASESPACE_MUTATIONS, ids, "BaseSpace");
  }

  get size(): number {
    return this.broken.size;
  }

  has(rule: BasespaceMutation): boolean {
    return this.broken.has(rule);
  }

  /** Notes that part `number` of `fileId` was stored (again) now. */
  noteStored(fileId: string, number: number): void {
    const order = (this.stored.get(fileId) ?? []).filter((n) => n !== number);
    order.push(number);
    this.stored.set(fileId, order);
  }

  /** Where part `number` came in the storing order of `fileId` (parts never noted come last). */
  storedRank(fileId: string, number: number): number {
    const rank = this.stored.get(fileId)?.indexOf(number) ?? -1;
    return rank === -1 ? Number.MAX_SAFE_INTEGER : rank;
  }
}

/**
 * Rewrites a JSON answer for the envelope mutants: BS-ERROR-ENVELOPE turns an error envelope into
 * the bare `{ErrorCode, MessageFormatted}` object; BS-ENVELOPE drops `Notifications` from a success.
 */
export async function mutateAnswer(mutations: Mutations, response: Response): Promise<Response> {
  const isError = response.status >= 400;
  const rule: BasespaceMutation = isError ? "BS-ERROR-ENVELOPE" : "BS-ENVELOPE";
  if (!mutations.has(rule) || !response.headers.get("content-type")?.includes("application/json"))
    return response;
  const body = (await response.json()) as Record<string, unknown>;
  let mutated: unknown;
  if (isError) {
    const status = (body.ResponseStatus ?? {}) as { ErrorCode?: unknown; Message?: unknown };
    mutated = { ErrorCode: status.ErrorCode, MessageFormatted: status.Message };
  } else {
    const { Notifications: _dropped, ...rest } = body;
    mutated = rest;
  }
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  return new Response(JSON.stringify(mutated), { status: response.status, headers });
}
