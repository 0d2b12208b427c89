import { describe, expect, it } from "vitest";
import { isPartwiseError } from "../../src/errors.ts";
import { finalizeOnce, type Md5, Md5FinalizedError } from "../../src/hash/md5.ts";

/** A raw hasher that records what reaches it. */
function recorder(): Md5 & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    update: (data) => calls.push(`update:${data.length}`),
    digest: () => {
      calls.push("digest");
      return new Uint8Array(16);
    },
  };
}

describe("finalizeOnce", () => {
  it("passes updates and one digest through to the backend", () => {
    const raw = recorder();
    const hash = finalizeOnce(raw);
    hash.update(new Uint8Array(3));
    hash.update(new Uint8Array(0));
    expect(hash.digest()).toEqual(new Uint8Array(16));
    expect(raw.calls).toEqual(["update:3", "update:0", "digest"]);
  });

  it("refuses any call after the digest without reaching the backend", () => {
    const raw = recorder();
    const hash = finalizeOnce(raw);
    hash.digest();
    expect(() => hash.update(new Uint8Array(1))).toThrow(Md5FinalizedError);
    expect(() => hash.digest()).toThrow(Md5FinalizedError);
    expect(raw.calls).toEqual(["digest"]);
  });

  it("throws a branded PartwiseError with a stable code", () => {
    const hash = finalizeOnce(recorder());
    hash.digest();
    try {
      hash.digest();
      expect.unreachable();
    } catch (error) {
      expect(isPartwiseError(error)).toBe(true);
      expect(error).toMatchObject({ code: "PW_MD5_FINALIZED", name: "Md5FinalizedError" });
    }
  });
});
