/**
 * The CAVATICA / Seven Bridges API v2 upload flow as the checks drive it (specs/cavatica.yaml
 * "Flow"), on `ctx.http` so that every exchange is recorded and nothing is retried or repaired:
 *
 * 1. `POST /upload/multipart` → `upload_id`, `part_size` (every upload a check starts is aborted
 *    when the check ends, unless it was completed or aborted on the way);
 * 2. `GET /upload/multipart/{upload_id}/part/{n}` → `{method, url, headers, report}`;
 * 3. the storage request exactly as that answer says — its `method`, `url` verbatim and `headers`,
 *    never the token (the URL's signature is its authorisation) — succeeding on a status of
 *    `report.success_codes` (else the top-level `success_codes`, else `[200]`), collecting the
 *    response headers `report.headers` names;
 * 4. the report, `POST /upload/multipart/{upload_id}/part`, of those headers (the ETag without its
 *    quotes, as sevenbridges-python `_submit_part` sends it);
 * 5. `POST /upload/multipart/{upload_id}/complete` → the File, read back through `download_info`.
 *
 * Helpers that need a step to succeed fail the check with the rule that step depends on; the
 * assertions of a check's own rule live in the check.
 */
import { createHash, randomUUID } from "node:crypto";
import {
  cavaticaSchemas,
  type File,
  type MultipartUpload,
  type PartUrl,
  type UploadDetails,
} from "@partwise/protocol-cavatica";
import type { CheckContext, HttpAnswer } from "../../context.ts";

export const MiB: number = 1024 * 1024;
/** The smallest non-final part (CV-COMPLETE-MIN-SIZE). */
export const MIN_PART_SIZE: number = 5 * MiB;
/** The largest file (CV-MAX-FILE-SIZE): 5 TiB. */
export const MAX_FILE_SIZE: number = 5 * 1024 * 1024 * MiB;
export const MAX_PART_NUMBER = 10_000;

/** Who calls: the target's token (default), the other token, a given string, or nobody. */
export type Caller = "token" | "other" | { readonly token: string } | { readonly bearer: string } | "none";

export interface CallOptions {
  readonly as?: Caller | undefined;
  /** A JSON body (serialised here); `raw` sends text as is. */
  readonly body?: unknown;
  readonly raw?: string | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

function authHeaders(ctx: CheckContext, as: Caller): Record<string, string> {
  if (as === "none") return {};
  if (as === "token") return { "x-sbg-auth-token": ctx.target.token };
  if (as === "other") {
    if (ctx.target.otherToken === undefined) return ctx.skip("needs --other-token");
    return { "x-sbg-auth-token": ctx.target.otherToken };
  }
  if ("bearer" in as) return { authorization: `Bearer ${as.bearer}` };
  return { "x-sbg-auth-token": as.token };
}

/**
 * One API call; `path` is relative to the API root (`/upload/multipart…`, `/files/…`). Every call
 * carries `Content-Type: application/json`, body or not, as the documents' header tables list it
 * as required and their curl examples send it (a server may insist on it).
 */
export function call(
  ctx: CheckContext,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    ...authHeaders(ctx, options.as ?? "token"),
    ...options.headers,
  };
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  return ctx.http.request({
    method,
    url: `${ctx.target.baseUrl.replace(/\/+$/, "")}${path}`,
    headers,
    ...(body === undefined ? {} : { body }),
  });
}

/** `{project}` or `{parent}`: where the checks upload (ctx.target). */
export type UploadTarget = { readonly project: string } | { readonly parent: string };

export function targetOf(ctx: CheckContext): UploadTarget {
  const { project, parent } = ctx.target;
  if (project !== undefined) return { project };
  if (parent !== undefined) return { parent };
  return ctx.skip("needs --project or --parent");
}

/**
 * A file name no earlier run used. Not from the suite's seed: a real server keeps the files of
 * earlier runs, and a name seen again would answer 409 (CV-INIT-OVERWRITE), not what the check tests.
 */
export function uniqueName(label: string): string {
  return `partwise-conformance-${label}-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
}

const open = new WeakMap<CheckContext, Set<string>>();

/** Remembers an upload to abort when the check ends. */
function track(ctx: CheckContext, uploadId: string): void {
  let ids = open.get(ctx);
  if (ids === undefined) {
    const set = new Set<string>();
    open.set(ctx, set);
    ctx.onCleanup(async () => {
      for (const id of set)
        await call(ctx, "DELETE", `/upload/multipart/${encodeURIComponent(id)}`).catch(() => undefined);
      set.clear();
    });
    ids = set;
  }
  ids.add(uploadId);
}

/** The upload is gone (completed or aborted): nothing to clean up. */
function forget(ctx: CheckContext, uploadId: string): void {
  open.get(ctx)?.delete(uploadId);
}

export const isSuccess = (status: number): boolean => status >= 200 && status < 300;

/** A refusal of a request the documents say is invalid: a 4xx (the code is judged where documented). */
export const isRefusal = (status: number): boolean => status >= 400 && status < 500;

/** A refusal of an invalid body: 400 (the platform's code) or 422 (what many frameworks answer). */
export const isBadRequest = (status: number): boolean => status === 400 || status === 422;

export function uploadPath(uploadId: string, rest = ""): string {
  return `/upload/multipart/${encodeURIComponent(uploadId)}${rest}`;
}

export interface InitFields {
  readonly name?: string | undefined;
  readonly size?: number | undefined;
  readonly part_size?: number | undefined;
}

/** The init call as sent, without judging the answer; a 2xx answer's upload is aborted at the end. */
export async function tryInit(ctx: CheckContext, body: unknown, query = ""): Promise<HttpAnswer> {
  const answer = await call(ctx, "POST", `/upload/multipart${query}`, { body });
  const id = answer.json<{ upload_id?: unknown }>()?.upload_id;
  if (isSuccess(answer.status) && typeof id === "string") track(ctx, id);
  return answer;
}

/** Starts an upload into the target; fails the check unless it is accepted. */
export async function initUpload(
  ctx: CheckContext,
  fields: InitFields = {},
  query = "",
): Promise<MultipartUpload> {
  const body = { ...targetOf(ctx), name: fields.name ?? uniqueName("upload"), ...withoutUndefined(fields) };
  const answer = await tryInit(ctx, body, query);
  if (!isSuccess(answer.status))
    return ctx.fail(`initUpload was refused with ${answer.status}; the check needs an upload to work on`);
  const upload = answer.json<MultipartUpload>();
  if (upload === undefined || typeof upload.upload_id !== "string" || typeof upload.part_size !== "number")
    return ctx.fail("initUpload answered no upload_id and part_size (MultipartUpload)");
  return upload;
}

/**
 * Starts an upload whose parts the check sends in exactly `fields.part_size` bytes. The answered
 * `part_size` is authoritative (CV-PART-SIZE-PREFERENCE): when the server answers another one, the
 * check's parts are not the ones a client would send, so the check is skipped, saying why.
 */
export async function initWithPartSize(
  ctx: CheckContext,
  fields: InitFields & { readonly part_size: number },
): Promise<MultipartUpload> {
  const upload = await initUpload(ctx, fields);
  if (upload.part_size !== fields.part_size) {
    await abortUpload(ctx, upload.upload_id);
    return ctx.skip(
      `the server answered part_size ${upload.part_size} for the requested ${fields.part_size}; this check sends parts of exactly ${fields.part_size} bytes`,
    );
  }
  return upload;
}

function withoutUndefined(fields: InitFields): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/** DELETE /upload/multipart/{upload_id}, the answer unjudged. */
export async function abortUpload(ctx: CheckContext, uploadId: string): Promise<HttpAnswer> {
  const answer = await call(ctx, "DELETE", uploadPath(uploadId));
  if (isSuccess(answer.status)) forget(ctx, uploadId);
  return answer;
}

/** GET …/part/{n}; fails the check unless the answer is a PartUrl (CV-PART-URL). */
export async function getPartUrl(ctx: CheckContext, uploadId: string, partNumber: number): Promise<PartUrl> {
  return (await getPartUrlAnswer(ctx, uploadId, partNumber)).partUrl;
}

/** GET …/part/{n} with its answer (for its Date header); fails the check unless it is a PartUrl. */
export async function getPartUrlAnswer(
  ctx: CheckContext,
  uploadId: string,
  partNumber: number,
): Promise<{ readonly partUrl: PartUrl; readonly answer: HttpAnswer }> {
  const answer = await call(ctx, "GET", uploadPath(uploadId, `/part/${partNumber}`));
  if (answer.status !== 200)
    return ctx.fail(`getPartUrl of part ${partNumber} answered ${answer.status}, not 200 (CV-PART-URL)`);
  const checked = cavaticaSchemas.validate("PartUrl", answer.json());
  if (!checked.ok)
    return ctx.fail(
      `getPartUrl of part ${partNumber} is not a PartUrl: ${checked.issues[0]?.path || "/"} ${checked.issues[0]?.message} (CV-PART-URL)`,
    );
  return { partUrl: checked.value, answer };
}

/** The storage statuses that mean success (CV-SUCCESS-CODES; spec `PartUrl`). */
export function successCodes(partUrl: PartUrl): readonly number[] {
  return partUrl.report.success_codes ?? partUrl.success_codes ?? [200];
}

/** `expires` in epoch ms (an ISO date-time, or epoch seconds as the [S3] table says). */
export function expiryOf(expires: PartUrl["expires"]): number | undefined {
  if (typeof expires === "number") return expires >= 1e11 ? expires : expires * 1000;
  const ms = Date.parse(expires);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The storage request of a part URL, exactly as described: method, URL, headers; no token. */
export function storageRequest(
  ctx: CheckContext,
  partUrl: Pick<PartUrl, "method" | "url" | "headers">,
  bytes: Uint8Array,
  url: string = partUrl.url,
): Promise<HttpAnswer> {
  ctx.spend(bytes.length);
  return ctx.http.request({ method: partUrl.method, url, headers: { ...partUrl.headers }, body: bytes });
}

/** The headers `report.headers` names, from a storage answer; an ETag loses its quotes. */
export function collectHeaders(
  partUrl: PartUrl,
  answer: HttpAnswer,
): { readonly headers: Record<string, string>; readonly missing: readonly string[] } {
  const headers: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of partUrl.report.headers) {
    const value = answer.headers.get(name);
    if (value === null) missing.push(name);
    else headers[name] = name.toLowerCase() === "etag" ? unquote(value) : value;
  }
  return { headers, missing };
}

export function unquote(etag: string): string {
  const trimmed = etag.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')
    ? trimmed.slice(1, -1)
    : trimmed;
}

export interface StoredPart {
  readonly partUrl: PartUrl;
  readonly answer: HttpAnswer;
  /** What to report: the headers `report.headers` names. */
  readonly headers: Record<string, string>;
}

/** URL, storage request, headers to report; fails the check unless storage accepts the part. */
export async function storePart(
  ctx: CheckContext,
  uploadId: string,
  partNumber: number,
  bytes: Uint8Array,
): Promise<StoredPart> {
  const partUrl = await getPartUrl(ctx, uploadId, partNumber);
  const answer = await storageRequest(ctx, partUrl, bytes);
  if (!successCodes(partUrl).includes(answer.status))
    return ctx.fail(
      `the storage request of part ${partNumber} answered ${answer.status}, not one of its success codes ${JSON.stringify(successCodes(partUrl))} (CV-SUCCESS-CODES)`,
    );
  const { headers, missing } = collectHeaders(partUrl, answer);
  if (missing.length > 0)
    return ctx.fail(
      `the storage answer of part ${partNumber} lacks ${missing.join(", ")}, named by report.headers (CV-REPORT-HEADERS)`,
    );
  return { partUrl, answer, headers };
}

/** The report body of one part: `{part_number, response: {headers}}` (CV-REPORT-BODY). */
export function reportOf(partNumber: number, headers: Readonly<Record<string, string>>): unknown {
  return { part_number: partNumber, response: { headers } };
}

/** POST …/part, the answer unjudged. */
export function reportPart(
  ctx: CheckContext,
  uploadId: string,
  partNumber: number,
  headers: Readonly<Record<string, string>>,
  as: Caller = "token",
): Promise<HttpAnswer> {
  return call(ctx, "POST", uploadPath(uploadId, "/part"), { body: reportOf(partNumber, headers), as });
}

/** Stores and reports a part; fails the check unless both succeed. Returns the reported headers. */
export async function sendPart(
  ctx: CheckContext,
  uploadId: string,
  partNumber: number,
  bytes: Uint8Array,
): Promise<Record<string, string>> {
  const { headers } = await storePart(ctx, uploadId, partNumber, bytes);
  await expectReported(ctx, uploadId, partNumber, headers);
  return headers;
}

export async function expectReported(
  ctx: CheckContext,
  uploadId: string,
  partNumber: number,
  headers: Readonly<Record<string, string>>,
): Promise<void> {
  const answer = await reportPart(ctx, uploadId, partNumber, headers);
  if (!isSuccess(answer.status))
    ctx.fail(
      `the report of part ${partNumber} was refused with ${answer.status} (CV-REPORT-BODY, CV-REPORT-ETAG)`,
    );
}

/** POST …/complete (no body, as sevenbridges-python sends `null`), the answer unjudged. */
export async function completeUpload(ctx: CheckContext, uploadId: string): Promise<HttpAnswer> {
  const answer = await call(ctx, "POST", uploadPath(uploadId, "/complete"));
  if (isSuccess(answer.status)) forget(ctx, uploadId);
  return answer;
}

/** Completes; fails the check unless the answer is 200/201 with a File (CV-COMPLETE-FILE). */
export async function expectCompleted(ctx: CheckContext, uploadId: string, rule: string): Promise<File> {
  const answer = await completeUpload(ctx, uploadId);
  if (answer.status !== 200 && answer.status !== 201)
    return ctx.fail(`completing a valid upload answered ${answer.status}, not 200 or 201 (${rule})`);
  const checked = cavaticaSchemas.validate("File", answer.json());
  if (!checked.ok)
    return ctx.fail(
      `the completion answer is not a File: ${checked.issues[0]?.path || "/"} ${checked.issues[0]?.message} (CV-COMPLETE-FILE)`,
    );
  return checked.value;
}

/** One single-part file of `bytes` in the target (a small final part needs no minimum). */
export async function uploadSmallFile(
  ctx: CheckContext,
  bytes: Uint8Array,
  name: string,
  query = "",
  rule = "CV-COMPLETE-FILE",
): Promise<File> {
  const upload = await initUpload(ctx, { name, size: bytes.length }, query);
  await sendPart(ctx, upload.upload_id, 1, bytes);
  return expectCompleted(ctx, upload.upload_id, rule);
}

/** The bytes of a file, through `download_info`'s signed URL (GET, no token). */
export async function download(ctx: CheckContext, fileId: string): Promise<Uint8Array> {
  const info = await call(ctx, "GET", `/files/${encodeURIComponent(fileId)}/download_info`);
  const checked = cavaticaSchemas.validate("DownloadInfo", info.json());
  if (info.status !== 200 || !checked.ok)
    return ctx.fail(
      `download_info of file ${fileId} answered ${info.status} without a url (CV-COMPLETE-FILE)`,
    );
  const answer = await ctx.http.request({ method: "GET", url: checked.value.url });
  if (answer.status !== 200)
    return ctx.fail(`reading file ${fileId} from its download URL answered ${answer.status}, not 200`);
  return answer.bytes;
}

/** The reported parts of an upload (`list_parts=true`), or the failing answer. */
export async function listParts(
  ctx: CheckContext,
  uploadId: string,
): Promise<{ readonly answer: HttpAnswer; readonly details?: UploadDetails }> {
  const answer = await call(ctx, "GET", uploadPath(uploadId, "?list_parts=true"));
  if (answer.status !== 200) return { answer };
  const checked = cavaticaSchemas.validate("UploadDetails", answer.json());
  if (!checked.ok)
    return ctx.fail(
      `upload details are not UploadDetails: ${checked.issues[0]?.path || "/"} ${checked.issues[0]?.message} (CV-LIST-PARTS)`,
    );
  return { answer, details: checked.value };
}

/** The ETag a header set reports, normalised (quotes stripped, lowercase), or undefined. */
export function etagOf(headers: Readonly<Record<string, string>>): string | undefined {
  const name = Object.keys(headers).find((key) => key.toLowerCase() === "etag");
  return name === undefined ? undefined : unquote(headers[name]!).toLowerCase();
}

export function md5Hex(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}

/** `size` pseudo-random bytes from `seed` (xorshift32, a word at a time: 5 MiB in a few ms). */
export function bytesOf(size: number, seed: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(size / 4));
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return new Uint8Array(words.buffer, 0, size);
}

/** A seed for `bytesOf` from the check's seeded random. */
export const seedOf = (ctx: CheckContext): number => Math.floor(ctx.random() * 0xffffffff);

/**
 * What is wrong with an error answer's body against the platform error body
 * `{status, code, message, more_info}` (CV-ERROR-ENVELOPE), or undefined when it is right.
 * `lenient` accepts what the spec's Error schema accepts (only `status` and `message` required,
 * `status` possibly a string, as gateways answer); CV-ERROR-ENVELOPE itself wants all four.
 */
export function envelopeProblem(answer: HttpAnswer, lenient = false): string | undefined {
  const body = answer.json();
  if (body === undefined) return "the body is not JSON";
  const checked = cavaticaSchemas.validate("Error", body);
  if (!checked.ok)
    return `the body is not the error body {status, code, message, more_info}: ${checked.issues[0]?.path || "/"} ${checked.issues[0]?.message}`;
  if (lenient) return undefined;
  const { status, code, more_info } = checked.value;
  if (status !== answer.status)
    return `its status ${JSON.stringify(status)} is not the HTTP status ${answer.status}`;
  if (code === undefined) return "it has no code";
  if (more_info === undefined) return "it has no more_info";
  return undefined;
}

/** Resolves after `ms`, or rejects when the check is cancelled. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
