/**
 * The single table of bodies (after multipasta's test table) that `parser.test.ts` runs through the
 * sans-I/O core and `parse.test.ts` through `parseRelated`, each under every chunking the tests pick.
 * `accepted` holds what RFC 2046 §5.1.1 allows; `rejected` names each malformed body after busboy's
 * catalogue of failures ("Unexpected end of form", "Malformed part header" …) with the error it must
 * raise. Bodies are latin1 strings.
 */

import type { RelatedLimits } from "../../src/related/index.ts";

export interface AcceptedCase {
  readonly name: string;
  readonly contentType: string;
  readonly body: string;
  readonly parts: readonly { headers: [string, string][]; body: string }[];
}

export interface RejectedCase {
  readonly name: string;
  readonly contentType: string;
  readonly body: string;
  readonly limits?: RelatedLimits;
  readonly code: string;
  readonly rule: string;
}

const CT = "multipart/related; boundary=b0undary";
const json: [string, string][] = [["content-type", "application/json"]];

export const accepted: readonly AcceptedCase[] = [
  {
    name: "first delimiter at the very start (no preamble, no leading CRLF)",
    contentType: CT,
    body: "--b0undary\r\nContent-Type: application/json\r\n\r\n{}\r\n--b0undary--\r\n",
    parts: [{ headers: json, body: "{}" }],
  },
  {
    name: "preamble, ignored",
    contentType: CT,
    body: "This is the preamble.\r\nIt is --b0undary to be ignored.\r\n--b0undary\r\n\r\nx\r\n--b0undary--",
    parts: [{ headers: [], body: "x" }],
  },
  {
    name: "preamble of just a CRLF",
    contentType: CT,
    body: "\r\n--b0undary\r\n\r\nx\r\n--b0undary--",
    parts: [{ headers: [], body: "x" }],
  },
  {
    name: "epilogue, ignored (even when it holds delimiters)",
    contentType: CT,
    body: "--b0undary\r\n\r\nx\r\n--b0undary--\r\nepilogue\r\n--b0undary\r\n\r\ny\r\n--b0undary--\r\n",
    parts: [{ headers: [], body: "x" }],
  },
  {
    name: "transport padding after delimiters",
    contentType: CT,
    body: "--b0undary \t \r\n\r\nx\r\n--b0undary\t\r\n\r\ny\r\n--b0undary--",
    parts: [
      { headers: [], body: "x" },
      { headers: [], body: "y" },
    ],
  },
  {
    name: "transport padding after the close delimiter, no CRLF",
    contentType: CT,
    body: "--b0undary\r\n\r\nx\r\n--b0undary-- \t ",
    parts: [{ headers: [], body: "x" }],
  },
  {
    name: "transport padding after the close delimiter, then CRLF and epilogue",
    contentType: CT,
    body: "--b0undary\r\n\r\nx\r\n--b0undary--  \r\nbye",
    parts: [{ headers: [], body: "x" }],
  },
  {
    name: "no CRLF after the close delimiter (YouForce's client)",
    contentType: CT,
    body: "--b0undary\r\n\r\nx\r\n--b0undary--",
    parts: [{ headers: [], body: "x" }],
  },
  {
    name: "quoted boundary with specials and a space",
    contentType: `multipart/related; boundary="a'()+_,-./:=? z"`,
    body: "--a'()+_,-./:=? z\r\n\r\nx\r\n--a'()+_,-./:=? z--",
    parts: [{ headers: [], body: "x" }],
  },
  {
    name: "quoted boundary with quoted-pairs",
    contentType: `multipart/related; boundary="\\a\\b\\c"`,
    body: "--abc\r\n\r\nx\r\n--abc--",
    parts: [{ headers: [], body: "x" }],
  },
  {
    name: "part without headers (delimiter line, then an immediate CRLF)",
    contentType: CT,
    body: "--b0undary\r\n\r\n\r\nstarts with CRLF\r\n--b0undary--",
    parts: [{ headers: [], body: "\r\nstarts with CRLF" }],
  },
  {
    name: "part without headers or content",
    contentType: CT,
    body: "--b0undary\r\n\r\n--b0undary--",
    parts: [{ headers: [], body: "" }],
  },
  {
    name: "headers and no content, [CRLF *OCTET] omitted",
    contentType: CT,
    body: "--b0undary\r\nContent-Type: application/json\r\n\r\n--b0undary--",
    parts: [{ headers: json, body: "" }],
  },
  {
    name: "headers and empty content",
    contentType: CT,
    body: "--b0undary\r\nContent-Type: application/json\r\n\r\n\r\n--b0undary--",
    parts: [{ headers: json, body: "" }],
  },
  {
    name: "--boundary inside a line is content",
    contentType: CT,
    body: "--b0undary\r\n\r\na--b0undary\r\n --b0undary\r\n\r--b0undary\n--b0undary\r\n--b0undary--",
    parts: [{ headers: [], body: "a--b0undary\r\n --b0undary\r\n\r--b0undary\n--b0undary" }],
  },
  {
    name: "content with CRLF--, dashes and partial boundaries",
    contentType: CT,
    body: "--b0undary\r\n\r\n\r\n--\r\n--b0\r\n--b0undar\r\n---\r\r\n\r\n--b0undary--",
    parts: [{ headers: [], body: "\r\n--\r\n--b0\r\n--b0undar\r\n---\r\r\n" }],
  },
  {
    name: "header names lower-cased, values trimmed, whitespace before the colon",
    contentType: CT,
    body: "--b0undary\r\nContent-ID :  <root>  \r\nX-Empty:\r\n\r\nx\r\n--b0undary--",
    parts: [
      {
        headers: [
          ["content-id", "<root>"],
          ["x-empty", ""],
        ],
        body: "x",
      },
    ],
  },
  {
    name: "folded header unfolded",
    contentType: CT,
    body: "--b0undary\r\nContent-Type: application/json;\r\n\tcharset=UTF-8\r\n\r\n{}\r\n--b0undary--",
    parts: [{ headers: [["content-type", "application/json;\tcharset=UTF-8"]], body: "{}" }],
  },
  {
    name: "repeated header joined",
    contentType: CT,
    body: "--b0undary\r\nX-A: 1\r\nx-a: 2\r\n\r\n\r\n--b0undary--",
    parts: [{ headers: [["x-a", "1, 2"]], body: "" }],
  },
  {
    name: "UTF-8 header value",
    contentType: CT,
    body: "--b0undary\r\nX-Name: r\xc3\xa9sum\xc3\xa9\r\n\r\n\r\n--b0undary--",
    parts: [{ headers: [["x-name", "résumé"]], body: "" }],
  },
  {
    name: "binary content with every byte value",
    contentType: CT,
    body: `--b0undary\r\n\r\n${String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i))}\r\n--b0undary--`,
    parts: [{ headers: [], body: String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i)) }],
  },
  {
    name: "multipart/mixed parses the same way",
    contentType: "multipart/mixed; boundary=b0undary",
    body: "--b0undary\r\n\r\nx\r\n--b0undary--",
    parts: [{ headers: [], body: "x" }],
  },
  {
    name: "one-character boundary",
    contentType: "multipart/related; boundary=-",
    body: "---\r\n\r\n-\r\n--\r\n---\r\n\r\n\r\n-----",
    parts: [
      { headers: [], body: "-\r\n--" },
      { headers: [], body: "" },
    ],
  },
];

export const rejected: readonly RejectedCase[] = [
  {
    name: "Unexpected end of form: no close delimiter",
    contentType: CT,
    body: "--b0undary\r\n\r\nx",
    code: "PW_MIME_CLOSE_DELIMITER",
    rule: "MIME-CLOSE-DELIMITER",
  },
  {
    name: "Unexpected end of form: ends after a delimiter line",
    contentType: CT,
    body: "--b0undary\r\n\r\nx\r\n--b0undary\r\n\r\n",
    code: "PW_MIME_CLOSE_DELIMITER",
    rule: "MIME-CLOSE-DELIMITER",
  },
  {
    name: "Unexpected end of form: ends right after the boundary",
    contentType: CT,
    body: "--b0undary\r\n\r\nx\r\n--b0undary",
    code: "PW_MIME_CLOSE_DELIMITER",
    rule: "MIME-CLOSE-DELIMITER",
  },
  {
    name: "Unexpected end of form: half a close delimiter",
    contentType: CT,
    body: "--b0undary\r\n\r\nx\r\n--b0undary-",
    code: "PW_MIME_CLOSE_DELIMITER",
    rule: "MIME-CLOSE-DELIMITER",
  },
  {
    name: "Unexpected end of form: a delimiter line without its LF",
    contentType: CT,
    body: "--b0undary \r",
    code: "PW_MIME_CLOSE_DELIMITER",
    rule: "MIME-CLOSE-DELIMITER",
  },
  {
    name: "Malformed part header: no colon",
    contentType: CT,
    body: "--b0undary\r\nContent-Type application/json\r\n\r\n{}\r\n--b0undary--",
    code: "PW_MIME_PART_HEADERS",
    rule: "MIME-PART-HEADERS",
  },
  {
    name: "Malformed part header: empty field name",
    contentType: CT,
    body: "--b0undary\r\n: nameless\r\n\r\n\r\n--b0undary--",
    code: "PW_MIME_PART_HEADERS",
    rule: "MIME-PART-HEADERS",
  },
  {
    name: "Malformed part header: space inside the field name",
    contentType: CT,
    body: "--b0undary\r\nContent Type: x\r\n\r\n\r\n--b0undary--",
    code: "PW_MIME_PART_HEADERS",
    rule: "MIME-PART-HEADERS",
  },
  {
    name: "Malformed part header: continuation line first",
    contentType: CT,
    body: "--b0undary\r\n folded: x\r\n\r\n\r\n--b0undary--",
    code: "PW_MIME_PART_HEADERS",
    rule: "MIME-PART-HEADERS",
  },
  {
    name: "Malformed part header: bare LF inside a field",
    contentType: CT,
    body: "--b0undary\r\nX-A: 1\nX-B: 2\r\n\r\n\r\n--b0undary--",
    code: "PW_MIME_PART_HEADERS",
    rule: "MIME-PART-HEADERS",
  },
  {
    name: "Malformed part header: truncated header section",
    contentType: CT,
    body: "--b0undary\r\nContent-Type: application/json\r\n",
    code: "PW_MIME_PART_HEADERS",
    rule: "MIME-PART-HEADERS",
  },
  {
    name: "Malformed part header: header section runs into the next delimiter",
    contentType: CT,
    body: "--b0undary\r\nContent-Type: application/json\r\n--b0undary--\r\n",
    code: "PW_MIME_PART_HEADERS",
    rule: "MIME-PART-HEADERS",
  },
  {
    name: "Boundary not found: empty body",
    contentType: CT,
    body: "",
    code: "PW_MIME_NO_DELIMITER",
    rule: "MIME-DELIMITER-LINE-START",
  },
  {
    name: "Boundary not found: text only",
    contentType: CT,
    body: "hello, world\r\n",
    code: "PW_MIME_NO_DELIMITER",
    rule: "MIME-DELIMITER-LINE-START",
  },
  {
    name: "Boundary not found: only in the middle of lines",
    contentType: CT,
    body: "x--b0undary\r\n\r\ny--b0undary--",
    code: "PW_MIME_NO_DELIMITER",
    rule: "MIME-DELIMITER-LINE-START",
  },
  {
    name: "Boundary not found: different boundary",
    contentType: "multipart/related; boundary=other",
    body: "--b0undary\r\n\r\nx\r\n--b0undary--",
    code: "PW_MIME_NO_DELIMITER",
    rule: "MIME-DELIMITER-LINE-START",
  },
  {
    name: "Close delimiter before any part",
    contentType: CT,
    body: "--b0undary--\r\n",
    code: "PW_MIME_NO_DELIMITER",
    rule: "MIME-DELIMITER-LINE-START",
  },
  {
    name: "Malformed delimiter: LF-only line endings",
    contentType: CT,
    body: "--b0undary\nContent-Type: text/plain\n\nx\n--b0undary--\n",
    code: "PW_MIME_DELIMITER",
    rule: "MIME-TRANSPORT-PADDING",
  },
  {
    name: "Malformed delimiter: text after the boundary",
    contentType: CT,
    body: "--b0undary\r\n\r\nx\r\n--b0undary and more\r\n\r\ny\r\n--b0undary--",
    code: "PW_MIME_DELIMITER",
    rule: "MIME-TRANSPORT-PADDING",
  },
  {
    name: "Malformed delimiter: a longer boundary at a line start",
    contentType: CT,
    body: "--b0undary\r\n\r\nx\r\n--b0undary2\r\n\r\ny\r\n--b0undary--",
    code: "PW_MIME_DELIMITER",
    rule: "MIME-TRANSPORT-PADDING",
  },
  {
    name: "Malformed delimiter: one dash after the boundary",
    contentType: CT,
    body: "--b0undary\r\n\r\nx\r\n--b0undary-\r\n",
    code: "PW_MIME_DELIMITER",
    rule: "MIME-TRANSPORT-PADDING",
  },
  {
    name: "Malformed delimiter: padding, then text",
    contentType: CT,
    body: "--b0undary  x\r\n\r\n\r\n--b0undary--",
    code: "PW_MIME_DELIMITER",
    rule: "MIME-TRANSPORT-PADDING",
  },
  {
    name: "Malformed delimiter: CR without LF",
    contentType: CT,
    body: "--b0undary\r\r\n\r\n\r\n--b0undary--",
    code: "PW_MIME_DELIMITER",
    rule: "MIME-TRANSPORT-PADDING",
  },
  {
    name: "Malformed close delimiter: text after it",
    contentType: CT,
    body: "--b0undary\r\n\r\nx\r\n--b0undary--x",
    code: "PW_MIME_DELIMITER",
    rule: "MIME-TRANSPORT-PADDING",
  },
  {
    name: "Malformed close delimiter: CR without LF at the end",
    contentType: CT,
    body: "--b0undary\r\n\r\nx\r\n--b0undary--\r",
    code: "PW_MIME_DELIMITER",
    rule: "MIME-TRANSPORT-PADDING",
  },
  {
    name: "Malformed close delimiter: CR, then text",
    contentType: CT,
    body: "--b0undary\r\n\r\nx\r\n--b0undary--\rx",
    code: "PW_MIME_DELIMITER",
    rule: "MIME-TRANSPORT-PADDING",
  },
  {
    name: "Header section too large",
    contentType: CT,
    body: `--b0undary\r\nX-Big: ${"a".repeat(100)}\r\n\r\n\r\n--b0undary--`,
    limits: { maxHeaderSize: 64 },
    code: "PW_MIME_LIMIT_HEADER_SIZE",
    rule: "MIME-LIMIT-HEADER-SIZE",
  },
  {
    name: "Header section too large: endless transport padding",
    contentType: CT,
    body: `--b0undary${" ".repeat(100)}\r\n\r\n\r\n--b0undary--`,
    limits: { maxHeaderSize: 64 },
    code: "PW_MIME_LIMIT_HEADER_SIZE",
    rule: "MIME-LIMIT-HEADER-SIZE",
  },
  {
    name: "Header section too large: never ends (default 16 KiB)",
    contentType: CT,
    body: `--b0undary\r\nX-Big: ${"a".repeat(20_000)}`,
    code: "PW_MIME_LIMIT_HEADER_SIZE",
    rule: "MIME-LIMIT-HEADER-SIZE",
  },
  {
    name: "Too many parts",
    contentType: CT,
    body: "--b0undary\r\n\r\n\r\n--b0undary\r\n\r\n\r\n--b0undary\r\n\r\n\r\n--b0undary--",
    limits: { maxParts: 2 },
    code: "PW_MIME_LIMIT_PARTS",
    rule: "MIME-LIMIT-PARTS",
  },
  {
    name: "Part too large",
    contentType: CT,
    body: "--b0undary\r\n\r\n0123456789\r\n--b0undary--",
    limits: { maxPartSize: 9 },
    code: "PW_MIME_LIMIT_PART_SIZE",
    rule: "MIME-LIMIT-PART-SIZE",
  },
  {
    name: "Body too large",
    contentType: CT,
    body: "--b0undary\r\n\r\nx\r\n--b0undary--\r\n",
    limits: { maxBodySize: 20 },
    code: "PW_MIME_LIMIT_BODY_SIZE",
    rule: "MIME-LIMIT-BODY-SIZE",
  },
];
