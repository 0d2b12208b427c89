import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/hash/encoding.ts";
import { Md5FinalizedError } from "../../src/hash/md5.ts";
import { createMd5 } from "../../src/hash/md5-node.ts";
import { RFC1321_VECTORS, splitAt } from "./rfc1321-vectors.ts";

describe("md5-node (node:crypto backend)", () => {
  it("equals node:crypto for random inputs and any split into update calls", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 1100 }),
        fc.array(fc.nat({ max: 1100 }), { maxLength: 16 }),
        async (data, cuts) => {
          const hash = await createMd5();
          for (const piece of splitAt(data, cuts)) hash.update(piece);
          const digest = hash.digest();
          expect(digest).toEqual(new Uint8Array(createHash("md5").update(data).digest()));
        },
      ),
    );
  });

  it("returns a plain 16-byte Uint8Array, not a Buffer", async () => {
    const hash = await createMd5();
    const digest = hash.digest();
    expect(Object.getPrototypeOf(digest)).toBe(Uint8Array.prototype);
    expect(digest.length).toBe(16);
  });

  it.each(RFC1321_VECTORS)("RFC 1321 A.5: MD5(%j)", async (message, expected) => {
    const hash = await createMd5();
    hash.update(new TextEncoder().encode(message));
    expect(toHex(hash.digest())).toBe(expected);
  });

  it("is usable once", async () => {
    const hash = await createMd5();
    hash.digest();
    expect(() => hash.update(new Uint8Array(1))).toThrow(Md5FinalizedError);
    expect(() => hash.digest()).toThrow(Md5FinalizedError);
  });
});
