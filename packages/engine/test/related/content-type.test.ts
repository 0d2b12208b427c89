import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPartwiseError } from "../../src/errors.ts";
import { formatParameterValue, isToken } from "../../src/related/content-type.ts";
import { BoundaryError, ContentTypeError, parseContentType } from "../../src/related/index.ts";
import { boundaryArb } from "./helpers.ts";

describe("parseContentType", () => {
  it("reads the YouForce examples, with and without a space after ';' [S4]", () => {
    for (const header of [
      "multipart/related; boundary=foo_bar_baz",
      "multipart/related;boundary=foo_bar_baz",
    ]) {
      const parsed = parseContentType(header);
      expect(parsed).toMatchObject({ mediaType: "multipart/related", boundary: "foo_bar_baz" });
      expect(parsed.type).toBeUndefined();
      expect(parsed.start).toBeUndefined();
    }
  });

  it("reads RFC 2387's parameters, quoted or not, in any order and case", () => {
    const parsed = parseContentType(
      'Multipart/Related ;\tStart-Info="-o ps" ; TYPE=application/json; start="<950120.aaCC@XIson.com>";boundary="example 1"',
    );
    expect(parsed).toEqual({
      mediaType: "multipart/related",
      boundary: "example 1",
      type: "application/json",
      start: "<950120.aaCC@XIson.com>",
      startInfo: "-o ps",
      parameters: new Map([
        ["start-info", "-o ps"],
        ["type", "application/json"],
        ["start", "<950120.aaCC@XIson.com>"],
        ["boundary", "example 1"],
      ]),
    });
  });

  it("unquotes quoted-pairs, and accepts whitespace around '=' and empty parameters", () => {
    expect(parseContentType('multipart/related; boundary = "a\\b"; start="\\"<x>\\"";;').start).toBe('"<x>"');
    expect(parseContentType('multipart/related; boundary = "a\\b"').boundary).toBe("ab");
  });

  it("reads back any parameter values it is given, quoted as needed", () => {
    const valueArb = fc.string({
      unit: fc.constantFrom("a", "Z", "0", " ", '"', "\\", ";", "=", "<", ">", "é"),
      maxLength: 12,
    });
    fc.assert(
      fc.property(
        boundaryArb,
        valueArb,
        valueArb,
        fc.constantFrom("", " ", "\t "),
        (boundary, type, start, ows) => {
          const header = `multipart/related${ows};${ows}boundary=${formatParameterValue(boundary)}${ows};type=${formatParameterValue(type)};${ows}start=${formatParameterValue(start)}${ows}`;
          expect(parseContentType(header)).toMatchObject({ boundary, type, start });
        },
      ),
    );
  });

  it("quotes exactly the values that are not tokens", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), (value) => {
        const formatted = formatParameterValue(value);
        expect(formatted.startsWith('"')).toBe(!isToken(value));
      }),
    );
    expect(isToken("foo_bar_baz")).toBe(true);
    expect(isToken("a b")).toBe(false);
    expect(isToken("")).toBe(false);
  });

  const rejects: [string, string][] = [
    ["not multipart", "application/json; boundary=x"],
    ["no boundary", "multipart/related; type=application/json"],
    ["empty", ""],
    ["no subtype", "multipart; boundary=x"],
    ["no slash", "multipart related; boundary=x"],
    ["unterminated quoted-string", 'multipart/related; boundary="abc'],
    ["quoted-pair at the end", 'multipart/related; boundary="abc\\'],
    ["CR in a quoted-string", 'multipart/related; boundary="a\rb"'],
    ["parameter without value", "multipart/related; boundary"],
    ["parameter without name", "multipart/related; =x"],
    ["junk after a value", "multipart/related; boundary=x y"],
    ["a slash too many", "multipart/related; boundary=x; type=a/b/c"],
    ["boundary given twice", "multipart/related; boundary=x; BOUNDARY=y"],
    ["comment", "multipart/related (c); boundary=x"],
    ["RFC 2231 extended boundary only", "multipart/related; boundary*=utf-8''x"],
  ];
  for (const [name, header] of rejects) {
    it(`rejects ${name} with MIME-CONTENT-TYPE`, () => {
      expect(() => parseContentType(header)).toThrow(ContentTypeError);
      try {
        parseContentType(header);
      } catch (error) {
        expect(error).toMatchObject({
          code: "PW_MIME_CONTENT_TYPE",
          rule: "MIME-CONTENT-TYPE",
          side: "remote",
        });
      }
    });
  }

  it("checks the boundary against RFC 2046 as the peer's error", () => {
    for (const [header, rule] of [
      ['multipart/related; boundary="a "', "MIME-BOUNDARY-TRAILING-SPACE"],
      ['multipart/related; boundary=""', "MIME-BOUNDARY-LENGTH"],
      [`multipart/related; boundary=${"a".repeat(71)}`, "MIME-BOUNDARY-LENGTH"],
      ['multipart/related; boundary="a;b"', "MIME-BOUNDARY-CHARS"],
    ] as const) {
      expect(() => parseContentType(header)).toThrow(BoundaryError);
      try {
        parseContentType(header);
      } catch (error) {
        expect(error).toMatchObject({ rule, side: "remote" });
      }
    }
  });

  it("throws nothing but a PartwiseError on any string", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `multipart/related; ${s}`),
        ),
        (header) => {
          try {
            parseContentType(header);
          } catch (error) {
            expect(isPartwiseError(error)).toBe(true);
          }
        },
      ),
    );
  });
});
