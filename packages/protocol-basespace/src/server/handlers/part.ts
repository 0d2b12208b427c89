/**
 * `PUT files/{id}/parts/{partNumber}` (uploadFilePart) [S1]:
 * - BS-PART-NUMBER: 1..10000, anything else 400 (404 in the strict reading);
 * - BS-PART-MAX-SIZE: at most 26,214,400 bytes (25,000,000 in the strict reading), refused with
 *   413 (strict: 400) while the body streams in;
 * - BS-PART-MD5: optional; a malformed `Content-MD5`, or one that does not match the bytes, 400 —
 *   and nothing stored, so an earlier version of the part stays;
 * - BS-PART-ETAG: 200 with `{Number, ETag, Size}`, the ETag the hex MD5 of the bytes (lower case;
 *   upper case in the strict reading);
 * - BS-PART-REPLACE, BS-PART-ANY-ORDER: any order, in parallel; a re-sent number replaces the part.
 * The minimum size (BS-PART-MIN-SIZE) depends on which part is final, known only at completion.
 *
 * The bytes stream to a temp file while hashed (one pass, no copy, no re-read); only the commit —
 * rename plus part document — runs under the upload's lock.
 */
import { createHash } from "node:crypto";
import { toHex } from "@partwise/engine";
import type { StagedBlob } from "@partwise/node";
import { ownFile, type RequestContext, type ServerContext } from "../context.ts";
import { envelope, refuse } from "../errors.ts";
import { assertDeclaredLength, type BodyBound, expectedMd5, ingestBody, verifyMd5 } from "../ingest.ts";
import type { Mutations } from "../mutations.ts";
import type { FileRecord, PartRecord } from "../state.ts";

/**
 * The part number of the path, or a refusal (BS-PART-NUMBER; 400, 404 in the strict reading).
 * `mutant` widens the range to 0..maxParts+1 (the BS-PART-NUMBER mutant) or narrows it to
 * 1..maxParts-1 (its too-strict variant); testing conformance suites only.
 */
export function partNumberOf(
  raw: string | undefined,
  maxParts: number,
  status: 400 | 404 = 400,
  mutant: "wide" | "narrow" | undefined = undefined,
): number {
  const number = raw !== undefined && /^[0-9]{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  const [lowest, highest] =
    mutant === "wide" ? [0, maxParts + 1] : mutant === "narrow" ? [1, maxParts - 1] : [1, maxParts];
  if (!(number >= lowest && number <= highest))
    refuse(
      status,
      `Part number ${JSON.stringify((raw ?? "").slice(0, 20))} is outside 1..${maxParts}`,
      "BS-PART-NUMBER",
    );
  return number;
}

/**
 * Parts go only to a pending multipart upload; 409 otherwise. The mutants (testing conformance
 * suites only) let an aborted upload (BS-ABORT) or a complete one (BS-COMPLETE-FINAL) take parts.
 */
export function assertAcceptsParts(file: FileRecord, mutations?: Mutations): void {
  if (file.uploadStatus === "aborted" && mutations?.has("BS-ABORT")) return;
  if (file.uploadStatus === "complete" && file.multipart && mutations?.has("BS-COMPLETE-FINAL")) return;
  if (file.uploadStatus === "aborted")
    refuse(409, `File ${file.id} has UploadStatus aborted and accepts no parts`, "BS-ABORT");
  if (file.uploadStatus !== "pending" || !file.multipart)
    refuse(409, `File ${file.id} has UploadStatus ${file.uploadStatus} and accepts no parts`);
}

/** Above this size the large-part mutants misbehave (testing conformance suites only). */
const LARGE_PART = 16 * 1024 * 1024;

export async function uploadFilePart(ctx: ServerContext, rctx: RequestContext): Promise<Response> {
  const { mutations, policy } = ctx;
  const number = partNumberOf(
    rctx.params.partNumber,
    ctx.limits.maxParts,
    policy.badPartNumberStatus,
    mutations.has("BS-PART-NUMBER")
      ? "wide"
      : mutations.has("BS-PART-NUMBER:too-strict")
        ? "narrow"
        : undefined,
  );
  const file = ownFile(ctx, rctx, "part");
  assertAcceptsParts(file, mutations);
  if (mutations.size === 0) return storePart(ctx, rctx, file, number);
  // A mutant server (testing conformance suites only): note what is in flight around this PUT.
  const { uploadBusy } = mutations.startPut(file.id, number);
  try {
    if (uploadBusy && mutations.has("BS-PART-ANY-ORDER:concurrent"))
      refuse(409, `Another part of File ${file.id} is being stored`, "BS-PART-ANY-ORDER");
    if (mutations.has("BS-PART-MD5:required") && !rctx.request.headers.has("content-md5"))
      refuse(400, "Content-MD5 is required", "BS-PART-MD5");
    return await storePart(ctx, rctx, file, number);
  } finally {
    mutations.endPut(file.id, number);
  }
}

async function storePart(
  ctx: ServerContext,
  rctx: RequestContext,
  file: FileRecord,
  number: number,
): Promise<Response> {
  const { mutations, policy } = ctx;
  const expected = mutations.has("BS-PART-MD5")
    ? undefined
    : expectedMd5(rctx.request, policy.contentMd5Forms);
  let max = ctx.limits.maxPartSize;
  if (mutations.has("BS-PART-MAX-SIZE")) max += 1024 * 1024;
  if (mutations.has("BS-PART-MAX-SIZE:too-strict")) max = Math.min(max, 25_000_000 - 1);
  const bound: BodyBound = {
    max,
    status: policy.partTooLargeStatus,
    rule: "BS-PART-MAX-SIZE",
    what: "A part",
  };
  assertDeclaredLength(rctx.request, bound);
  // BS-COMPLETE-ORDER:lost-update's mutant reads the part list before the body and writes it back after.
  const before = mutations.has("BS-COMPLETE-ORDER:lost-update") ? ctx.state.partList(file.id) : undefined;
  // The listener's body untouched: Store then reads it straight from the socket, without a Web
  // stream in between (about a fifth of the server's CPU per GiB), and it fails when the client goes.
  const staged = await ingestBody(ctx.store, rctx.request.body ?? NO_BODY, bound);
  try {
    if (!(mutations.has("BS-PART-MD5:large") && staged.size > LARGE_PART)) await verifyMd5(staged, expected);
    let etag = toHex(staged.md5);
    if (mutations.has("BS-PART-ETAG")) etag = createHash("md5").update(etag).digest("hex");
    const part = await ctx.state.lockFile(file.id, async () => {
      // Completion or abort may have happened while the bytes streamed in.
      const current = ctx.state.file(file.id) ?? file;
      assertAcceptsParts(current, mutations);
      // The strict reading refuses a part that is under the minimum and cannot be the final one.
      if (
        policy.minimumAtPut &&
        staged.size < ctx.limits.minPartSize &&
        ctx.state.partList(file.id).some((part) => part.number > number)
      )
        refuse(
          400,
          `Part ${number} has ${staged.size} bytes and a higher-numbered part is stored: every part but the last must have at least ${ctx.limits.minPartSize}`,
          "BS-PART-MIN-SIZE",
        );
      if (mutations.size > 0) {
        const mutant = await mutantPart(ctx, current, { number, size: staged.size, etag }, staged, before);
        if (mutant !== undefined) return mutant;
      }
      return ctx.state.commitPart(file.id, { number, size: staged.size, etag }, staged);
    });
    // BS-PART-ETAG: "a hex encoded MD5 digest" [S1], in the reading's letter case.
    const answered = policy.etagCase === "upper" ? part.etag.toUpperCase() : part.etag;
    return envelope({ Number: part.number, ETag: answered, Size: part.size }, 200, {
      etag: `"${answered}"`,
    });
  } finally {
    await staged.discard();
  }
}

/**
 * The part mutants (testing conformance suites only); the caller holds the upload's lock.
 * Undefined: commit as usual.
 */
async function mutantPart(
  ctx: ServerContext,
  file: FileRecord,
  answer: Omit<PartRecord, "key">,
  staged: StagedBlob,
  before: readonly PartRecord[] | undefined,
): Promise<PartRecord | undefined> {
  const { mutations, state, store } = ctx;
  const { number } = answer;
  const stored = state.partList(file.id);
  if (mutations.has("BS-PART-ANY-ORDER") && stored.some((part) => part.number > number))
    refuse(400, `Part ${number} arrived after a higher-numbered part`, "BS-PART-ANY-ORDER");
  mutations.noteStored(file.id, number);
  if (file.uploadStatus === "complete") {
    // BS-COMPLETE-FINAL: the part is appended to the complete File.
    const key = state.blobKey(`p${file.id}-${number}`);
    await staged.commit(key);
    await state.saveFile({
      ...file,
      size: file.size + answer.size,
      segments: [...file.segments, { key, size: answer.size }],
    });
    return { ...answer, key };
  }
  const first = stored.find((part) => part.number === number);
  if (mutations.has("BS-PART-REPLACE") && first !== undefined) return { ...answer, key: first.key };
  let record: PartRecord | undefined;
  if (first !== undefined && mutations.has("BS-PART-REPLACE:shorter") && answer.size < first.size) {
    // Written over the earlier copy in place: the earlier copy's tail stays.
    const key = state.blobKey(`p${file.id}-${number}`);
    await staged.commit(key);
    const merged = await store.ingest(
      concatStreams([store.read(key), store.read(first.key, { start: answer.size, end: first.size - 1 })]),
    );
    await store.delete(key);
    // The earlier copy's length stays on disk; the answer still reports the bytes received.
    await state.commitPart(file.id, { ...answer, size: first.size }, merged);
    return { ...answer, key: first.key };
  } else if (
    first !== undefined &&
    mutations.has("BS-PART-REPLACE:in-flight") &&
    mutations.copiesOverlapped(file.id, number)
  ) {
    // Appended to the copy that was in flight at the same time.
    const key = state.blobKey(`p${file.id}-${number}`);
    await staged.commit(key);
    const merged = await store.ingest(concatStreams([store.read(first.key), store.read(key)]));
    await store.delete(key);
    record = await state.commitPart(file.id, { ...answer, size: first.size + answer.size }, merged);
  }
  if (mutations.has("BS-PART-ETAG:large") && answer.size > LARGE_PART) {
    record ??= await state.commitPart(file.id, answer, staged);
    const head = createHash("md5");
    for await (const chunk of nodeIterable(store.read(record.key, { start: 0, end: LARGE_PART - 1 })))
      head.update(chunk);
    record = await state.recordPart(file.id, { ...record, etag: head.digest("hex") });
  }
  if (before !== undefined) {
    // BS-COMPLETE-ORDER:lost-update: the list read before the body, plus this part, is written back.
    record ??= await state.commitPart(file.id, answer, staged);
    state.forgetPartsExcept(file.id, [...before.map((part) => part.number), number]);
  }
  return record;
}

/** The chunks of several streams, one after the other. */
async function* concatStreams(streams: readonly ReadableStream<Uint8Array>[]): AsyncGenerator<Uint8Array> {
  for (const stream of streams) yield* nodeIterable(stream);
}

async function* nodeIterable(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

const NO_BODY: AsyncIterable<Uint8Array> = { async *[Symbol.asyncIterator]() {} };
