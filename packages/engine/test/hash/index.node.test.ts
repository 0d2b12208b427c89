import { describe, expect, it } from "vitest";
import { md5Backend } from "#md5";

describe("#md5 in Node", () => {
  it("resolves to the node:crypto backend under the node condition", () => {
    expect(md5Backend).toBe("node:crypto");
  });
});
