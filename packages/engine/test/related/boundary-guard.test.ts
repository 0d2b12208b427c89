import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BoundaryGuard } from "../../src/related/boundary-guard.ts";
import {
  boundaryArb,
  bytesOf,
  concat,
  contentArb,
  cutsArb,
  hasLineStartBoundary,
  splitAt,
} from "./helpers.ts";

describe("BoundaryGuard", () => {
  it("reports the first chunk that completes --boundary at a line start, under any chunking", () => {
    fc.assert(
      fc.property(
        boundaryArb.chain((b) => fc.tuple(fc.constant(b), contentArb(b, 16))),
        cutsArb,
        ([boundary, content], cuts) => {
          const chunks = splitAt(content, cuts);
          const guard = new BoundaryGuard(boundary);
          const reported = chunks.findIndex((chunk) => guard.collides(chunk));
          const expected = chunks.findIndex((_, i) =>
            hasLineStartBoundary(concat(chunks.slice(0, i + 1)), boundary),
          );
          expect(reported).toBe(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("tells line starts from the middle of lines", () => {
    const collides = (text: string) => new BoundaryGuard("b").collides(bytesOf(text));
    expect(collides("--b")).toBe(true);
    expect(collides("x\r\n--b")).toBe(true);
    expect(collides("x\n--b")).toBe(true);
    expect(collides("x\r--b")).toBe(true);
    expect(collides("x--b")).toBe(false);
    expect(collides("x\r\n -b--b")).toBe(false);
    expect(collides("\r\n-b")).toBe(false);
  });
});
