/**
 * What every handler receives: the server-wide context (state, store, limits, clock) and the
 * request's own (URL, query, route parameters, authenticated identity).
 */
import type { PartLimits } from "@partwise/engine";
import type { Store } from "@partwise/node";
import type { IdentityId } from "./auth.ts";
import { refuse } from "./errors.ts";
import type { BasespaceMutation, Mutations } from "./mutations.ts";
import type { Params } from "./params.ts";
import type { ReadingPolicy } from "./readings.ts";
import type { RouteParams } from "./routes.ts";
import type { ContentSigner } from "./signing.ts";
import type { BasespaceState, FileRecord } from "./state.ts";

export interface ServerContext {
  readonly state: BasespaceState;
  readonly store: Store;
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
  /** How this server decides the points the documents leave open (`reading` option). */
  readonly policy: ReadingPolicy;
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

/**
 * A Sample's files live in a container keyed `sample.{id}`: `.` is not in an AppResult id, so the
 * two kinds of container never share a key (or an owner).
 */
const SAMPLE_PREFIX = "sample.";

/**
 * The container (AppResult or Sample) the path names, as a key, or 404 when it cannot name one
 * (the key also becomes a store key). `POST samples/{id}/files` runs the same upload flow as
 * `appresults/{id}/files` (basespace-python-sdk `sampleFileUpload`).
 */
export function containerIdOf(params: RouteParams): string {
  if (params.sampleId !== undefined) {
    if (!APP_RESULT_ID.test(params.sampleId)) refuse(404, "Sample not found");
    return `${SAMPLE_PREFIX}${params.sampleId}`;
  }
  const id = params.appResultId ?? "";
  if (!APP_RESULT_ID.test(id)) refuse(404, "AppResult not found");
  return id;
}

/** `AppResult 38040` or `Sample 16018`: a container key as messages name it. */
function containerLabel(containerId: string): string {
  return containerId.startsWith(SAMPLE_PREFIX)
    ? `Sample ${containerId.slice(SAMPLE_PREFIX.length)}`
    : `AppResult ${containerId}`;
}

/** What a request does to a File, for isolation (BS-AUTH-ISOLATION, BS-AUTH-ISOLATION-READ, BS-ABORT). */
export type FileVerb = "read" | "content" | "part" | "complete" | "abort";

/** The mutation that lets another identity use `verb` on a File (testing conformance suites only). */
const VERB_MUTATIONS = {
  read: "BS-AUTH-ISOLATION-READ",
  content: "BS-AUTH-ISOLATION-READ:content",
  part: "BS-AUTH-ISOLATION:part",
  complete: "BS-AUTH-ISOLATION:complete",
  abort: "BS-ABORT:isolation",
} as const satisfies Record<FileVerb, BasespaceMutation>;

/**
 * The File of the path when the caller owns it. Another token's File is refused with the reading's
 * status (BS-AUTH-ISOLATION): 404 by default, exactly like a missing one, so a token cannot learn
 * which ids exist; 403 in the strict reading.
 */
export function ownFile(ctx: ServerContext, rctx: RequestContext, verb: FileVerb): FileRecord {
  const id = rctx.params.fileId ?? "";
  const file = FILE_ID.test(id) ? ctx.state.file(id) : undefined;
  if (file === undefined) refuse(404, "File not found");
  const shared =
    ctx.mutations.size > 0 &&
    (ctx.mutations.has("BS-AUTH-ISOLATION") || ctx.mutations.has(VERB_MUTATIONS[verb]));
  if (file.owner !== rctx.identity && !shared) {
    const status = ctx.policy.foreignFileStatus;
    refuse(
      status,
      status === 404 ? "File not found" : "The access token has no access to this File",
      status === 404 ? undefined : "BS-AUTH-ISOLATION",
    );
  }
  return file;
}

/** Refuses (BS-AUTH-ISOLATION) a token that may not write to the AppResult. */
export async function claimAppResult(
  ctx: ServerContext,
  rctx: RequestContext,
  appResultId: string,
): Promise<void> {
  if (ctx.mutations.has("BS-AUTH-ISOLATION:initiate")) return;
  if (!(await ctx.state.claim(appResultId, rctx.identity))) refuseAppResult(ctx, appResultId);
}

/** Refuses early, before a body is read, when another identity already owns the AppResult. */
export function assertMayWrite(ctx: ServerContext, rctx: RequestContext, appResultId: string): void {
  if (ctx.mutations.has("BS-AUTH-ISOLATION:initiate")) return;
  const owner = ctx.state.ownerOf(appResultId);
  if (owner !== undefined && owner !== rctx.identity) refuseAppResult(ctx, appResultId);
}

/** Another identity's AppResult: 403 by default, 404 in the strict reading (BS-AUTH-ISOLATION). */
export function refuseAppResult(ctx: ServerContext, appResultId: string): never {
  const label = containerLabel(appResultId);
  if (ctx.policy.foreignAppResultStatus === 404) refuse(404, `${label.split(" ")[0]} not found`);
  refuse(403, `The access token has no WRITE access to ${label}`, "BS-AUTH-ISOLATION");
}
