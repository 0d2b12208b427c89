/**
 * `POST appresults/{id}/files` (createAppResultFile): one endpoint, two operations told apart by
 * `multipart` (BS-INIT-MULTIPART, BS-SIMPLE-UPLOAD; specs/basespace.yaml).
 *
 * - `multipart=true` in the query (as documented [S0][S1], and as the Python and Ruby SDKs send
 *   it): an initiation. Whatever body comes along is parameters — Python repeats its query as a
 *   JSON body under the *file's* Content-Type (e.g. `text/plain`) — so it is read bounded and
 *   parsed as JSON, then as a form, never stored (BS-PARAMS-ANYWHERE).
 * - no `multipart` in the query but a JSON or form body: the C# SDK's DTO (`{Name, MultiPart:
 *   true}`) or the Java SDK's form initiate without a query. Up to 1 MiB is read ahead; a body
 *   that says `multipart` true is an initiation, anything else (a JSON file, say) is the file.
 * - otherwise: a simple upload, the body streamed to disk as the whole file.
 */
import { toHex } from "@partwise/engine";
import type { StagedBlob } from "@partwise/node";
import { bodyChunks } from "../body.ts";
import {
  assertMayWrite,
  claimAppResult,
  containerIdOf,
  type RequestContext,
  type ServerContext,
} from "../context.ts";
import { envelope, refuse } from "../errors.ts";
import { assertDeclaredLength, type BodyBound, expectedMd5, ingestBody, verifyMd5 } from "../ingest.ts";
import { fileNames } from "../names.ts";
import {
  booleanParam,
  isParamsType,
  joinChunks,
  lookup,
  MAX_PARAMS_BODY,
  type MediaType,
  mediaTypes,
  type Params,
  param,
  parseParamsBody,
  readBounded,
} from "../params.ts";
import type { FileRecord } from "../state.ts";
import { dotNetDate, toFile } from "../view.ts";

const OCTET_STREAM = "application/octet-stream";

export async function createAppResultFile(ctx: ServerContext, rctx: RequestContext): Promise<Response> {
  const appResultId = containerIdOf(rctx.params);
  assertMayWrite(ctx, rctx, appResultId);
  const types = mediaTypes(rctx.request.headers.get("content-type"));
  const rawMultipart = param(ctx, rctx, "multipart", undefined);
  // The strict reading takes `multipart=true` exactly as documented [S0]; other spellings are refused.
  if (
    ctx.policy.exactParams &&
    rawMultipart !== undefined &&
    rawMultipart !== "true" &&
    rawMultipart !== "false"
  )
    refuse(400, "The multipart parameter must be true", "BS-PARAMS-ANYWHERE");
  const multipart = booleanParam("multipart", rawMultipart);
  if (multipart === true) {
    const bytes = await readBounded(bodyOf(rctx), MAX_PARAMS_BODY, "BS-PARAMS-ANYWHERE");
    const body = ctx.policy.paramsInBody ? parseParamsBody(bytes, types, true) : undefined;
    return initiate(ctx, rctx, appResultId, body, types);
  }
  if (multipart === undefined && ctx.policy.paramsInBody && isParamsType(types)) {
    const head = await readAhead(bodyOf(rctx), MAX_PARAMS_BODY);
    if (head.done) {
      const body = parseParamsBody(joinChunks(head.chunks, head.size), types, false);
      if (saysTrue(lookup("multipart", body))) return initiate(ctx, rctx, appResultId, body, types);
    }
    return simpleUpload(ctx, rctx, appResultId, types, replay(head));
  }
  return simpleUpload(ctx, rctx, appResultId, types, bodyOf(rctx));
}

const bodyOf = (rctx: RequestContext) => bodyChunks(rctx.request.body, rctx.request.signal);

/** The File's type on initiation: the request's, unless that is only the parameter body's [S0]. */
function initiatedType(types: readonly MediaType[]): string {
  return types.find((type) => !isParamsType([type]))?.value ?? OCTET_STREAM;
}

async function initiate(
  ctx: ServerContext,
  rctx: RequestContext,
  appResultId: string,
  body: Params | undefined,
  types: readonly MediaType[],
): Promise<Response> {
  const { mutations, policy } = ctx;
  let rawName = param(ctx, rctx, "name", body);
  const rawDirectory = param(ctx, rctx, "directory", body);
  const id = ctx.state.allocateId();
  const nameless = rawName === undefined || rawName === null || rawName === "";
  // The lenient reading names a nameless upload after its id (no document says it is refused);
  // the BS-INIT-NAME mutant (testing conformance suites only) calls it `unnamed`.
  if (nameless && policy.namelessInitiation === "name-by-id") rawName = `file-${id}`;
  if (nameless && mutations.has("BS-INIT-NAME")) rawName = "unnamed";
  const names = fileNames(rawName, rawDirectory);
  assertDirectoryDepth(ctx, names.directory);
  // The strict reading requires the file's Content-Type, which [S0] has the client send.
  if (policy.requireContentType && types.length === 0)
    refuse(400, "The Content-Type header (the file's media type) is required", "BS-INIT-MULTIPART");
  if (mutations.size > 0) assertMutantInitiation(ctx, names.directory);
  await claimAppResult(ctx, rctx, appResultId);
  let name = names.name;
  if (mutations.has("BS-INIT-MULTIPART:file-name")) name = lastExtensionOnly(name);
  const record: FileRecord = {
    id,
    appResultId,
    owner: rctx.identity,
    name,
    // The BS-INIT-PATH mutant forgets the directory, so Path is the name alone.
    directory: mutations.has("BS-INIT-PATH") ? null : names.directory,
    contentType: mutations.has("BS-INIT-MULTIPART:content-type")
      ? OCTET_STREAM
      : policy.exactParams
        ? (types[0]?.value ?? OCTET_STREAM)
        : initiatedType(types),
    dateCreated: dotNetDate(ctx.now()),
    multipart: true,
    uploadStatus: "pending",
    size: 0,
    segments: [],
  };
  await ctx.state.saveFile(record);
  // BS-INIT-MULTIPART: 200 with UploadStatus pending and Size 0 [S0][S1] (201: the mutant's).
  return envelope(toFile(record), mutations.has("BS-INIT-MULTIPART") ? 201 : 200);
}

/** The strict reading takes the documented `directory` [S0] as one segment; nested ones are refused. */
function assertDirectoryDepth(ctx: ServerContext, directory: string | null): void {
  if (!ctx.policy.nestedDirectories && directory?.includes("/"))
    refuse(400, "The directory parameter may not contain '/'", "BS-INIT-PATH");
}

/** The too-strict initiation mutant (testing conformance suites only): the directory is required. */
function assertMutantInitiation(ctx: ServerContext, directory: string | null): void {
  if (ctx.mutations.has("BS-INIT-MULTIPART:too-strict") && directory === null)
    refuse(400, "The directory parameter is required", "BS-INIT-MULTIPART");
}

/** `reads.fastq.gz` → `reads.gz`: the BS-INIT-MULTIPART:file-name mutant (testing conformance suites only). */
function lastExtensionOnly(name: string): string {
  const first = name.indexOf(".", 1);
  const last = name.lastIndexOf(".");
  return first === -1 || first === last ? name : name.slice(0, first) + name.slice(last);
}

async function simpleUpload(
  ctx: ServerContext,
  rctx: RequestContext,
  appResultId: string,
  types: readonly MediaType[],
  body: AsyncIterable<Uint8Array>,
): Promise<Response> {
  // The body is the file, so the parameters can only be in the query.
  const names = fileNames(param(ctx, rctx, "name", undefined), param(ctx, rctx, "directory", undefined));
  assertDirectoryDepth(ctx, names.directory);
  const bound: BodyBound = {
    max: ctx.maxSimpleUploadSize,
    status: ctx.policy.partTooLargeStatus,
    rule: "BS-SIMPLE-UPLOAD",
    what: "A simple upload",
  };
  assertDeclaredLength(rctx.request, bound);
  // The too-strict BS-SIMPLE-UPLOAD mutant (testing conformance suites only) takes octet-streams only.
  if (ctx.mutations.has("BS-SIMPLE-UPLOAD:too-strict") && types[0]?.essence !== OCTET_STREAM)
    refuse(400, "A simple upload must be application/octet-stream", "BS-SIMPLE-UPLOAD");
  // RFC 1864 holds for any body; a simple upload that sends Content-MD5 gets it checked too.
  const expected = expectedMd5(rctx.request, ctx.policy.contentMd5Forms);
  await claimAppResult(ctx, rctx, appResultId);
  const id = ctx.state.allocateId();
  const staged: StagedBlob = await ingestBody(ctx.store, body, bound);
  const key = ctx.state.blobKey(`f${id}`);
  try {
    await verifyMd5(staged, expected);
    await staged.commit(key);
    // The BS-SIMPLE-UPLOAD mutant (testing conformance suites only) loses the last byte.
    const size = ctx.mutations.has("BS-SIMPLE-UPLOAD") ? Math.max(0, staged.size - 1) : staged.size;
    const record: FileRecord = {
      id,
      appResultId,
      owner: rctx.identity,
      name: names.name,
      directory: names.directory,
      contentType: types[0]?.value ?? OCTET_STREAM,
      dateCreated: dotNetDate(ctx.now()),
      multipart: false,
      uploadStatus: "complete",
      size,
      segments: [{ key, size }],
      etag: toHex(staged.md5),
    };
    await ctx.state.saveFile(record);
    // BS-SIMPLE-UPLOAD: the stored File, complete. Sources are silent on 200/201; 201 as for completion.
    return envelope(toFile(record), 201);
  } catch (error) {
    await staged.discard();
    await ctx.store.delete(key).catch(() => {});
    throw error;
  }
}

function saysTrue(value: unknown): boolean {
  return value === true || (typeof value === "string" && value.trim().toLowerCase() === "true");
}

interface ReadAhead {
  readonly chunks: Uint8Array[];
  readonly size: number;
  /** True when the whole body fitted in the read-ahead. */
  readonly done: boolean;
  readonly rest: AsyncGenerator<Uint8Array, void, undefined>;
}

/** Reads up to a little past `max` bytes of a body, keeping the chunks (bounded memory). */
async function readAhead(rest: AsyncGenerator<Uint8Array, void, undefined>, max: number): Promise<ReadAhead> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size <= max) {
      const next = await rest.next();
      if (next.done) return { chunks, size, done: true, rest };
      chunks.push(next.value);
      size += next.value.length;
    }
  } catch {
    refuse(400, "The request body ended before it was complete");
  }
  return { chunks, size, done: false, rest };
}

/** The read-ahead chunks, then the rest of the body, without copying either. */
async function* replay(head: ReadAhead): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    yield* head.chunks;
    if (!head.done) yield* head.rest;
  } finally {
    await head.rest.return();
  }
}
