import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/hash/encoding.ts";
import { Md5FinalizedError } from "../../src/hash/md5.ts";
import { createMd5 } from "../../src/hash/md5-web.ts";
import { RFC1321_VECTORS, splitAt } from "./rfc1321-vectors.ts";

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

async function digestOf(pieces: readonly Uint8Array[]): Promise<Uint8Array> {
  const hash = await createMd5();
  for (const piece of pieces) hash.update(piece);
  return hash.digest();
}

describe("md5-web (RFC 1321 in TypeScript)", () => {
  it.each(RFC1321_VECTORS)("RFC 1321 A.5: MD5(%j)", async (message, expected) => {
    expect(toHex(await digestOf([ascii(message)]))).toBe(expected);
  });

  it("RFC 1321 A.5 vectors fed one byte at a time", async () => {
    for (const [message, expected] of RFC1321_VECTORS) {
      const bytes = ascii(message);
      expect(toHex(await digestOf(splitAt(bytes, [...bytes.keys()])))).toBe(expected);
    }
  });

  it("any split into update calls gives the digest of one update", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 600 }),
        fc.array(fc.nat({ max: 600 }), { maxLength: 12 }),
        async (data, cuts) => {
          expect(await digestOf(splitAt(data, cuts))).toEqual(await digestOf([data]));
        },
      ),
    );
  });

  it("hashes a view by its own bytes, not its whole buffer", async () => {
    const backing = ascii("xxabcxx");
    expect(toHex(await digestOf([backing.subarray(2, 5)]))).toBe("900150983cd24fb0d6963f7d28e17f72");
  });

  it("is usable once: update or digest after digest throws Md5FinalizedError", async () => {
    const hash = await createMd5();
    hash.digest();
    expect(() => hash.digest()).toThrow(Md5FinalizedError);
    expect(() => hash.update(new Uint8Array(1))).toThrow(
      expect.objectContaining({ code: "PW_MD5_FINALIZED" }),
    );
  });
});
