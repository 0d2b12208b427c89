/**
 * `PUT files/{id}/parts/{partNumber}` (uploadFilePart) [S1]:
 * - BS-PART-NUMBER: 1..10000, anything else 400;
 * - BS-PART-MAX-SIZE: at most 26,214,400 bytes, refused with 413 while the body streams in;
 * - BS-PART-MD5: a malformed `Content-MD5`, or one that does not match the bytes, 400 — and
 *   nothing stored, so an earlier version of the part stays;
 * - BS-PART-ETAG: 200 with `{Number, ETag, Size}`, the ETag the lowercase hex MD5 of the bytes;
 * - BS-PART-REPLACE, BS-PART-ANY-ORDER: any order, in parallel; a re-sent number replaces the part.
 * The minimum size (BS-PART-MIN-SIZE) depends on which part is final, known only at completion.
 *
 * The bytes stream to a temp file while hashed (one pass, no copy, no re-read); only the commit —
 * rename plus part document — runs under the upload's lock.
 */
import { createHash } from "node:crypto";
import { toHex } from "@partwise/engine";
import { ownFile, type RequestContext, type ServerContext } from "../context.ts";
import { envelope, refuse } from "../errors.ts";
import { assertDeclaredLength, expectedMd5, ingestBody, verifyMd5 } from "../ingest.ts";
import type { FileRecord, PartRecord } from "../state.ts";

/**
 * The part number of the path, or 400 (BS-PART-NUMBER). `mutant` widens the range to
 * 0..maxParts+1 (the BS-PART-NUMBER mutant; testing conformance suites only).
 */
export function partNumberOf(raw: string | undefined, maxParts: number, mutant = false): number {
  const number = raw !== undefined && /^[0-9]{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  const [lowest, highest] = mutant ? [0, maxParts + 1] : [1, maxParts];
  if (!(number >= lowest && number <= highest))
    refuse(
      400,
      `Part number ${JSON.stringify((raw ?? "").slice(0, 20))} is outside 1..${maxParts}`,
      "BS-PART-NUMBER",
    );
  return number;
}

/**
 * Parts go only to a pending multipart upload; 409 otherwise. `mutant` lets an aborted upload
 * take parts (the BS-ABORT mutant; testing conformance suites only).
 */
export function assertAcceptsParts(file: FileRecord, mutant = false): void {
  if (mutant && file.uploadStatus === "aborted") return;
  if (file.uploadStatus === "aborted")
    refuse(409, `File ${file.id} has UploadStatus aborted and accepts no parts`, "BS-ABORT");
  if (file.uploadStatus !== "pending" || !file.multipart)
    refuse(409, `File ${file.id} has UploadStatus ${file.uploadStatus} and accepts no parts`);
}

export async function uploadFilePart(ctx: ServerContext, rctx: RequestContext): Promise<Response> {
  const { mutations } = ctx;
  const number = partNumberOf(rctx.params.partNumber, ctx.limits.maxParts, mutations.has("BS-PART-NUMBER"));
  const file = ownFile(ctx, rctx);
  assertAcceptsParts(file, mutations.has("BS-ABORT"));
  const expected = mutations.has("BS-PART-MD5") ? undefined : expectedMd5(rctx.request);
  const max = ctx.limits.maxPartSize + (mutations.has("BS-PART-MAX-SIZE") ? 1024 * 1024 : 0);
  assertDeclaredLength(rctx.request, max, "BS-PART-MAX-SIZE", "A part");
  // The listener's body untouched: DiskStore then reads it straight from the socket, without a Web
  // stream in between (about a fifth of the server's CPU per GiB), and it fails when the client goes.
  const staged = await ingestBody(ctx.store, rctx.request.body ?? NO_BODY, max, "BS-PART-MAX-SIZE", "A part");
  try {
    await verifyMd5(staged, expected);
    let etag = toHex(staged.md5);
    if (mutations.has("BS-PART-ETAG")) etag = createHash("md5").update(etag).digest("hex");
    const part = await ctx.state.lockFile(file.id, async () => {
      // Completion or abort may have happened while the bytes streamed in.
      assertAcceptsParts(ctx.state.file(file.id) ?? file, mutations.has("BS-ABORT"));
      if (mutations.size > 0) {
        const mutant = mutantPart(ctx, file.id, number, { number, size: staged.size, etag });
        if (mutant !== undefined) return mutant;
      }
      return ctx.state.commitPart(file.id, { number, size: staged.size, etag }, staged);
    });
    return envelope({ Number: part.number, ETag: part.etag, Size: part.size }, 200, {
      etag: `"${part.etag}"`,
    });
  } finally {
    await staged.discard();
  }
}

/**
 * The part mutants (testing conformance suites only): BS-PART-REPLACE answers a re-sent part as
 * stored but keeps the first version; BS-PART-ANY-ORDER refuses a part below a stored one;
 * BS-COMPLETE-ORDER notes the storing order for completion. Undefined: commit as usual.
 */
function mutantPart(
  ctx: ServerContext,
  fileId: string,
  number: number,
  answer: Omit<PartRecord, "key">,
): PartRecord | undefined {
  const stored = ctx.state.partList(fileId);
  if (ctx.mutations.has("BS-PART-ANY-ORDER") && stored.some((part) => part.number > number))
    refuse(400, `Part ${number} arrived after a higher-numbered part`, "BS-PART-ANY-ORDER");
  if (ctx.mutations.has("BS-COMPLETE-ORDER")) ctx.mutations.noteStored(fileId, number);
  const first = stored.find((part) => part.number === number);
  if (ctx.mutations.has("BS-PART-REPLACE") && first !== undefined) return { ...answer, key: first.key };
  return undefined;
}

const NO_BODY: AsyncIterable<Uint8Array> = { async *[Symbol.asyncIterator]() {} };
