/**
 * What every handler shares: state, the store, authentication, URL signing, limits and clock,
 * plus the lookups several operations need (an upload of the caller, a part number from a path).
 */
import type { PartLimits } from "@partwise/engine";
import type { DiskStore } from "@partwise/node";
import type { Authenticator, OwnerId } from "./auth.ts";
import { badRequest, Code, uploadNotFound } from "./errors.ts";
import type { CavaticaMutation } from "./mutations.ts";
import type { UrlSigner } from "./signing.ts";
import type { CavaticaState, Target, UploadEntry } from "./state.ts";
import { targetKey } from "./state.ts";

export interface ServerContext {
  readonly state: CavaticaState;
  readonly store: DiskStore;
  readonly auth: Authenticator;
  readonly signer: UrlSigner;
  readonly limits: PartLimits;
  readonly partUrlTtlMs: number;
  readonly downloadUrlTtlMs: number;
  readonly now: () => number;
  /** Targets whose owner the options fix (`projects`, `parents`), by `targetKey`. */
  readonly fixedOwners: ReadonlyMap<string, OwnerId>;
  /** The public base URL, `/v2` included, without a trailing slash. */
  readonly baseUrl: (request: Request) => string;
  /** Rules deliberately broken, for testing conformance suites only (mutations.ts); empty when faithful. */
  readonly mutations: ReadonlySet<CavaticaMutation>;
}

/** Whether this server deliberately breaks `rule` (a mutant; never true for the faithful server). */
export function breaks(context: ServerContext, rule: CavaticaMutation): boolean {
  return context.mutations.has(rule);
}

export type Params = Readonly<Record<string, string>>;

export type OperationHandler = (
  context: ServerContext,
  request: Request,
  url: URL,
  params: Params,
) => Promise<Response>;

/** ISO 8601 UTC without fractions, as the platform writes dates (`2016-02-27T15:55:38Z`). */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const UPLOAD_ID = /^[A-Za-z0-9]{1,128}$/;

/**
 * The caller's upload named by a path segment. Unknown, completed, aborted and another token's
 * uploads all answer 404 / 8003 (CV-AUTH-ISOLATION, CV-ABORT, CV-COMPLETE-FILE).
 */
export function findUpload(context: ServerContext, owner: OwnerId, rawId: string | undefined): UploadEntry {
  if (rawId === undefined || rawId === "")
    throw badRequest(Code.emptyUploadId, "Upload id is null or empty", "CV-AUTH-ISOLATION");
  const entry = UPLOAD_ID.test(rawId) ? context.state.upload(rawId) : undefined;
  if (entry === undefined) throw uploadNotFound();
  if (entry.doc.owner !== owner && !breaks(context, "CV-AUTH-ISOLATION")) throw uploadNotFound();
  return entry;
}

/** A part number path segment: 1..10000 (CV-PART-NUMBER, code 8012). */
export function parsePartNumber(context: ServerContext, raw: string | undefined): number {
  const number = raw !== undefined && /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  // The CV-PART-NUMBER mutant hands out URLs for 0 and 10001 too.
  const mutant = breaks(context, "CV-PART-NUMBER");
  const min = mutant ? 0 : 1;
  const max = mutant ? 10_001 : 10_000;
  if (!(number >= min && number <= max))
    throw badRequest(
      Code.invalidPartNumber,
      "Part number must be an integer between 1 and 10000",
      "CV-PART-NUMBER",
    );
  return number;
}

/** The owner of a target: fixed by the options, else claimed, else undefined (unclaimed). */
export function ownerOfTarget(context: ServerContext, target: Target): OwnerId | undefined {
  return context.fixedOwners.get(targetKey(target)) ?? context.state.claimOf(target);
}
