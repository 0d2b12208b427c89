/**
 * Mutant servers for testing conformance suites (issue 6, "The suite is tested too"): each entry
 * deliberately breaks one rule of specs/rules.yaml, so a suite can show that the check of that
 * rule catches it. `BasespaceServerOptions.mutations` lists the rule ids to break; the handlers
 * consult `ctx.mutations.has(ruleId)` at the one place each rule is enforced, and a server
 * without mutations runs exactly the faithful code.
 *
 * Never use a mutation for anything but testing a conformance suite.
 */

/** What each mutation does instead of keeping its rule. */
export const BASESPACE_MUTATIONS = {
  "BS-AUTH": "accepts any non-empty token, known or not, as an identity of its own",
  "BS-AUTH-ISOLATION": "lets any token read, write, complete and abort any token's File",
  "BS-INIT-NAME": "initiates an upload without a name, calling the file `unnamed`",
  "BS-INIT-MULTIPART": "answers an initiation with a Path that leaves out the directory",
  "BS-SIMPLE-UPLOAD": "stores a simple upload without its last byte",
  "BS-PARAMS-ANYWHERE": "reads uploadstatus from the query only, never from a JSON or form body",
  "BS-PART-NUMBER": "accepts part numbers 0 and 10001",
  "BS-PART-MIN-SIZE": "reads the minimum of a non-final part as 4 MiB, so completes with a smaller part",
  "BS-PART-MAX-SIZE": "accepts parts up to 1 MiB over the maximum",
  "BS-PART-MD5": "ignores Content-MD5",
  "BS-PART-ETAG": "answers an ETag that is the MD5 of the part's hex digest, not of the part",
  "BS-PART-REPLACE": "keeps the first version of a part number and discards re-sent ones",
  "BS-PART-ANY-ORDER": "refuses (400) a part numbered below one already stored",
  "BS-COMPLETE-ORDER": "joins the parts in the order they were stored, not by ascending number",
  "BS-COMPLETE-STATUS": "answers a completion with 200 instead of 201",
  "BS-COMPLETE-EMPTY": "completes an upload without parts as an empty file",
  "BS-ABORT": "keeps accepting parts after an abort",
  "BS-ENVELOPE": "answers successes without Notifications",
  "BS-ERROR-ENVELOPE": "answers errors with the bare {ErrorCode, MessageFormatted} object, no ResponseStatus",
  "BS-DOWNLOAD": "ignores Range and answers the whole file",
} as const satisfies Record<string, string>;

export type BasespaceMutation = keyof typeof BASESPACE_MUTATIONS;

function isMutation(id: string): id is BasespaceMutation {
  return Object.hasOwn(BASESPACE_MUTATIONS, id);
}

/** The rules a server breaks, and the little extra state some mutants need. */
export class Mutations {
  private readonly broken: ReadonlySet<BasespaceMutation>;
  /** BS-COMPLETE-ORDER's mutant: part numbers of each upload in the order they were stored. */
  private readonly stored = new Map<string, number[]>();

  /** Throws a RangeError for an id that names no mutation, so a typo cannot test a faithful server. */
  constructor(ids: readonly string[] = []) {
    for (const id of ids)
      if (!isMutation(id))
        throw new RangeError(
          `Unknown BaseSpace mutation ${JSON.stringify(id)}; known: ${Object.keys(BASESPACE_MUTATIONS).join(", ")}`,
        );
    this.broken = new Set(ids as readonly BasespaceMutation[]);
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
