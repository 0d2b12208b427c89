/**
 * What every handler shares: state, the store, authentication, URL signing, limits and clock,
 * plus the lookups several operations need (an upload of the caller, a part number from a path).
 */
import type { PartLimits } from "@partwise/engine";
import type { ObjectStore, Reading, Store } from "@partwise/node";
import type { Authenticator, OwnerId } from "./auth.ts";
import { badRequest, CavaticaApiError, Code, uploadNotFound } from "./errors.ts";
import type { CavaticaMutation } from "./mutations.ts";
import type { ReportPolicy } from "./requests.ts";
import type { UrlSigner } from "./signing.ts";
import type { CavaticaState, Target, UploadEntry } from "./state.ts";
import { targetKey } from "./state.ts";

export interface ServerContext {
  readonly state: CavaticaState;
  readonly store: Store;
  /** The S3 store when blobs live in S3: parts then go straight to S3 (s3.ts). */
  readonly s3: ObjectStore | undefined;
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
  /** How the points the documents leave open are read (readings.ts; README "Readings"). */
  readonly reading: Reading;
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

/** The verbs on an upload that the isolation-verb mutants leave open (mutations.ts). */
export type UploadVerb = "read" | "part-url" | "report" | "complete" | "abort";

/**
 * The caller's upload named by a path segment. Unknown, completed and aborted uploads answer
 * 404 / 8003 (CV-ABORT, CV-COMPLETE-TERMINAL); another token's upload answers the same 404 by
 * default and 403 / 8001 in the strict reading (CV-AUTH-ISOLATION: the documents give both codes).
 */
export function findUpload(
  context: ServerContext,
  owner: OwnerId,
  rawId: string | undefined,
  verb: UploadVerb = "read",
): UploadEntry {
  if (rawId === undefined || rawId === "")
    throw badRequest(Code.emptyUploadId, "Upload id is null or empty", "CV-AUTH-ISOLATION");
  const entry = UPLOAD_ID.test(rawId) ? context.state.upload(rawId) : undefined;
  if (entry === undefined) throw uploadNotFound();
  // Mutants: one lets every token through, the isolation-verb ones a single verb.
  const open =
    breaks(context, "CV-AUTH-ISOLATION") || (verb !== "read" && breaks(context, `CV-AUTH-ISOLATION:${verb}`));
  if (entry.doc.owner !== owner && !open) {
    if (context.reading === "strict")
      throw new CavaticaApiError(
        403,
        Code.uploadForbidden,
        "Insufficient privileges to access the requested upload",
        "CV-AUTH-ISOLATION",
      );
    throw uploadNotFound();
  }
  return entry;
}

/** A part number path segment: 1..10000 (CV-PART-NUMBER, code 8012). */
export function parsePartNumber(context: ServerContext, raw: string | undefined): number {
  const number = raw !== undefined && /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  // Mutants hand out URLs for 0 (CV-PART-NUMBER) or 10001 (CV-PART-NUMBER-MAX).
  const min = breaks(context, "CV-PART-NUMBER") ? 0 : 1;
  const max = maxPartNumber(context);
  if (!(number >= min && number <= max))
    throw badRequest(Code.invalidPartNumber, partNumberMessage(max, number > max), "CV-PART-NUMBER");
  return number;
}

/**
 * The refusal of a part number: it names CV-PART-NUMBER first (clients read the first rule id of a
 * message), and CV-PART-NUMBER-MAX too when the number is above the maximum.
 */
export function partNumberMessage(max: number, aboveMax: boolean): string {
  const rules = aboveMax ? "CV-PART-NUMBER, upper bound CV-PART-NUMBER-MAX" : "CV-PART-NUMBER";
  return `Part number must be an integer between 1 and ${max} (${rules})`;
}

/**
 * The highest part number (CV-PART-NUMBER-MAX, an inference from the SDKs and S3): 10,000, except
 * in the lenient reading, which sets none the documents state (up to the 6 digits a path takes).
 */
export function maxPartNumber(context: ServerContext): number {
  if (context.reading === "lenient") return 999_999;
  return breaks(context, "CV-PART-NUMBER-MAX") ? 10_001 : 10_000;
}

/** The owner of a target: fixed by the options, else claimed, else undefined (unclaimed). */
export function ownerOfTarget(context: ServerContext, target: Target): OwnerId | undefined {
  return context.fixedOwners.get(targetKey(target)) ?? context.state.claimOf(target);
}

/** How report bodies are read in this server's reading, with its mutants (requests.ts). */
export function reportPolicy(context: ServerContext): ReportPolicy {
  return {
    maxPartNumber: maxPartNumber(context),
    exactHeaderName: context.reading === "strict",
    defaultPartNumber: breaks(context, "CV-REPORT-BODY"),
    refuseQuoted: breaks(context, "CV-REPORT-BODY:quoted"),
    partsOptional: breaks(context, "CV-REPORT-BATCH"),
    documentedKeysOnly: context.reading === "strict",
  };
}

/**
 * The signed parts of a part URL: method, upload id, part number. The signed-url-scope mutants
 * leave the part number or the upload id out, so an edited URL still verifies.
 */
export function partUrlScope(context: ServerContext, uploadId: string, partNumber: string): string[] {
  if (breaks(context, "CV-PART-URL-SIGNATURE:part-number")) return ["PUT", uploadId];
  if (breaks(context, "CV-PART-URL-SIGNATURE:upload")) return ["PUT", partNumber];
  return ["PUT", uploadId, partNumber];
}
