import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compositeEtag, InvalidDigestError, md5 } from "../../src/hash/digest.ts";
import { toHex } from "../../src/hash/encoding.ts";
import { RFC1321_VECTORS } from "./rfc1321-vectors.ts";

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

describe("md5 (one-shot, through the platform's #md5 backend)", () => {
  it.each(RFC1321_VECTORS)("RFC 1321 A.5: MD5(%j)", async (message, expected) => {
    expect(toHex(await md5(ascii(message)))).toBe(expected);
  });
});

describe("compositeEtag", () => {
  // Computed independently with Python's hashlib:
  //   md5(md5(b"a").digest() + md5(b"b").digest()).hexdigest() + "-2", and so on.
  it.each([
    [["a"], "b6ff9a06b7e20bcb2858c5b8ff744aea-1"],
    [["a", "b"], "96e024ba2074fe77e8e965ba43a704be-2"],
    [["a", "b", ""], "8208e3a1261875f92cc8e144dd343a72-3"],
  ])("of the parts %j is %s", async (parts, expected) => {
    const digests = await Promise.all(parts.map((part) => md5(ascii(part))));
    expect(await compositeEtag(digests)).toBe(expected);
  });

  it("is the MD5 of the concatenated digests, suffixed with the part count", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 16, maxLength: 16 }), { minLength: 1, maxLength: 20 }),
        async (digests) => {
          const joined = new Uint8Array(digests.length * 16);
          for (const [k, digest] of digests.entries()) joined.set(digest, 16 * k);
          expect(await compositeEtag(digests)).toBe(`${toHex(await md5(joined))}-${digests.length}`);
        },
      ),
    );
  });

  it("depends on part order", async () => {
    const [a, b] = [await md5(ascii("a")), await md5(ascii("b"))];
    expect(await compositeEtag([a, b])).not.toBe(await compositeEtag([b, a]));
  });

  it("rejects an empty list and digests that are not 16 bytes", async () => {
    await expect(compositeEtag([])).rejects.toThrow(InvalidDigestError);
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 40 }).filter((bytes) => bytes.length !== 16),
        async (bad) => {
          await expect(compositeEtag([new Uint8Array(16), bad])).rejects.toMatchObject({
            code: "PW_MD5_DIGEST_INVALID",
          });
        },
      ),
    );
  });
});
