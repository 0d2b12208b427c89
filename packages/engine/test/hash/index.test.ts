import { describe, expect, it } from "vitest";
import * as hash from "../../src/hash/index.ts";
import { RFC1321_VECTORS, splitAt } from "./rfc1321-vectors.ts";

describe("hash public API", () => {
  it("exports the contract names", () => {
    for (const name of [
      "createMd5",
      "md5",
      "compositeEtag",
      "toHex",
      "toBase64",
      "fromHex",
      "fromBase64",
      "parseContentMd5",
    ]) {
      expect(typeof (hash as Record<string, unknown>)[name], name).toBe("function");
    }
  });

  it("createMd5 from #md5 passes RFC 1321 A.5 in whole and in 7-byte pieces", async () => {
    for (const [message, expected] of RFC1321_VECTORS) {
      const bytes = new TextEncoder().encode(message);
      const whole = await hash.createMd5();
      whole.update(bytes);
      expect(hash.toHex(whole.digest())).toBe(expected);
      const pieces = await hash.createMd5();
      for (const piece of splitAt(bytes, [7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77])) pieces.update(piece);
      expect(hash.toHex(pieces.digest())).toBe(expected);
    }
  });
});
