/**
 * The `Content-Type` of a multipart body: RFC 2045 §5.1 syntax, RFC 2046 §5.1.1 `boundary`,
 * RFC 2387 §3 `type`, `start` and `start-info` (rules MIME-CONTENT-TYPE, MIME-BOUNDARY-*).
 *
 *     content    := "Content-Type" ":" type "/" subtype *(";" parameter)
 *     parameter  := attribute "=" value
 *     attribute  := token
 *     value      := token / quoted-string
 *     token      := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or tspecials>
 *     tspecials  := "(" / ")" / "<" / ">" / "@" / "," / ";" / ":" / "\" / <"> / "/" / "[" / "]" / "?" / "="
 *     quoted-string := <"> *(qtext / quoted-pair) <">      (RFC 822 §3.3; quoted-pair := "\" CHAR)
 *
 * Also accepted: whitespace (SP, HTAB) around `/`, `;` and `=`, as RFC 822's lexical rules allow;
 * empty parameters (`;;`, a trailing `;`), as RFC 9110 §5.6.6 does; and an unquoted `type/subtype`
 * value, as RFC 2387 §3.4 writes `related-param := … [";" "type" "=" type "/" subtype]`.
 * Not supported: RFC 822 comments and RFC 2231 extended parameters. A parameter given twice is an
 * error: two `boundary` values would let two parsers split one body two ways.
 */

import { checkBoundary } from "./boundary.ts";
import { ContentTypeError } from "./errors.ts";

/** A parsed multipart `Content-Type`. Parameter names are lower case; values are unquoted. */
export interface RelatedContentType {
  /** `type/subtype` in lower case, e.g. `multipart/related`. */
  readonly mediaType: string;
  /** RFC 2046 boundary, validated against its grammar. */
  readonly boundary: string;
  /** RFC 2387 §3.1 `type`: the media type of the root part, when given. */
  readonly type?: string;
  /** RFC 2387 §3.2 `start`: the Content-ID of the root part, when given (else the root is the first part). */
  readonly start?: string;
  /** RFC 2387 §3.3 `start-info`, when given; its meaning belongs to the application. */
  readonly startInfo?: string;
  /** Every parameter, `boundary` and the RFC 2387 ones included. */
  readonly parameters: ReadonlyMap<string, string>;
}

const HTAB = 0x09;
const SPACE = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const SLASH = 0x2f;

/** RFC 2045 token characters, by character code. */
const TOKEN: Uint8Array = (() => {
  const table = new Uint8Array(128);
  for (let c = 0x21; c < 0x7f; c++) table[c] = 1;
  for (const c of '()<>@,;:\\"/[]?=') table[c.charCodeAt(0)] = 0;
  return table;
})();

/** True when `value` is a non-empty RFC 2045 token, i.e. needs no quoting as a parameter value. */
export function isToken(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 128 || TOKEN[c] === 0) return false;
  }
  return true;
}

/** A parameter value as a token when it is one, else as an RFC 822 quoted-string. */
export function formatParameterValue(value: string): string {
  return isToken(value) ? value : `"${value.replace(/["\\]/g, "\\$&")}"`;
}

/**
 * Parses a multipart `Content-Type` header value. Throws `ContentTypeError` (MIME-CONTENT-TYPE) when it
 * is malformed, not `multipart/*` or has no `boundary`, and `BoundaryError` when the boundary breaks
 * RFC 2046's grammar. Both are `remote` errors: the header came from the peer.
 */
export function parseContentType(header: string): RelatedContentType {
  const scanner = new Scanner(header);
  scanner.skipWhitespace();
  const type = scanner.token("media type");
  scanner.skipWhitespace();
  scanner.expect("/");
  scanner.skipWhitespace();
  const subtype = scanner.token("media subtype");
  const mediaType = `${type}/${subtype}`.toLowerCase();

  const parameters = new Map<string, string>();
  for (;;) {
    scanner.skipWhitespace();
    if (scanner.done()) break;
    scanner.expect(";");
    scanner.skipWhitespace();
    if (scanner.done() || scanner.peek() === ";".charCodeAt(0)) continue;
    const name = scanner.token("parameter name").toLowerCase();
    scanner.skipWhitespace();
    scanner.expect("=");
    scanner.skipWhitespace();
    const value =
      scanner.peek() === DQUOTE ? scanner.quotedString() : scanner.tokenOrMediaType(`value of ${name}`);
    if (parameters.has(name)) throw new ContentTypeError(`Content-Type has the parameter ${name} twice`);
    parameters.set(name, value);
  }

  if (type.toLowerCase() !== "multipart") {
    throw new ContentTypeError(`Content-Type is ${mediaType}, not multipart/*`);
  }
  const boundary = parameters.get("boundary");
  if (boundary === undefined)
    throw new ContentTypeError(`Content-Type ${mediaType} has no boundary parameter`);
  checkBoundary(boundary, "remote");

  const result: { -readonly [K in keyof RelatedContentType]: RelatedContentType[K] } = {
    mediaType,
    boundary,
    parameters,
  };
  const relatedType = parameters.get("type");
  if (relatedType !== undefined) result.type = relatedType;
  const start = parameters.get("start");
  if (start !== undefined) result.start = start;
  const startInfo = parameters.get("start-info");
  if (startInfo !== undefined) result.startInfo = startInfo;
  return result;
}

/** A cursor over the header value; every failure is a `ContentTypeError` naming the position. */
class Scanner {
  private i = 0;

  constructor(private readonly text: string) {}

  done(): boolean {
    return this.i >= this.text.length;
  }

  peek(): number {
    return this.text.charCodeAt(this.i);
  }

  skipWhitespace(): void {
    while (this.peek() === SPACE || this.peek() === HTAB) this.i++;
  }

  expect(char: string): void {
    if (this.text[this.i] !== char) this.fail(`expected "${char}"`);
    this.i++;
  }

  token(what: string): string {
    const start = this.i;
    for (;;) {
      const c = this.peek();
      if (!(c < 128 && TOKEN[c] === 1)) break;
      this.i++;
    }
    if (this.i === start) this.fail(`expected a token (${what})`);
    return this.text.slice(start, this.i);
  }

  /** A token, or `token "/" token`: RFC 2387 §3.4 writes the `type` parameter unquoted that way. */
  tokenOrMediaType(what: string): string {
    const first = this.token(what);
    if (this.peek() !== SLASH) return first;
    this.i++;
    return `${first}/${this.token(what)}`;
  }

  /** RFC 822 quoted-string; the cursor is on the opening quote. */
  quotedString(): string {
    this.i++;
    let value = "";
    for (;;) {
      if (this.done()) this.fail("unterminated quoted-string");
      let c = this.peek();
      if (c === DQUOTE) break;
      if (c === BACKSLASH) {
        this.i++;
        if (this.done()) this.fail("unterminated quoted-pair");
        c = this.peek();
      }
      if (c === 0x0d || c === 0x0a || c === 0) this.fail("CR, LF or NUL inside a quoted-string");
      value += this.text[this.i];
      this.i++;
    }
    this.i++;
    return value;
  }

  private fail(reason: string): never {
    throw new ContentTypeError(`Malformed Content-Type at index ${this.i}: ${reason}`);
  }
}
