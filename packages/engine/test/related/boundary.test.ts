import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BoundaryError,
  createBoundary,
  MAX_BOUNDARY_LENGTH,
  validateBoundary,
} from "../../src/related/index.ts";
import { BCHARS_NO_SPACE } from "./helpers.ts";

const BCHARS = `${BCHARS_NO_SPACE} `;

function ruleOf(boundary: string): string | undefined {
  try {
    validateBoundary(boundary);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(BoundaryError);
    expect(error).toMatchObject({ code: "PW_MIME_BOUNDARY", side: "local" });
    return (error as BoundaryError).rule;
  }
}

describe("createBoundary", () => {
  it("makes a valid 32-character token boundary from any random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 64 }), (bytes) => {
        const requested: number[] = [];
        const boundary = createBoundary((n) => {
          requested.push(n);
          return bytes;
        });
        expect(requested).toEqual([32]);
        expect(boundary).toMatch(/^[A-Za-z0-9_-]{32}$/);
        expect(ruleOf(boundary)).toBeUndefined();
      }),
    );
  });

  it("is a function of the random bytes, and spends 6 bits of each", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(31), (bytes, i) => {
        const flipped = bytes.slice();
        flipped[i]! ^= 1 << (i % 6);
        expect(createBoundary(() => bytes)).toBe(createBoundary(() => bytes.slice()));
        expect(createBoundary(() => flipped)).not.toBe(createBoundary(() => bytes));
      }),
    );
  });

  it("refuses a random source that returns too few bytes", () => {
    expect(() => createBoundary(() => new Uint8Array(31))).toThrow(BoundaryError);
  });
});

describe("validateBoundary (RFC 2046: boundary := 0*69<bchars> bcharsnospace)", () => {
  it("accepts 1-70 bchars that do not end in a space", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...BCHARS), maxLength: 69 }),
        fc.constantFrom(...BCHARS_NO_SPACE),
        (head, last) => {
          expect(ruleOf(head + last)).toBeUndefined();
        },
      ),
    );
  });

  it("rejects an empty or over-long boundary with MIME-BOUNDARY-LENGTH", () => {
    expect(ruleOf("")).toBe("MIME-BOUNDARY-LENGTH");
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...BCHARS), minLength: 71, maxLength: 200 }),
        (boundary) => {
          expect(ruleOf(boundary)).toBe("MIME-BOUNDARY-LENGTH");
        },
      ),
    );
    expect(ruleOf("a".repeat(MAX_BOUNDARY_LENGTH))).toBeUndefined();
  });

  it("rejects any character outside bchars with MIME-BOUNDARY-CHARS", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...BCHARS), maxLength: 34 }),
        fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }).filter((c) => !BCHARS.includes(c)),
        fc.string({ unit: fc.constantFrom(...BCHARS_NO_SPACE), minLength: 1, maxLength: 34 }),
        (head, bad, tail) => {
          expect(ruleOf(head + bad + tail)).toBe("MIME-BOUNDARY-CHARS");
        },
      ),
    );
    for (const bad of ['"', ";", "\\", "\r", "\n", "\t", "<", "@", "[", "é"])
      expect(ruleOf(`a${bad}b`)).toBe("MIME-BOUNDARY-CHARS");
  });

  it("rejects a trailing space with MIME-BOUNDARY-TRAILING-SPACE", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...BCHARS), maxLength: 69 }), (head) => {
        expect(ruleOf(`${head} `)).toBe("MIME-BOUNDARY-TRAILING-SPACE");
      }),
    );
  });
});
