import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compositeEtag, md5 } from "../../src/hash/digest.ts";

describe("digest against node:crypto", () => {
  it("md5 equals node:crypto for random inputs", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), async (data) => {
        expect(await md5(data)).toEqual(new Uint8Array(createHash("md5").update(data).digest()));
      }),
    );
  });

  it("compositeEtag equals the S3 formula computed with node:crypto", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 12 }),
        async (parts) => {
          const outer = createHash("md5");
          for (const part of parts) outer.update(createHash("md5").update(part).digest());
          const expected = `${outer.digest("hex")}-${parts.length}`;
          const digests = await Promise.all(parts.map((part) => md5(part)));
          expect(await compositeEtag(digests)).toBe(expected);
        },
      ),
    );
  });
});
