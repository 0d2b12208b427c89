import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asciiBytes, createNeedle, findNeedle, findPartialNeedle } from "../../src/related/search.ts";

/** Small alphabets, so that needles occur and nearly occur often. */
const bytesArb = (maxLength: number) =>
  fc.uint8Array({ min: 0, max: 3, maxLength }).map((b) => b.map((x) => x + 45));

function naiveFind(haystack: Uint8Array, needle: Uint8Array, from: number, to: number): number {
  outer: for (let s = from; s + needle.length <= to; s++) {
    for (let k = 0; k < needle.length; k++) if (haystack[s + k] !== needle[k]) continue outer;
    return s;
  }
  return -1;
}

describe("findNeedle (Horspool)", () => {
  it("finds the first occurrence within [from, to), as a naive search does", () => {
    fc.assert(
      fc.property(
        bytesArb(60),
        bytesArb(6).filter((n) => n.length > 0),
        fc.nat(),
        fc.nat(),
        (haystack, needle, a, b) => {
          const from = a % (haystack.length + 1);
          const to = from + (b % (haystack.length - from + 1));
          expect(findNeedle(haystack, createNeedle(needle), from, to)).toBe(
            naiveFind(haystack, needle, from, to),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("stays exact on long runs of the needle's own bytes (where it hands over to indexOf)", () => {
    fc.assert(
      fc.property(
        fc
          .uint8Array({ min: 0, max: 1, minLength: 200, maxLength: 3000 })
          .map((b) => b.map((x) => (x ? 97 : 13))),
        fc.integer({ min: 1, max: 40 }),
        fc.nat(),
        fc.nat(),
        (haystack, needleLength, seed, a) => {
          // A needle of mostly "a" that begins with CR, as delimiters do.
          const needle = new Uint8Array(needleLength).fill(97);
          needle[0] = 13;
          if (needleLength > 2) needle[1 + (seed % (needleLength - 1))] = 13;
          const from = a % (haystack.length + 1);
          expect(findNeedle(haystack, createNeedle(needle), from, haystack.length)).toBe(
            naiveFind(haystack, needle, from, haystack.length),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("finds a delimiter in random binary data", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (data, at) => {
        const needle = asciiBytes("\r\n--b0undary");
        const i = at % (data.length + 1);
        const haystack = new Uint8Array([...data.subarray(0, i), ...needle, ...data.subarray(i)]);
        expect(findNeedle(haystack, createNeedle(needle), 0, haystack.length)).toBe(
          naiveFind(haystack, needle, 0, haystack.length),
        );
      }),
    );
  });

  it("takes needles of 1 to 255 bytes", () => {
    expect(() => createNeedle(new Uint8Array(0))).toThrow(RangeError);
    expect(() => createNeedle(new Uint8Array(256))).toThrow(RangeError);
    expect(findNeedle(asciiBytes("aab"), createNeedle(asciiBytes("b")), 0, 3)).toBe(2);
  });
});

describe("findPartialNeedle", () => {
  it("is the earliest start in the tail whose bytes to the end are a proper prefix of the needle", () => {
    fc.assert(
      fc.property(
        bytesArb(20),
        bytesArb(6).filter((n) => n.length > 0),
        fc.nat(),
        (haystack, needle, a) => {
          const from = a % (haystack.length + 1);
          let expected = -1;
          for (let k = Math.max(from, haystack.length - needle.length + 1); k < haystack.length; k++) {
            const rest = haystack.subarray(k);
            if (rest.length < needle.length && rest.every((x, j) => x === needle[j])) {
              expected = k;
              break;
            }
          }
          expect(findPartialNeedle(haystack, createNeedle(needle), from, haystack.length)).toBe(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
