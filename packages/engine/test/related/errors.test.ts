import { describe, expect, it } from "vitest";
import { isPartwiseError, PartwiseError } from "../../src/errors.ts";
import {
  BodySizeLimitError,
  BoundaryError,
  BoundaryInContentError,
  ContentTypeError,
  HeaderSizeLimitError,
  MalformedDelimiterError,
  MissingCloseDelimiterError,
  MissingDelimiterError,
  ParserClosedError,
  PartHeadersError,
  PartSizeLimitError,
  PartSkippedError,
  PartsLimitError,
  RelatedConfigError,
  RelatedRootError,
  RelatedTypeError,
} from "../../src/related/index.ts";

const table: [PartwiseError, string, string | undefined, "local" | "remote"][] = [
  [new BoundaryError("x", "MIME-BOUNDARY-CHARS"), "PW_MIME_BOUNDARY", "MIME-BOUNDARY-CHARS", "local"],
  [
    new BoundaryError("x", "MIME-BOUNDARY-LENGTH", "remote"),
    "PW_MIME_BOUNDARY",
    "MIME-BOUNDARY-LENGTH",
    "remote",
  ],
  [new ContentTypeError("x"), "PW_MIME_CONTENT_TYPE", "MIME-CONTENT-TYPE", "remote"],
  [new RelatedTypeError("x"), "PW_MIME_RELATED_TYPE", "MIME-RELATED-TYPE", "local"],
  [new RelatedRootError("x"), "PW_MIME_RELATED_ROOT", "MIME-RELATED-ROOT", "local"],
  [new BoundaryInContentError(2, "body"), "PW_MIME_BOUNDARY_IN_CONTENT", "MIME-BOUNDARY-IN-CONTENT", "local"],
  [new MissingDelimiterError("x"), "PW_MIME_NO_DELIMITER", "MIME-DELIMITER-LINE-START", "remote"],
  [new MalformedDelimiterError("x"), "PW_MIME_DELIMITER", "MIME-TRANSPORT-PADDING", "remote"],
  [new MissingCloseDelimiterError("x"), "PW_MIME_CLOSE_DELIMITER", "MIME-CLOSE-DELIMITER", "remote"],
  [new PartHeadersError("x"), "PW_MIME_PART_HEADERS", "MIME-PART-HEADERS", "remote"],
  [new HeaderSizeLimitError(10, 0), "PW_MIME_LIMIT_HEADER_SIZE", "MIME-LIMIT-HEADER-SIZE", "remote"],
  [new PartsLimitError(10), "PW_MIME_LIMIT_PARTS", "MIME-LIMIT-PARTS", "remote"],
  [new BodySizeLimitError(10), "PW_MIME_LIMIT_BODY_SIZE", "MIME-LIMIT-BODY-SIZE", "remote"],
  [new PartSizeLimitError(10, 1), "PW_MIME_LIMIT_PART_SIZE", "MIME-LIMIT-PART-SIZE", "remote"],
  [new RelatedConfigError("x"), "PW_MIME_CONFIG", undefined, "local"],
  [new ParserClosedError("write"), "PW_MIME_PARSER_CLOSED", undefined, "local"],
  [new PartSkippedError(3), "PW_MIME_PART_SKIPPED", undefined, "local"],
];

describe("multipart/related errors", () => {
  for (const [error, code, rule, side] of table) {
    it(`${error.name}: ${code}${rule === undefined ? "" : ` [${rule}]`}, ${side}`, () => {
      expect(error).toBeInstanceOf(PartwiseError);
      expect(isPartwiseError(error)).toBe(true);
      expect(error.code).toBe(code);
      expect(error.rule).toBe(rule);
      expect(error.side).toBe(side);
      if (rule !== undefined) expect(error.message).toContain(`[${rule}]`);
    });
  }

  it("gives every failure condition its own code", () => {
    const codes = new Map<string, string>();
    for (const [error, code] of table) {
      const earlier = codes.get(code);
      if (earlier !== undefined) expect(earlier).toBe(error.name);
      codes.set(code, error.name);
    }
    expect(new Set(table.map(([e]) => e.name)).size).toBe(codes.size);
  });

  it("carries the limit or the part it is about", () => {
    expect(new PartsLimitError(7).limit).toBe(7);
    expect(new BoundaryInContentError(4, "headers").partIndex).toBe(4);
    expect(new PartSkippedError(5).partIndex).toBe(5);
  });
});
