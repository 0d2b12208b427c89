/**
 * What the BaseSpace checks share: raw requests of the documented flow (specs/basespace.yaml) sent
 * through `ctx.http` so every exchange is recorded and nothing is retried, answers checked against
 * the spec's schemas, deterministic part bytes, and clean-up (every upload a check initiates is
 * aborted after it unless the check completed or aborted it).
 *
 * Nothing here knows the reference server: only the protocol as specified.
 */
import { md5, toBase64, toHex } from "@partwise/engine";
import { basespaceSchemas, type File, type FilePart } from "@partwise/protocol-basespace";
import fc from "fast-check";
import type { CheckContext, HttpAnswer } from "../../context.ts";

export const MiB = 1024 * 1024;
/** BS-PART-MIN-SIZE: every part but the highest-numbered has at least 5 MiB. */
export const MIN_PART_SIZE = 5 * MiB;
/** BS-PART-MAX-SIZE: no part has more than 25 MiB. */
export const MAX_PART_SIZE = 25 * MiB;
/** BS-PART-NUMBER: parts are numbered 1..10000. */
export const MAX_PART_NUMBER = 10_000;

export type TokenCarrier = "x-access-token" | "bearer" | "query";
export const TOKEN_CARRIERS: readonly TokenCarrier[] = ["x-access-token", "bearer", "query"];

export interface Call {
  readonly method: string;
  /** Path below the API root, with its query, e.g. `/files/7094087?uploadstatus=complete`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly body?: Uint8Array | string | ReadableStream<Uint8Array> | undefined;
  /** The token to send; the target's when absent, none when null. */
  readonly token?: string | null | undefined;
  /** How the token is carried [BS-V1]; default `x-access-token`. */
  readonly carrier?: TokenCarrier | undefined;
}

/** The AppResult the checks upload to (`--app-result`); skips the check without one. */
export function appResultOf(ctx: CheckContext): string {
  return ctx.target.appResultId ?? ctx.skip("needs --app-result (an AppResult the token may write to)");
}

/** The second identity of the isolation checks (`--other-token`); skips the check without one. */
export function otherTokenOf(ctx: CheckContext): string {
  return ctx.target.otherToken ?? ctx.skip("needs --other-token");
}

/** Sends one request to the API root; the token goes where `carrier` says. */
export function send(ctx: CheckContext, call: Call): Promise<HttpAnswer> {
  const token = call.token === undefined ? ctx.target.token : call.token;
  const carrier = call.carrier ?? "x-access-token";
  let url = `${ctx.target.baseUrl.replace(/\/+$/, "")}${call.path}`;
  const headers: Record<string, string> = { ...call.headers };
  if (token !== null) {
    if (carrier === "x-access-token") headers["x-access-token"] = token;
    else if (carrier === "bearer") headers.authorization = `Bearer ${token}`;
    else url += `${url.includes("?") ? "&" : "?"}access_token=${encodeURIComponent(token)}`;
  }
  return ctx.http.request({ method: call.method, url, headers, body: call.body });
}

/** The URL-encoded query of `params` (values `undefined` are left out). */
export function query(params: Readonly<Record<string, string | undefined>>): string {
  const pairs = Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return pairs.length === 0
    ? ""
    : `?${pairs.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join("&")}`;
}

export type EnvelopeSchema =
  | "FileResponse"
  | "FilePartResponse"
  | "FileListResponse"
  | "FileContentMetaResponse";

/** Fails unless the answer's status is one of `expected`. */
export function expectStatus(
  ctx: CheckContext,
  answer: HttpAnswer,
  expected: number | readonly number[],
  what: string,
): void {
  const allowed = typeof expected === "number" ? [expected] : expected;
  if (!allowed.includes(answer.status))
    ctx.fail(`${what} answered ${answer.status}, expected ${allowed.join(" or ")}`, answer.exchange);
}

/**
 * Fails unless the answer is a refusal (any 4xx): the documents [S0][S1] say what is rejected but
 * never with which status, so a check of a `must` rule accepts every 4xx.
 */
export function expectRefused(ctx: CheckContext, answer: HttpAnswer, what: string, expected = "a 4xx"): void {
  if (answer.status < 400 || answer.status >= 500)
    ctx.fail(`${what} answered ${answer.status}, expected a refusal (${expected})`, answer.exchange);
}

/** True when the answer is a refusal (4xx). */
export const isRefusal = (answer: HttpAnswer): boolean => answer.status >= 400 && answer.status < 500;

/** The `Response` of a success envelope validated against `schema` (BS-ENVELOPE), or a failure. */
export function envelopeOf<T>(
  ctx: CheckContext,
  answer: HttpAnswer,
  schema: EnvelopeSchema,
  what: string,
): T {
  const body = answer.json<unknown>();
  if (body === undefined) ctx.fail(`${what}: the answer is not JSON`, answer.exchange);
  const checked = basespaceSchemas.validate(schema, body);
  if (!checked.ok) {
    const issue = checked.issues[0];
    ctx.fail(
      `${what}: the answer is not a ${schema} (${issue ? `${issue.path || "/"}: ${issue.message}` : "invalid"})`,
      answer.exchange,
    );
  }
  return (body as { Response: T }).Response;
}

/**
 * Fails unless a refusal carries an error body clients understand (specs/basespace.yaml
 * `ErrorBody`: the envelope with ResponseStatus.ErrorCode/Message, or the bare
 * `{ErrorCode, MessageFormatted}` the Python SDK also reads). BS-ERROR-ENVELOPE demands the first.
 */
export function expectErrorBody(ctx: CheckContext, answer: HttpAnswer, what: string): void {
  const checked = basespaceSchemas.validate("ErrorBody", answer.json<unknown>());
  if (!checked.ok)
    ctx.fail(`${what} answered ${answer.status} without a BaseSpace error body`, answer.exchange);
}

export const md5Hex = async (bytes: Uint8Array): Promise<string> => toHex(await md5(bytes));
export const md5Base64 = async (bytes: Uint8Array): Promise<string> => toBase64(await md5(bytes));

/** `size` deterministic pseudo-random bytes from `seed` (xorshift32). */
export function bytesOf(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  let x = seed >>> 0 || 0x9e3779b9;
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
    bytes[i + 1] = (x >>> 8) & 0xff;
    bytes[i + 2] = (x >>> 16) & 0xff;
    bytes[i + 3] = x >>> 24;
  }
  for (; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** A description of the first difference between two byte strings, or undefined when equal. */
export function difference(actual: Uint8Array, expected: Uint8Array): string | undefined {
  const common = Math.min(actual.length, expected.length);
  for (let i = 0; i < common; i++)
    if (actual[i] !== expected[i]) return `byte ${i} is ${actual[i]}, expected ${expected[i]}`;
  if (actual.length !== expected.length) return `${actual.length} bytes, expected ${expected.length}`;
  return undefined;
}

/** Seeds of generated bytes: shrinking them would replay uploads and show nothing simpler. */
export const byteSeed: fc.Arbitrary<number> = fc.noShrink(fc.integer());

/**
 * File names BaseSpace accepts (the characters are undocumented; this set is plain), with up to
 * three extensions in mixed case, like `reads.Fastq.GZ`.
 */
export const fileName: fc.Arbitrary<string> = fc
  .tuple(
    fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,20}$/),
    fc.array(fc.stringMatching(/^[A-Za-z0-9]{1,5}$/), { maxLength: 3 }),
  )
  .map(([stem, extensions]) => `pw-${[stem, ...extensions].join(".")}`);

/** A directory of one plain segment, the form [S0] documents ("An optional directory query parameter"). */
export const directorySegment: fc.Arbitrary<string> = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,11}$/);

/** A directory of one to three plain segments (nested directories are undocumented: BS-INIT-PATH). */
export const directoryName: fc.Arbitrary<string> = fc
  .array(directorySegment, { minLength: 1, maxLength: 3 })
  .map((segments) => segments.join("/"));

/** A multipart upload a check started; aborted after the check unless it ended on the server. */
export interface Upload {
  readonly id: string;
  readonly file: File;
  /** Set when the upload was completed or aborted, so clean-up leaves it alone. */
  ended: boolean;
}

export interface InitiateOptions {
  readonly name?: string | undefined;
  readonly directory?: string | undefined;
  /** The file's media type, sent as Content-Type as [S0] shows; default application/octet-stream. */
  readonly contentType?: string | undefined;
  readonly token?: string | undefined;
}

/** The documented initiation [S0]: `?name=…[&directory=…]&multipart=true` with the file's Content-Type. */
export function initiateCall(
  appResult: string,
  options: { readonly name: string; readonly directory?: string | undefined; readonly contentType?: string },
): Omit<Call, "token" | "carrier"> {
  return {
    method: "POST",
    path: `/appresults/${encodeURIComponent(appResult)}/files${query({
      name: options.name,
      directory: options.directory,
      multipart: "true",
    })}`,
    headers: { "content-type": options.contentType ?? "application/octet-stream" },
  };
}

/** Registers an abort of `upload` after the check unless it ended by then (errors are ignored). */
export function abortAfterwards(
  ctx: CheckContext,
  upload: { readonly id: string; readonly ended: boolean },
  token?: string,
): void {
  ctx.onCleanup(async () => {
    if (upload.ended) return;
    await send(ctx, {
      method: "POST",
      path: `/files/${encodeURIComponent(upload.id)}?uploadstatus=aborted`,
      token,
    });
  });
}

/** When an answer created a File (a success with an Id), aborts it after the check. */
export function abortIfCreated(ctx: CheckContext, answer: HttpAnswer, token?: string): void {
  const id = answer.json<{ Response?: { Id?: unknown } }>()?.Response?.Id;
  if (answer.status >= 200 && answer.status < 300 && typeof id === "string")
    abortAfterwards(ctx, { id, ended: false }, token);
}

/** Initiates a multipart upload in the target's AppResult (BS-INIT-MULTIPART) or fails. */
export async function initiate(ctx: CheckContext, options: InitiateOptions = {}): Promise<Upload> {
  const appResult = appResultOf(ctx);
  const answer = await send(ctx, {
    ...initiateCall(appResult, {
      name: options.name ?? `partwise-conformance-${Math.floor(ctx.random() * 1e9)}.bin`,
      directory: options.directory,
      ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
    }),
    token: options.token,
  });
  if (answer.status !== 200 && answer.status !== 201)
    ctx.fail(`initiating a multipart upload answered ${answer.status}, expected 200`, answer.exchange);
  const file = envelopeOf<File>(ctx, answer, "FileResponse", "initiating a multipart upload");
  const upload: Upload = { id: file.Id, file, ended: false };
  abortAfterwards(ctx, upload, options.token);
  return upload;
}

export interface PartOptions {
  /** Send `Content-MD5` (default true), or send this exact value. */
  readonly contentMd5?: boolean | string | undefined;
  readonly token?: string | undefined;
}

/**
 * PUTs one part (charged to the data budget) and returns the raw answer: the body, its
 * `Content-MD5` and the token, as the [S1] example (`curl -T`) sends it, with no Content-Type.
 */
export async function putPart(
  ctx: CheckContext,
  fileId: string,
  number: number | string,
  bytes: Uint8Array,
  options: PartOptions = {},
): Promise<HttpAnswer> {
  ctx.spend(bytes.length);
  const md5Header =
    typeof options.contentMd5 === "string"
      ? options.contentMd5
      : options.contentMd5 === false
        ? undefined
        : await md5Base64(bytes);
  return send(ctx, {
    method: "PUT",
    path: `/files/${encodeURIComponent(fileId)}/parts/${typeof number === "number" ? number : encodeURIComponent(number)}`,
    headers: md5Header === undefined ? {} : { "content-md5": md5Header },
    body: bytes,
    token: options.token,
  });
}

/** How long `putAtOnce` holds bodies open at most, waiting for every request to start. */
const BARRIER_FALLBACK_MS = 5_000;

/**
 * PUTs parts of one upload genuinely at once: each body (with its Content-Length, as `curl -T`
 * sends it) is held open after its first half until every request has started sending, so all of
 * them are in flight on the server together. Returns the answers in the order given; a request
 * that fails on the network rejects like `putPart`.
 */
export async function putAtOnce(
  ctx: CheckContext,
  fileId: string,
  parts: readonly (readonly [number, Uint8Array])[],
): Promise<HttpAnswer[]> {
  // Charged and hashed before any request starts, so a spent budget cannot leave a body waiting.
  ctx.spend(parts.reduce((sum, [, bytes]) => sum + bytes.length, 0));
  const digests = await Promise.all(parts.map(([, bytes]) => md5Base64(bytes)));
  let started = 0;
  let release!: () => void;
  const everyoneStarted = new Promise<void>((resolve) => {
    release = resolve;
    // Should a client stack hold a request back until another ends, the bodies go on regardless.
    setTimeout(resolve, BARRIER_FALLBACK_MS).unref?.();
  });
  const arrive = () => {
    started += 1;
    if (started === parts.length) release();
  };
  const requests = parts.map(async ([number, bytes], index) => {
    const half = bytes.length >> 1;
    let step = 0;
    let arrived = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        step += 1;
        if (step === 1) {
          if (half > 0) controller.enqueue(bytes.slice(0, half));
          arrived = true;
          arrive();
          return;
        }
        await everyoneStarted;
        controller.enqueue(bytes.slice(half));
        controller.close();
      },
    });
    try {
      return await send(ctx, {
        method: "PUT",
        path: `/files/${encodeURIComponent(fileId)}/parts/${number}`,
        headers: { "content-md5": digests[index]!, "content-length": String(bytes.length) },
        body,
      });
    } finally {
      // A request that ended before its body was pulled must not hold the others back.
      if (!arrived) arrive();
    }
  });
  return Promise.all(requests);
}

/** PUTs a part that must be stored (200, a FilePart of its number and size) and returns the FilePart. */
export async function storePart(
  ctx: CheckContext,
  fileId: string,
  number: number,
  bytes: Uint8Array,
  options: PartOptions = {},
): Promise<FilePart> {
  const answer = await putPart(ctx, fileId, number, bytes, options);
  expectStatus(ctx, answer, 200, `PUT part ${number} (${bytes.length} bytes)`);
  const part = envelopeOf<FilePart>(ctx, answer, "FilePartResponse", `PUT part ${number}`);
  if (part.Number !== number || part.Size !== bytes.length)
    ctx.fail(
      `PUT part ${number} (${bytes.length} bytes) answered Number ${part.Number} and Size ${part.Size}`,
      answer.exchange,
    );
  return part;
}

/** POSTs `uploadstatus` in the query as documented [S1]. */
export function setStatus(
  ctx: CheckContext,
  fileId: string,
  status: string,
  token?: string,
): Promise<HttpAnswer> {
  return send(ctx, {
    method: "POST",
    path: `/files/${encodeURIComponent(fileId)}${query({ uploadstatus: status })}`,
    token,
  });
}

/**
 * Completes an upload that must complete. Accepts 200 or 201 (BS-COMPLETE-STATUS checks the 201)
 * and returns the File, which must say `complete`.
 */
export async function complete(ctx: CheckContext, upload: Upload): Promise<File> {
  const answer = await setStatus(ctx, upload.id, "complete");
  expectStatus(ctx, answer, [200, 201], "completing the upload");
  upload.ended = true;
  const file = envelopeOf<File>(ctx, answer, "FileResponse", "completing the upload");
  if (file.UploadStatus !== "complete")
    ctx.fail(`completing the upload answered UploadStatus ${file.UploadStatus}`, answer.exchange);
  return file;
}

/** GET files/{id}: the File, or a failure. */
export async function getFile(ctx: CheckContext, fileId: string): Promise<File> {
  const answer = await send(ctx, { method: "GET", path: `/files/${encodeURIComponent(fileId)}` });
  expectStatus(ctx, answer, 200, `GET files/${fileId}`);
  return envelopeOf<File>(ctx, answer, "FileResponse", `GET files/${fileId}`);
}

/** GET files/{id}/content?redirect=false: the bytes served by the API itself. */
export function getContent(
  ctx: CheckContext,
  fileId: string,
  headers?: Readonly<Record<string, string>>,
): Promise<HttpAnswer> {
  return send(ctx, {
    method: "GET",
    path: `/files/${encodeURIComponent(fileId)}/content?redirect=false`,
    headers,
  });
}

/** Downloads a complete file and fails unless it equals `expected` byte for byte. */
export async function expectContent(
  ctx: CheckContext,
  fileId: string,
  expected: Uint8Array,
  what: string,
): Promise<void> {
  let answer = await getContent(ctx, fileId);
  // A server that redirects even for redirect=false: follow to storage without the token, as SDKs do.
  const location = answer.status >= 300 && answer.status < 400 ? answer.headers.get("location") : null;
  if (location)
    answer = await ctx.http.request({ method: "GET", url: new URL(location, ctx.target.baseUrl).href });
  expectStatus(ctx, answer, 200, `downloading ${what}`);
  const problem = difference(answer.bytes, expected);
  if (problem !== undefined) ctx.fail(`downloaded ${what}: ${problem}`, answer.exchange);
}

/** The bytes of parts joined by ascending part number (BS-COMPLETE-ORDER). */
export function joinByNumber(parts: ReadonlyMap<number, Uint8Array>): Uint8Array {
  const ordered = [...parts.entries()].sort(([a], [b]) => a - b).map(([, bytes]) => bytes);
  const out = new Uint8Array(ordered.reduce((sum, bytes) => sum + bytes.length, 0));
  let offset = 0;
  for (const bytes of ordered) {
    out.set(bytes, offset);
    offset += bytes.length;
  }
  return out;
}

let fullPart: Uint8Array<ArrayBuffer> | undefined;

/**
 * A part of exactly 5 MiB (the smallest non-final part, BS-PART-MIN-SIZE) whose first 4 KiB come
 * from `seed`, so versions differ; the rest is shared and computed once.
 */
export function minimumPart(seed: number): Uint8Array<ArrayBuffer> {
  fullPart ??= bytesOf(MIN_PART_SIZE, 0x5eed);
  const part = fullPart.slice();
  part.set(bytesOf(4096, seed));
  return part;
}
