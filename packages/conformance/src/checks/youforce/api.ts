/**
 * What the YouForce and MIME checks share: raw requests of the File API (specs/youforce.yaml) sent
 * through `ctx.http`, so every exchange is recorded and nothing is retried or repaired; answers
 * checked against the spec's schemas; unique file names; and clean-up.
 *
 * Clean-up: the File API has no way for a publisher to remove a file or to abandon a resumable
 * upload. A check therefore closes every resumable upload it opens, and after the check marks every
 * file it stored as deleted for its own subscriber view (`DELETE /files/{id}?role=subscriber`,
 * YF-DELETE) so the files leave the available list. Point the suite at a business type meant for
 * tests: its subscribers receive what the checks upload.
 *
 * Nothing here knows the reference server: only the protocol as specified.
 */
import { type File, youforceSchemas } from "@partwise/protocol-youforce";
import type { Check } from "../../check.ts";
import type { CheckContext, HttpAnswer } from "../../context.ts";
import {
  type Bytes,
  frame,
  holdsDelimiter,
  JSON_PART_HEADERS,
  mediaPart,
  metadataPart,
  relatedContentType,
} from "./wire.ts";

/** A YouForce or MIME check (the MIME rules are tested through `POST /files?uploadType=multipart`). */
export function youforceCheck(id: string, title: string, run: (ctx: CheckContext) => Promise<void>): Check {
  return { id, protocol: "youforce", title, run };
}

/** The business type the checks publish to (`--business-type-id`); skips the check without one. */
export function businessTypeOf(ctx: CheckContext): number {
  return (
    ctx.target.businessTypeId ?? ctx.skip("needs --business-type-id (a business type the token publishes)")
  );
}

/** The second identity of the isolation checks (`--other-token`); skips the check without one. */
export function otherTokenOf(ctx: CheckContext): string {
  return ctx.target.otherToken ?? ctx.skip("needs --other-token");
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** `{baseUrl}/files[/id][?query]`, values percent-encoded. */
export function filesUrl(
  ctx: CheckContext,
  query: Readonly<Record<string, string>> = {},
  fileId?: string,
): string {
  const path = `${ctx.target.baseUrl.replace(/\/+$/, "")}/files${fileId === undefined ? "" : `/${encodeURIComponent(fileId)}`}`;
  const pairs = Object.entries(query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  return pairs.length === 0 ? path : `${path}?${pairs.join("&")}`;
}

/**
 * A name no other run has used: `pw-<stem>-<nonce><extension>`, from the YF-NAME-CHARSET set. The
 * nonce is not seeded on purpose: it only keeps runs against a persistent server apart and is no
 * part of any counterexample.
 */
export function uniqueName(stem: string, extension = ".txt"): string {
  const nonce = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(6)), (b) =>
    (b % 36).toString(36),
  ).join("");
  return `pw-${stem}-${nonce}${extension}`;
}

/**
 * The metadata object of checks that do not test the keys: the form the vendor's own working client
 * sends (file-api-integration-examples UploadFile.ps1 `CreateFirstChunkRequest`, the [S4] worked
 * example), `name` and `businesstypeid` as a string of digits (YF-METADATA-KEYS). YF-CREATED tests
 * the [S4] table's `FileName`/`BusinessTypeId` as well.
 */
export function metadataOf(name: string, businessTypeId: number | string): Record<string, unknown> {
  return { name, businesstypeid: String(businessTypeId) };
}

export interface PostOptions {
  /** The request's `Content-Type`; none is sent when null. */
  readonly contentType: string | null;
  readonly uploadType?: "multipart" | "resumable" | undefined;
  /** Default the target's token. */
  readonly token?: string | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * `POST /files?uploadType=…` with a body built by the check; the bytes are charged to the budget.
 * A streamed body (sent with chunked transfer coding, in the chunks the stream yields) is charged by
 * whoever builds it.
 */
export function postFiles(
  ctx: CheckContext,
  body: Bytes | ReadableStream<Uint8Array>,
  options: PostOptions,
): Promise<HttpAnswer> {
  if (!(body instanceof ReadableStream)) ctx.spend(body.length);
  return ctx.http.request({
    method: "POST",
    url: filesUrl(ctx, { uploadType: options.uploadType ?? "multipart" }),
    headers: {
      ...bearer(options.token ?? ctx.target.token),
      ...(options.contentType === null ? {} : { "content-type": options.contentType }),
      ...options.headers,
    },
    body,
  });
}

export interface UploadOptions {
  readonly name: string;
  readonly media: Uint8Array | string;
  /** Default the documented metadata object of `name` and the target's business type. */
  readonly metadata?: unknown;
  readonly boundary?: string | undefined;
  readonly uploadType?: "multipart" | "resumable" | undefined;
  readonly token?: string | undefined;
}

/** A plain, valid two-part upload: the baseline every variant departs from. */
export function upload(ctx: CheckContext, options: UploadOptions): Promise<HttpAnswer> {
  let boundary = options.boundary ?? "partwise_conformance_boundary";
  // A sender picks a boundary its content does not hold (MIME-BOUNDARY-IN-CONTENT).
  while (options.boundary === undefined && holdsDelimiter(options.media, boundary)) boundary += "_";
  const metadata = options.metadata ?? metadataOf(options.name, businessTypeOf(ctx));
  const body = frame([metadataPart(metadata, JSON_PART_HEADERS), mediaPart(options.media)], { boundary });
  return postFiles(ctx, body, {
    contentType: relatedContentType(boundary),
    uploadType: options.uploadType,
    token: options.token,
  });
}

/** After the check, marks a stored file deleted for the token's subscriber view (errors ignored). */
export function deleteAfterwards(ctx: CheckContext, fileId: string, token?: string): void {
  ctx.onCleanup(async () => {
    await ctx.http.request({
      method: "DELETE",
      url: filesUrl(ctx, { role: "subscriber" }, fileId),
      headers: bearer(token ?? ctx.target.token),
    });
  });
}

/** When an answer stored a file (a 2xx `File` with an id), cleans it up after the check. */
export function forgetIfStored(ctx: CheckContext, answer: HttpAnswer, token?: string): void {
  const id = answer.json<{ id?: unknown }>()?.id;
  if (answer.status >= 200 && answer.status < 300 && typeof id === "string") deleteAfterwards(ctx, id, token);
}

/** The answer's body as a schema-valid value, or a failure naming what was wrong. */
function validated<N extends "File" | "ResumableSession" | "FileList" | "Error">(
  ctx: CheckContext,
  answer: HttpAnswer,
  schema: N,
  what: string,
): unknown {
  const body = answer.json<unknown>();
  if (body === undefined) ctx.fail(`${what}: the ${answer.status} answer is not JSON`, answer.exchange);
  const checked = youforceSchemas.validate(schema, body);
  if (!checked.ok) {
    const issue = checked.issues[0];
    ctx.fail(
      `${what}: the ${answer.status} answer is not a valid ${schema} (${issue ? `${issue.path || "/"}: ${issue.message}` : "invalid"})`,
      answer.exchange,
    );
  }
  return checked.value;
}

/**
 * YF-CREATED: 201 with a valid `File` of `size` bytes named `name`. The file is cleaned up after
 * the check whatever the status.
 */
export function expectCreated(
  ctx: CheckContext,
  answer: HttpAnswer,
  expected: { readonly name: string; readonly size: number },
  what: string,
): File {
  forgetIfStored(ctx, answer);
  if (answer.status !== 201)
    ctx.fail(`${what}: expected 201 Created with the File, got ${answer.status}`, answer.exchange);
  const file = validated(ctx, answer, "File", what) as File;
  if (file.size !== expected.size)
    ctx.fail(
      `${what}: the File's size is ${file.size}, but ${expected.size} bytes were sent`,
      answer.exchange,
    );
  if (file.name !== expected.name)
    ctx.fail(
      `${what}: the File's name is ${JSON.stringify(file.name)}, but the metadata named ${JSON.stringify(expected.name)}`,
      answer.exchange,
    );
  return file;
}

/**
 * `GET /files/{id}?role=publisher` (or `subscriber`), the whole file or a `Range`: always with the
 * `role` the download guides' URLs carry, so a server that requires it is not misjudged.
 */
export function download(
  ctx: CheckContext,
  fileId: string,
  options: {
    readonly token?: string;
    readonly range?: string;
    readonly role?: "publisher" | "subscriber";
    readonly method?: "GET" | "HEAD";
  } = {},
): Promise<HttpAnswer> {
  return ctx.http.request({
    method: options.method ?? "GET",
    url: filesUrl(ctx, { role: options.role ?? "publisher" }, fileId),
    headers: {
      ...bearer(options.token ?? ctx.target.token),
      ...(options.range === undefined ? {} : { range: options.range }),
    },
  });
}

/** Fails unless the stored file reads back as exactly `content`. */
export async function expectReadBack(
  ctx: CheckContext,
  fileId: string,
  content: Uint8Array | string,
  what: string,
): Promise<void> {
  const expected = typeof content === "string" ? new TextEncoder().encode(content) : content;
  const answer = await download(ctx, fileId);
  if (answer.status !== 200)
    ctx.fail(`${what}: downloading the stored file answered ${answer.status}, not 200`, answer.exchange);
  const diff = difference(answer.bytes, expected);
  if (diff !== undefined)
    ctx.fail(`${what}: the stored file differs from the media part sent: ${diff}`, answer.exchange);
}

/** An upload that must be accepted as RFC 2046 allows: 201, a valid File, the content read back. */
export async function expectStored(
  ctx: CheckContext,
  answer: HttpAnswer,
  expected: { readonly name: string; readonly content: Uint8Array | string },
  what: string,
): Promise<File> {
  const bytes =
    typeof expected.content === "string" ? new TextEncoder().encode(expected.content) : expected.content;
  const file = expectCreated(ctx, answer, { name: expected.name, size: bytes.length }, what);
  await expectReadBack(ctx, file.id, bytes, what);
  return file;
}

/**
 * YF-ERROR-ENVELOPE: the body is `{CorrelationId, Message, ErrorCode, Exception}` with ErrorCode
 * the status as text.
 */
export function expectEnvelope(ctx: CheckContext, answer: HttpAnswer, what: string): void {
  const body = answer.json<unknown>();
  const checked = youforceSchemas.validate("Error", body);
  if (!checked.ok) {
    const issue = checked.issues[0];
    const why =
      body === undefined ? "it is not JSON" : `${issue?.path || "/"}: ${issue?.message ?? "invalid"}`;
    ctx.fail(
      `${what}: the ${answer.status} answer is not the error body {CorrelationId, Message, ErrorCode, Exception} (YF-ERROR-ENVELOPE; ${why})`,
      answer.exchange,
    );
  }
  if (checked.value.ErrorCode !== String(answer.status))
    ctx.fail(
      `${what}: the ${answer.status} answer's ErrorCode is ${JSON.stringify(checked.value.ErrorCode)}, not the status as text (YF-ERROR-ENVELOPE)`,
      answer.exchange,
    );
}

/**
 * A refusal: one of `statuses`. The body is not judged here: the envelope is YF-ERROR-ENVELOPE's
 * rule, and a refusal may come from a layer before the File API (a proxy's 413, an HTTP stack's 400
 * for a malformed header) with its own body. Whatever the answer, a file it stored is cleaned up
 * after the check.
 */
export function expectRefused(
  ctx: CheckContext,
  answer: HttpAnswer,
  statuses: readonly number[],
  what: string,
): void {
  forgetIfStored(ctx, answer);
  if (!statuses.includes(answer.status))
    ctx.fail(`${what}: expected ${statuses.join(" or ")}, got ${answer.status}`, answer.exchange);
}

/**
 * The ids of the files named `name` in the token's listing (`$filter=fileName eq '…'`,
 * guides_search_for_files.html); a subscriber listing includes downloaded and deleted files when
 * `allStatuses`.
 */
export async function listedIds(
  ctx: CheckContext,
  name: string,
  options: {
    readonly role?: "publisher" | "subscriber";
    readonly token?: string;
    readonly allStatuses?: boolean;
  } = {},
): Promise<{ readonly answer: HttpAnswer; readonly ids: readonly string[] }> {
  const role = options.role ?? "publisher";
  const byName = `fileName eq '${name.replaceAll("'", "''")}'`;
  const answer = await ctx.http.request({
    method: "GET",
    url: filesUrl(ctx, {
      role,
      pageSize: "1000",
      $filter: options.allStatuses ? `${byName} and status eq 'all'` : byName,
    }),
    headers: bearer(options.token ?? ctx.target.token),
  });
  if (answer.status !== 200) return { answer, ids: [] };
  const list = validated(ctx, answer, "FileList", `listing role=${role}`) as {
    data: readonly { fileId: string; fileName: string }[];
  };
  return { answer, ids: list.data.filter((item) => item.fileName === name).map((item) => item.fileId) };
}

/** Fails unless no file named `name` is listed for the token as publisher. */
export async function expectNothingListed(ctx: CheckContext, name: string, what: string): Promise<void> {
  const { answer, ids } = await listedIds(ctx, name);
  if (answer.status !== 200)
    ctx.fail(`${what}: listing the token's uploads answered ${answer.status}, not 200`, answer.exchange);
  if (ids.length > 0) {
    for (const id of ids) deleteAfterwards(ctx, id);
    ctx.fail(
      `${what}: the refused upload ${JSON.stringify(name)} is listed (file ${ids[0]})`,
      answer.exchange,
    );
  }
}

/**
 * YF-RESUMABLE-CLOSE: the answer to a closing chunk is a 2xx; the documents do not say what it
 * holds (the resumable guide and UploadFile.ps1 do not say), so the stored file is the `File` of the answer when there is one, and
 * otherwise the one file the token's listing shows under the upload's name. Fails unless that file
 * has `size` bytes (one of them, when several outcomes are right). The file is cleaned up after
 * the check.
 */
export async function expectClosed(
  ctx: CheckContext,
  answer: HttpAnswer,
  session: Pick<Session, "name" | "token">,
  size: number | readonly number[],
  what: string,
): Promise<{ readonly id: string; readonly size: number }> {
  const sizes = typeof size === "number" ? [size] : size;
  if (answer.status < 200 || answer.status >= 300)
    ctx.fail(`${what}: expected a 2xx answer to close=true, got ${answer.status}`, answer.exchange);
  forgetIfStored(ctx, answer, session.token);
  const body = answer.json<unknown>();
  const returned = youforceSchemas.validate("File", body);
  let file: { readonly id: string; readonly size: number };
  if (returned.ok) file = returned.value;
  else {
    const { answer: listing, ids } = await listedIds(ctx, session.name, { token: session.token });
    const id = ids[0];
    if (ids.length !== 1 || id === undefined)
      ctx.fail(
        `${what}: the close answered no File and the token's listing shows ${ids.length} files named ${JSON.stringify(session.name)}, not 1`,
        listing.exchange,
      );
    deleteAfterwards(ctx, id, session.token);
    const head = await download(ctx, id, { token: session.token, method: "HEAD" });
    const length = Number(head.headers.get("content-length") ?? Number.NaN);
    file = { id, size: Number.isSafeInteger(length) ? length : (sizes[0] ?? 0) };
  }
  if (!sizes.includes(file.size))
    ctx.fail(
      `${what}: the closed file has ${file.size} bytes, but ${sizes.join(" or ")} were sent`,
      answer.exchange,
    );
  return file;
}

/** A description of the first difference between two byte strings, or undefined when equal. */
export function difference(actual: Uint8Array, expected: Uint8Array): string | undefined {
  const common = Math.min(actual.length, expected.length);
  for (let i = 0; i < common; i++)
    if (actual[i] !== expected[i]) return `byte ${i} is ${actual[i]}, expected ${expected[i]}`;
  if (actual.length !== expected.length) return `${actual.length} bytes, expected ${expected.length}`;
  return undefined;
}

/** `size` deterministic pseudo-random bytes from `seed` (xorshift32). */
export function bytesOf(size: number, seed: number): Bytes {
  const bytes = new Uint8Array(size);
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/**
 * A resumable upload a check opened (YF-RESUMABLE-TOKEN). `stored` tracks the positions the server
 * took; unless the check closed the upload, it is closed after the check (missing positions filled
 * with one byte) and the file marked deleted, since the API cannot abandon an upload.
 */
export interface Session {
  readonly uploadToken: string;
  /** The file name of the metadata. */
  readonly name: string;
  readonly token: string;
  readonly stored: Map<number, number>;
  closed: boolean;
}

/** `POST /files?uploadType=resumable` with chunk 0; fails unless 200/201 with an uploadToken. */
export async function startResumable(
  ctx: CheckContext,
  options: { readonly name: string; readonly chunk0: Uint8Array | string; readonly token?: string },
): Promise<Session> {
  const answer = await upload(ctx, {
    name: options.name,
    media: options.chunk0,
    uploadType: "resumable",
    token: options.token,
  });
  if (answer.status !== 200 && answer.status !== 201)
    ctx.fail(`starting a resumable upload: expected 200 or 201, got ${answer.status}`, answer.exchange);
  const { uploadToken } = validated(ctx, answer, "ResumableSession", "starting a resumable upload") as {
    uploadToken: string;
  };
  const size =
    typeof options.chunk0 === "string"
      ? new TextEncoder().encode(options.chunk0).length
      : options.chunk0.length;
  const session: Session = {
    uploadToken,
    name: options.name,
    token: options.token ?? ctx.target.token,
    stored: new Map([[0, size]]),
    closed: false,
  };
  ctx.onCleanup(async () => {
    if (session.closed) return;
    const last = Math.max(...session.stored.keys());
    for (let position = 1; position < last; position++)
      if (!session.stored.has(position)) await putChunk(ctx, session, { position, bytes: new Uint8Array(1) });
    const closing = await putChunk(ctx, session, {
      position: last + 1,
      bytes: new Uint8Array(1),
      close: true,
    });
    forgetIfStored(ctx, closing, session.token);
  });
  return session;
}

/**
 * `PUT /files?uploadType=resumable&uploadToken=…&position=n[&close=true]` with the chunk's bytes;
 * a 2xx records the position in `session.stored` (a 201 closing answer marks it closed).
 */
export async function putChunk(
  ctx: CheckContext,
  session: Session | { readonly uploadToken: string; readonly token: string },
  chunk: {
    readonly position: number | string;
    readonly bytes: Uint8Array<ArrayBuffer>;
    readonly close?: boolean;
    readonly token?: string;
  },
): Promise<HttpAnswer> {
  ctx.spend(chunk.bytes.length);
  const answer = await ctx.http.request({
    method: "PUT",
    url: filesUrl(ctx, {
      uploadType: "resumable",
      uploadToken: session.uploadToken,
      position: String(chunk.position),
      ...(chunk.close ? { close: "true" } : {}),
    }),
    headers: { ...bearer(chunk.token ?? session.token), "content-type": "application/octet-stream" },
    body: chunk.bytes,
  });
  if ("stored" in session && answer.status >= 200 && answer.status < 300) {
    session.stored.set(Number(chunk.position), chunk.bytes.length);
    if (chunk.close) session.closed = true;
  }
  return answer;
}
