/**
 * Mutant servers for testing conformance suites: each entry deliberately breaks one rule of
 * specs/rules.yaml (id `RULE` or `RULE:variant`) as a plausible implementation mistake would, so a
 * suite can show that the check of that rule catches it. `BasespaceServerOptions.mutations` lists
 * the ids to break; the handlers consult `ctx.mutations.has(id)` at the one place each rule is
 * enforced, and a server without mutations runs exactly the faithful code.
 *
 * Never use a mutation for anything but testing a conformance suite.
 */
import { type MutationCatalogue, parseMutations } from "@partwise/node";

/** What each mutation does instead of keeping its rule, and its class of bug. */
export const BASESPACE_MUTATIONS = {
  "BS-AUTH": {
    breaks: "accepts any non-empty token, known or not, as an identity of its own",
    class: "rule",
  },
  "BS-AUTH-401": { breaks: "answers 403 instead of 401 to a missing or unknown token", class: "rule" },
  "BS-AUTH-CARRIERS": {
    breaks: "reads the token from x-access-token only; Authorization Bearer and access_token get 401",
    class: "too-strict",
  },
  "BS-AUTH-ISOLATION": {
    breaks: "lets any token read, write, complete and abort any token's File",
    class: "rule",
  },
  "BS-AUTH-ISOLATION:part": {
    breaks: "lets any token PUT parts to any token's upload (the other verbs stay isolated)",
    class: "isolation-verb",
  },
  "BS-AUTH-ISOLATION:complete": {
    breaks: "lets any token complete any token's upload (the other verbs stay isolated)",
    class: "isolation-verb",
  },
  "BS-AUTH-ISOLATION:initiate": {
    breaks: "lets any token initiate uploads in any token's AppResult",
    class: "isolation-verb",
  },
  "BS-AUTH-ISOLATION-READ": {
    breaks: "lets any token read any token's File metadata (GET files/{id})",
    class: "isolation-verb",
  },
  "BS-AUTH-ISOLATION-READ:content": {
    breaks: "lets any token download any token's File content",
    class: "isolation-verb",
  },
  "BS-AUTH-ISOLATION-READ:list": {
    breaks: "lists every token's Files of an AppResult to any token",
    class: "isolation-verb",
  },
  "BS-INIT-NAME": { breaks: "initiates an upload without a name, calling the file `unnamed`", class: "rule" },
  "BS-INIT-MULTIPART": { breaks: "answers an initiation with 201 instead of 200", class: "rule" },
  "BS-INIT-MULTIPART:content-type": {
    breaks: "records every initiated File as application/octet-stream, ignoring its Content-Type",
    class: "rule",
  },
  "BS-INIT-MULTIPART:file-name": {
    breaks: "keeps only the last extension of a name with several (reads.fastq.gz becomes reads.gz)",
    class: "file-name",
  },
  "BS-INIT-MULTIPART:too-strict": {
    breaks: "refuses (400) an initiation without the optional directory parameter",
    class: "too-strict",
  },
  "BS-INIT-PATH": {
    breaks: "answers an initiation with a Path that leaves out the directory",
    class: "rule",
  },
  "BS-SIMPLE-UPLOAD": { breaks: "stores a simple upload without its last byte", class: "rule" },
  "BS-SIMPLE-UPLOAD:too-strict": {
    breaks: "refuses (400) a simple upload whose Content-Type is not application/octet-stream",
    class: "too-strict",
  },
  "BS-PARAMS-ANYWHERE": {
    breaks: "reads uploadstatus from the query only, never from a JSON or form body",
    class: "rule",
  },
  "BS-PART-NUMBER": { breaks: "accepts part numbers 0 and 10001", class: "rule" },
  "BS-PART-NUMBER:too-strict": {
    breaks: "refuses part 10000 (reads the range as 1..9999)",
    class: "too-strict",
  },
  "BS-PART-MIN-SIZE": {
    breaks: "reads the minimum of a non-final part as 4 MiB, so completes with a smaller part",
    class: "rule",
  },
  "BS-PART-MIN-SIZE:last-uploaded": {
    breaks:
      "takes the part uploaded last, not the highest-numbered, as the final part exempt from the minimum",
    class: "rule",
  },
  "BS-PART-MIN-SIZE:lexicographic": {
    breaks: "finds the final part by comparing part numbers as text, so of parts 9 and 10 it takes 9",
    class: "order-10",
  },
  "BS-PART-MIN-SIZE:too-strict": {
    breaks: "holds the final part to the 5 MiB minimum too",
    class: "too-strict",
  },
  "BS-PART-MAX-SIZE": { breaks: "accepts parts up to 1 MiB over the maximum", class: "rule" },
  "BS-PART-MAX-SIZE:too-strict": {
    breaks: "refuses a part of exactly 25,000,000 bytes (reads 25MB as an exclusive bound)",
    class: "too-strict",
  },
  "BS-PART-MD5": { breaks: "ignores Content-MD5", class: "rule" },
  "BS-PART-MD5:required": { breaks: "refuses (400) a part without Content-MD5", class: "too-strict" },
  "BS-PART-MD5:large": {
    breaks: "does not check the Content-MD5 of parts over 16 MiB",
    class: "large-part",
  },
  "BS-PART-ETAG": {
    breaks: "answers an ETag that is the MD5 of the part's hex digest, not of the part",
    class: "rule",
  },
  "BS-PART-ETAG:large": {
    breaks: "answers, for a part over 16 MiB, the MD5 of its first 16 MiB only",
    class: "large-part",
  },
  "BS-PART-REPLACE": {
    breaks: "keeps the first version of a part number and discards re-sent ones",
    class: "rule",
  },
  "BS-PART-REPLACE:shorter": {
    breaks:
      "writes a re-sent part over the earlier copy in place, so a shorter copy keeps the earlier copy's tail",
    class: "shorter-resend",
  },
  "BS-PART-REPLACE:in-flight": {
    breaks: "appends a copy of a part that arrived while another copy of it was in flight to that copy",
    class: "concurrency",
  },
  "BS-PART-ANY-ORDER": { breaks: "refuses (400) a part numbered below one already stored", class: "rule" },
  "BS-PART-ANY-ORDER:concurrent": {
    breaks: "refuses (409) a part that arrives while another part of the same upload is streaming in",
    class: "concurrency",
  },
  "BS-COMPLETE-ORDER": {
    breaks: "joins the parts in the order they were stored, not by ascending number",
    class: "rule",
  },
  "BS-COMPLETE-ORDER:lexicographic": {
    breaks: "joins the parts sorted by part number as text (1, 10, 11, 2, …)",
    class: "order-10",
  },
  "BS-COMPLETE-ORDER:lost-update": {
    breaks:
      "loses parts whose upload overlapped another part's (an unlocked read-modify-write of the part list)",
    class: "concurrency",
  },
  "BS-COMPLETE-STATUS": { breaks: "answers a completion with 200 instead of 201", class: "rule" },
  "BS-COMPLETE-EMPTY": { breaks: "completes an upload without parts as an empty file", class: "rule" },
  "BS-COMPLETE-FINAL": {
    breaks: "accepts a part after completion and appends it to the complete File",
    class: "terminal-state",
  },
  "BS-COMPLETE-FINAL:abort": {
    breaks: "aborts a complete File when asked, discarding its content",
    class: "terminal-state",
  },
  "BS-ABORT": { breaks: "keeps accepting parts after an abort", class: "rule" },
  "BS-ABORT:complete": {
    breaks: "completes an aborted upload, as an empty File",
    class: "terminal-state",
  },
  "BS-ABORT:isolation": { breaks: "lets any token abort any token's upload", class: "isolation-verb" },
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
  /** Part numbers of each upload in the order they were stored (BS-COMPLETE-ORDER, BS-PART-MIN-SIZE). */
  private readonly stored = new Map<string, number[]>();
  /** PUTs in flight per upload (`fileId`) and per part (`fileId:number`). */
  private readonly inFlight = new Map<string, number>();
  /** Parts (`fileId:number`) of which two copies were in flight at once, until none is. */
  private readonly overlapped = new Set<string>();

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

  /**
   * Notes a part PUT of `fileId` starting (before its body is read) and returns what was in flight
   * then: other PUTs of the upload, and other copies of the same part. Call `endPut` when it ends.
   */
  startPut(fileId: string, number: number): { readonly uploadBusy: boolean } {
    const part = `${fileId}:${number}`;
    const uploadBusy = (this.inFlight.get(fileId) ?? 0) > 0;
    if ((this.inFlight.get(part) ?? 0) > 0) this.overlapped.add(part);
    for (const key of [fileId, part]) this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    return { uploadBusy };
  }

  endPut(fileId: string, number: number): void {
    const part = `${fileId}:${number}`;
    for (const key of [fileId, part]) {
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.inFlight.set(key, left);
      else this.inFlight.delete(key);
    }
    if (!this.inFlight.has(part)) this.overlapped.delete(part);
  }

  /** True when two copies of part `number` of `fileId` have been in flight at once. */
  copiesOverlapped(fileId: string, number: number): boolean {
    return this.overlapped.has(`${fileId}:${number}`);
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
