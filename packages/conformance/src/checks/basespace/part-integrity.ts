/**
 * Part integrity [S1]:
 *
 * - BS-PART-MD5 (must): when a part carries `Content-MD5` (base64 of the 16-byte MD5 of the part,
 *   RFC 1864) that does not match the bytes received, the part is refused with 400 and nothing is
 *   stored. Source: [S1]; RFC 1864.
 *   A part is stored with its right Content-MD5; the same number is then re-sent with other bytes
 *   and a generated wrong (another digest) or malformed (hex, unpadded, short, junk) Content-MD5,
 *   which must be refused with 400; the completed file must still hold the first bytes.
 * - BS-PART-ETAG (must): a stored part answers 200 with a FilePart whose ETag is the lowercase hex
 *   MD5 of the stored bytes and whose Size is their length. Source: [S1].
 *   Generated parts (bytes, number, with or without Content-MD5) must answer ETag = hex(md5(bytes))
 *   and Size = the byte count.
 */
import { md5, toBase64, toHex } from "@partwise/engine";
import type { FilePart } from "@partwise/protocol-basespace";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import {
  complete,
  envelopeOf,
  expectContent,
  expectStatus,
  initiate,
  MAX_PART_NUMBER,
  md5Hex,
  putPart,
  storePart,
} from "./support.ts";

type BadDigest = "other-digest" | "random-digest" | "hex" | "unpadded" | "short" | "junk";

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
    case "hex":
      return toHex(digest);
    case "unpadded":
      return toBase64(digest).replace(/=+$/, "");
    case "short":
      return toBase64(digest.subarray(0, 15));
    case "junk":
      return junk;
  }
}

export const bsPartMd5: Check = {
  id: "BS-PART-MD5",
  protocol: "basespace",
  title: "a part with a wrong or malformed Content-MD5 is refused with 400 and nothing is stored",
  async run(ctx) {
    await ctx.property(
      fc.record({
        stored: fc.uint8Array({ minLength: 1, maxLength: 512 }),
        resent: fc.uint8Array({ minLength: 1, maxLength: 512 }),
        number: fc.integer({ min: 1, max: MAX_PART_NUMBER }),
        kind: fc.constantFrom<BadDigest>("other-digest", "random-digest", "hex", "unpadded", "short", "junk"),
        junk: fc.stringMatching(/^[A-Za-z0-9+/]{1,20}$/),
      }),
      async ({ stored, resent, number, kind, junk }) => {
        // The re-sent bytes must differ from the stored ones, or "nothing stored" could not show.
        const other =
          resent.length === stored.length && resent.every((b, i) => b === stored[i])
            ? Uint8Array.of(...resent, 0)
            : resent;
        const upload = await initiate(ctx, { name: "md5.bin" });
        await storePart(ctx, upload.id, number, stored);
        const header = await badContentMd5(kind, other, stored, junk);
        const answer = await putPart(ctx, upload.id, number, other, { contentMd5: header });
        expectStatus(
          ctx,
          answer,
          400,
          `PUT part ${number} with a ${kind} Content-MD5 ${JSON.stringify(header)}`,
        );
        await complete(ctx, upload);
        await expectContent(ctx, upload.id, stored, "the file after a refused re-send");
      },
      { numRuns: 10 },
    );
  },
};

export const bsPartEtag: Check = {
  id: "BS-PART-ETAG",
  protocol: "basespace",
  title: "a stored part answers ETag = lowercase hex MD5 of its bytes and Size = their count",
  async run(ctx) {
    const upload = await initiate(ctx, { name: "etag.bin" });
    await ctx.property(
      fc.record({
        bytes: fc.uint8Array({ minLength: 1, maxLength: 2048 }),
        number: fc.integer({ min: 1, max: MAX_PART_NUMBER }),
        withMd5: fc.boolean(),
      }),
      async ({ bytes, number, withMd5 }) => {
        const answer = await putPart(ctx, upload.id, number, bytes, { contentMd5: withMd5 });
        expectStatus(ctx, answer, 200, `PUT part ${number} of ${bytes.length} bytes`);
        const part = envelopeOf<FilePart>(ctx, answer, "FilePartResponse", `PUT part ${number}`);
        const etag = await md5Hex(bytes);
        if (part.ETag !== etag)
          ctx.fail(
            `part ${number} answered ETag ${JSON.stringify(part.ETag)}, expected ${etag}`,
            answer.exchange,
          );
        if (part.Size !== bytes.length || part.Number !== number)
          ctx.fail(
            `part ${number} of ${bytes.length} bytes answered Number ${part.Number} and Size ${part.Size}`,
            answer.exchange,
          );
      },
      { numRuns: 20 },
    );
  },
};
