/**
 * Part integrity [S1]:
 *
 * - BS-PART-MD5 (must): Content-MD5 is optional; a part whose Content-MD5 does not match the
 *   bytes received is rejected and nothing is stored. Source: [S1] "If the server-calculated value
 *   does not match the provided value, the upload is rejected."; "Although it's optional, …".
 *   A part is stored (with or without its Content-MD5); the same number is then re-sent with other
 *   bytes and a generated Content-MD5 that matches them under no base64 decoding (another digest,
 *   the digest's bits flipped, a 15-byte digest, junk), which must be refused (any 4xx: the
 *   documents give no status); the completed file must still hold the first bytes. The same once
 *   with a re-sent part of 25,000,000 bytes, the largest part both readings of "25MB" allow. (A
 *   hex or unpadded digest of the right bytes is not sent: the documents do not say it mismatches.)
 * - BS-PART-ETAG (must): a stored part answers 200 with a FilePart whose ETag is the hex MD5 of
 *   the stored bytes (either letter case: "hex encoded" fixes none), its Number and its Size.
 *   Source: [S1] "The ETag included in the response is a hex encoded MD5 digest of the uploaded
 *   part data." Generated parts (bytes, number, with or without Content-MD5), and once a part of
 *   25,000,000 bytes.
 */
import { md5, toBase64 } from "@partwise/engine";
import type { FilePart } from "@partwise/protocol-basespace";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext } from "../../context.ts";
import {
  bytesOf,
  complete,
  envelopeOf,
  expectContent,
  expectRefused,
  expectStatus,
  initiate,
  MAX_PART_NUMBER,
  md5Hex,
  putPart,
  storePart,
} from "./support.ts";

type BadDigest = "other-digest" | "random-digest" | "short" | "junk";

async function badContentMd5(
  kind: BadDigest,
  bytes: Uint8Array,
  other: Uint8Array,
  junk: string,
): Promise<string> {
  const digest = await md5(bytes);
  switch (kind) {
    case "other-digest":
      return toBase64(await md5(other));
    case "random-digest":
      // 16 bytes that are not this part's digest: its own, each byte flipped.
      return toBase64(digest.map((byte) => byte ^ 0xff));
    case "short":
      return toBase64(digest.subarray(0, 15));
    case "junk":
      // Junk that cannot be the base64 of this digest (length or characters differ).
      return junk === toBase64(digest) ? `${junk}!` : junk;
  }
}

/** 25,000,000 bytes (25 MB in either reading of MB) of a repeated pattern from `seed`. */
function largePart(seed: number): Uint8Array<ArrayBuffer> {
  const part = new Uint8Array(LARGE);
  const block = bytesOf(64 * 1024, seed);
  for (let offset = 0; offset < part.length; offset += block.length)
    part.set(block.subarray(0, Math.min(block.length, part.length - offset)), offset);
  return part;
}

const LARGE = 25_000_000;

/** Stores `stored`, re-sends `other` under a bad Content-MD5 (refused), completes: the first bytes stay. */
async function refusedResend(
  ctx: CheckContext,
  number: number,
  stored: Uint8Array,
  storedWithMd5: boolean,
  other: Uint8Array,
  kind: BadDigest,
  junk: string,
): Promise<void> {
  const upload = await initiate(ctx, { name: "md5.bin" });
  await storePart(ctx, upload.id, number, stored, { contentMd5: storedWithMd5 });
  const header = await badContentMd5(kind, other, stored, junk);
  const answer = await putPart(ctx, upload.id, number, other, { contentMd5: header });
  expectRefused(
    ctx,
    answer,
    `PUT part ${number} (${other.length} bytes) with a ${kind} Content-MD5 ${JSON.stringify(header)}`,
  );
  await complete(ctx, upload);
  await expectContent(ctx, upload.id, stored, "the file after a refused re-send");
}

export const bsPartMd5: Check = {
  id: "BS-PART-MD5",
  protocol: "basespace",
  title: "Content-MD5 is optional; a part whose Content-MD5 does not match is refused and nothing is stored",
  async run(ctx) {
    // The largest part either reading allows, with its digest's bits flipped.
    await refusedResend(ctx, 1, bytesOf(64, 1), false, largePart(0x1a29e), "random-digest", "");
    await ctx.property(
      fc.record({
        stored: fc.uint8Array({ minLength: 1, maxLength: 512 }),
        storedWithMd5: fc.boolean(),
        resent: fc.uint8Array({ minLength: 1, maxLength: 512 }),
        number: fc.integer({ min: 1, max: MAX_PART_NUMBER }),
        kind: fc.constantFrom<BadDigest>("other-digest", "random-digest", "short", "junk"),
        junk: fc.stringMatching(/^[A-Za-z0-9+/]{1,20}$/),
      }),
      async ({ stored, storedWithMd5, resent, number, kind, junk }) => {
        // The re-sent bytes must differ from the stored ones, or "nothing stored" could not show.
        const other =
          resent.length === stored.length && resent.every((b, i) => b === stored[i])
            ? Uint8Array.of(...resent, 0)
            : resent;
        await refusedResend(ctx, number, stored, storedWithMd5, other, kind, junk);
      },
      { numRuns: 10 },
    );
  },
};

/** PUTs a part that must be stored and checks its FilePart: Number, Size and the hex MD5 as ETag. */
async function expectEtag(
  ctx: CheckContext,
  fileId: string,
  number: number,
  bytes: Uint8Array,
  withMd5: boolean,
): Promise<void> {
  const answer = await putPart(ctx, fileId, number, bytes, { contentMd5: withMd5 });
  expectStatus(ctx, answer, 200, `PUT part ${number} of ${bytes.length} bytes`);
  const part = envelopeOf<FilePart>(ctx, answer, "FilePartResponse", `PUT part ${number}`);
  const etag = await md5Hex(bytes);
  if (typeof part.ETag !== "string" || part.ETag.toLowerCase() !== etag)
    ctx.fail(
      `part ${number} of ${bytes.length} bytes answered ETag ${JSON.stringify(part.ETag)}, expected ${etag} (either case)`,
      answer.exchange,
    );
  if (part.Size !== bytes.length || part.Number !== number)
    ctx.fail(
      `part ${number} of ${bytes.length} bytes answered Number ${part.Number} and Size ${part.Size}`,
      answer.exchange,
    );
}

export const bsPartEtag: Check = {
  id: "BS-PART-ETAG",
  protocol: "basespace",
  title: "a stored part answers ETag = hex MD5 of its bytes (either case), its Number and Size",
  async run(ctx) {
    // The largest part either reading of "25MB" allows.
    const large = await initiate(ctx, { name: "etag-large.bin" });
    await expectEtag(ctx, large.id, 1, largePart(0xe7a9), true);
    // One upload per part: a small part below a stored higher-numbered one could be refused for its size.
    await ctx.property(
      fc.record({
        bytes: fc.uint8Array({ minLength: 1, maxLength: 2048 }),
        number: fc.integer({ min: 1, max: MAX_PART_NUMBER }),
        withMd5: fc.boolean(),
      }),
      async ({ bytes, number, withMd5 }) => {
        const upload = await initiate(ctx, { name: "etag.bin" });
        await expectEtag(ctx, upload.id, number, bytes, withMd5);
      },
      { numRuns: 20 },
    );
  },
};
