/**
 * What every handler receives: the server-wide context (state, store, limits, clock) and the
 * request's own (URL, query, route parameters, authenticated identity).
 */
import type { PartLimits } from "@partwise/engine";
import type { DiskStore } from "@partwise/node";
import type { IdentityId } from "./auth.ts";
import { refuse } from "./errors.ts";
import type { Mutations } from "./mutations.ts";
import type { Params } from "./params.ts";
import type { RouteParams } from "./routes.ts";
import type { ContentSigner } from "./signing.ts";
import type { BasespaceState, FileRecord } from "./state.ts";

export interface ServerContext {
  readonly state: BasespaceState;
  readonly store: DiskStore;
  /** Part rules enforced (BS-PART-NUMBER, BS-PART-MIN-SIZE, BS-PART-MAX-SIZE). */
  readonly limits: PartLimits;
  /** Largest simple (single-request) upload, in bytes (BS-SIMPLE-UPLOAD). */
  readonly maxSimpleUploadSize: number;
  readonly signer: ContentSigner;
  /** How long a signed content URL works. */
  readonly contentUrlTtlSeconds: number;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** Rules this server deliberately breaks (testing conformance suites only); empty when faithful. */
  readonly mutations: Mutations;
}

export interface RequestContext {
  readonly request: Request;
  readonly url: URL;
  readonly query: Params;
  readonly params: RouteParams;
  readonly identity: IdentityId;
}

const APP_RESULT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const FILE_ID = /^[0-9]{1,15}$/;

/** The AppResult id of the path, or 404 when it cannot name one (it also becomes a store key). */
export function appResultIdOf(params: RouteParams): string {
  const id = params.appResultId ?? "";
  if (!APP_RESULT_ID.test(id)) refuse(404, "AppResult not found");
  return id;
}

/**
 * The File of the path when the caller owns it. Another token's File answers exactly like a
 * missing one (404, BS-AUTH-ISOLATION), so a token cannot learn which ids exist.
 */
export function ownFile(ctx: ServerContext, rctx: RequestContext): FileRecord {
  const id = rctx.params.fileId ?? "";
  const file = FILE_ID.test(id) ? ctx.state.file(id) : undefined;
  const ownerOnly = !ctx.mutations.has("BS-AUTH-ISOLATION");
  if (file === undefined || (ownerOnly && file.owner !== rctx.identity))
    refuse(404, `File ${id.slice(0, 40)} not found`);
  return file;
}

/** Refuses (403, BS-AUTH-ISOLATION) a token that may not write to the AppResult. */
export async function claimAppResult(
  ctx: ServerContext,
  rctx: RequestContext,
  appResultId: string,
): Promise<void> {
  if (!(await ctx.state.claim(appResultId, rctx.identity)))
    refuse(403, `The access token has no WRITE access to AppResult ${appResultId}`, "BS-AUTH-ISOLATION");
}

/** Refuses (403) early, before a body is read, when another identity already owns the AppResult. */
export function assertMayWrite(ctx: ServerContext, rctx: RequestContext, appResultId: string): void {
  const owner = ctx.state.ownerOf(appResultId);
  if (owner !== undefined && owner !== rctx.identity)
    refuse(403, `The access token has no WRITE access to AppResult ${appResultId}`, "BS-AUTH-ISOLATION");
}
