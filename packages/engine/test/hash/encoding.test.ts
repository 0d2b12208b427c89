import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  fromBase64,
  fromHex,
  InvalidBase64Error,
  InvalidContentMd5Error,
  InvalidHexError,
  parseContentMd5,
  toBase64,
  toHex,
} from "../../src/hash/encoding.ts";

/** An independent base64 encoder: the platform's btoa over a binary string. */
const btoaOf = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));

const BASE64ISH = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n.";

describe("hex", () => {
  it("round-trips any bytes as two lower-case digits per byte", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const hex = toHex(bytes);
        expect(hex).toMatch(/^(?:[0-9a-f]{2})*$/);
        expect(hex.length).toBe(2 * bytes.length);
        expect(fromHex(hex)).toEqual(bytes);
        expect(fromHex(hex.toUpperCase())).toEqual(bytes);
      }),
    );
  });

  it("agrees with a byte-by-byte toString(16)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 32 }), (bytes) => {
        expect(toHex(bytes)).toBe([...bytes].map((b) => b.toString(16).padStart(2, "0")).join(""));
      }),
    );
  });

  it("rejects odd lengths and any character outside 0-9a-fA-F", () => {
    expect(() => fromHex("abc")).toThrow(InvalidHexError);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 16 }),
        fc.nat(),
        fc.constantFrom(..."gGzZ -+x\u00e9/:@`"),
        (bytes, at, bad) => {
          const hex = toHex(bytes);
          const k = at % hex.length;
          const broken = hex.slice(0, k) + bad + hex.slice(k + 1);
          expect(() => fromHex(broken)).toThrow(expect.objectContaining({ code: "PW_HEX_INVALID" }));
        },
      ),
    );
  });
});

describe("base64", () => {
  it("encodes exactly as btoa does", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        expect(toBase64(bytes)).toBe(btoaOf(bytes));
      }),
    );
  });

  it("round-trips any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        expect(fromBase64(toBase64(bytes))).toEqual(bytes);
      }),
    );
  });

  it("accepts only canonical encodings: whatever it decodes re-encodes to the same text", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...BASE64ISH), maxLength: 16 }), (text) => {
        let decoded: Uint8Array;
        try {
          decoded = fromBase64(text);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidBase64Error);
          return;
        }
        expect(toBase64(decoded)).toBe(text);
      }),
    );
  });

  it.each([
    ["missing padding", "QQ"],
    ["non-zero pad bits (2 pad chars)", "QR=="],
    ["non-zero pad bits (1 pad char)", "QUJ="],
    ["padding inside", "QQ==QUJD"],
    ["three pad chars", "Q==="],
    ["whitespace", "QUJD\n"],
    ["URL-safe alphabet", "-_-_"],
    ["non-ASCII", "QUJ\u00e9"],
  ])("rejects %s (%j)", (_, text) => {
    expect(() => fromBase64(text)).toThrow(InvalidBase64Error);
  });
});

describe("the BaseSpace seed example [S1]", () => {
  const base64 = "9mvo6qaA+FL1sbsIn1tnTg==";
  const hex = "f66be8eaa680f852f5b1bb089f5b674e";

  it("Content-MD5 9mvo6qaA+FL1sbsIn1tnTg== and ETag f66be8eaa680f852f5b1bb089f5b674e are the same digest", () => {
    expect(fromBase64(base64)).toEqual(fromHex(hex));
    expect(toHex(fromBase64(base64))).toBe(hex);
    expect(toBase64(fromHex(hex))).toBe(base64);
    expect(toHex(parseContentMd5(base64))).toBe(hex);
  });
});

describe("parseContentMd5", () => {
  it("returns the 16 bytes of any canonical Content-MD5, with optional surrounding whitespace", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.string({ unit: fc.constantFrom(" ", "\t"), maxLength: 3 }),
        fc.string({ unit: fc.constantFrom(" ", "\t"), maxLength: 3 }),
        (digest, before, after) => {
          expect(parseContentMd5(before + toBase64(digest) + after)).toEqual(digest);
        },
      ),
    );
  });

  it("rejects base64 of any length other than 16 bytes, naming BS-PART-MD5", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40 }).filter((bytes) => bytes.length !== 16),
        (bytes) => {
          expect(() => parseContentMd5(toBase64(bytes))).toThrow(
            expect.objectContaining({ code: "PW_CONTENT_MD5_INVALID", rule: "BS-PART-MD5", side: "remote" }),
          );
        },
      ),
    );
  });

  it.each([
    ["hex instead of base64", "f66be8eaa680f852f5b1bb089f5b674e"],
    ["no padding", "9mvo6qaA+FL1sbsIn1tnTg"],
    ["non-canonical last char", "9mvo6qaA+FL1sbsIn1tnTh=="],
    ["URL-safe alphabet", "9mvo6qaA-FL1sbsIn1tnTg=="],
    ["a line break inside", "9mvo6qaA+FL1\nsbsIn1tnTg=="],
    ["empty", ""],
  ])("rejects %s", (_, header) => {
    expect(() => parseContentMd5(header)).toThrow(InvalidContentMd5Error);
  });

  it("keeps the header as received for the error report", () => {
    try {
      parseContentMd5(" bad ");
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ header: " bad ", rule: "BS-PART-MD5" });
      expect((error as Error).message).toContain("[BS-PART-MD5]");
    }
  });
});
