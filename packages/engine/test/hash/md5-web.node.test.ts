import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createMd5 } from "../../src/hash/md5-web.ts";
import { splitAt } from "./rfc1321-vectors.ts";

describe("md5-web against node:crypto", () => {
  it("equals node:crypto for random inputs and any split into update calls", async () => {
    await fc.assert(
      fc.asyncProperty(
        // Lengths around the 56- and 64-byte padding edges and several blocks.
        fc.uint8Array({ maxLength: 1100 }),
        fc.array(fc.nat({ max: 1100 }), { maxLength: 16 }),
        async (data, cuts) => {
          const hash = await createMd5();
          for (const piece of splitAt(data, cuts)) hash.update(piece);
          expect(hash.digest()).toEqual(new Uint8Array(createHash("md5").update(data).digest()));
        },
      ),
    );
  });

  it("equals node:crypto on every length 0..200 (all padding cases)", async () => {
    const data = Uint8Array.from({ length: 200 }, (_, k) => (k * 37 + 11) & 0xff);
    for (let length = 0; length <= 200; length++) {
      const hash = await createMd5();
      hash.update(data.subarray(0, length));
      expect(hash.digest(), `length ${length}`).toEqual(
        new Uint8Array(createHash("md5").update(data.subarray(0, length)).digest()),
      );
    }
  });
});
