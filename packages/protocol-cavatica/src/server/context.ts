/**
 * What every handler shares: state, the store, authentication, URL signing, limits and clock,
 * plus the lookups several operations need (an upload of the caller, a part number from a path).
 */
import type { PartLimits } from "@partwise/engine";
import type { DiskStore } from "@partwise/node";
import type { Authenticator, OwnerId } from "./auth.ts";
import { badRequest, Code, uploadNotFound } from "./errors.ts";
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
  if (entry === undefined || entry.doc.owner !== owner) throw uploadNotFound();
  return entry;
}

/** A part number path segment: 1..10000 (CV-PART-NUMBER, code 8012). */
export function parsePartNumber(raw: string | undefined): number {
  const number = raw !== undefined && /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(number >= 1 && number <= 10_000))
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
