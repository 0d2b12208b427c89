/**
 * The sans-I/O `multipart/related` parser: RFC 2046 §5.1.1 body syntax, RFC 2387 (rules
 * MIME-DELIMITER-LINE-START, MIME-TRANSPORT-PADDING, MIME-CLOSE-DELIMITER, MIME-PART-HEADERS,
 * MIME-LIMIT-HEADER-SIZE, MIME-LIMIT-PARTS, MIME-LIMIT-BODY-SIZE, MIME-LIMIT-PART-SIZE).
 *
 *     multipart-body    := [preamble CRLF] dash-boundary transport-padding CRLF
 *                          body-part *encapsulation close-delimiter transport-padding [CRLF epilogue]
 *     transport-padding := *LWSP-char        ; senders must not generate it, receivers must accept it
 *     encapsulation     := delimiter transport-padding CRLF body-part
 *     dash-boundary     := "--" boundary
 *     delimiter         := CRLF dash-boundary
 *     close-delimiter   := delimiter "--"
 *     body-part         := MIME-part-headers [CRLF *OCTET]
 *
 * Design (after https://github.com/tim-smart/multipasta): the core knows only `Uint8Array`; bytes go in through
 * `write`/`end` and results come out through callbacks. Errors are values handed to `onError`, and
 * they are sticky: after one, every `write` and `end` reports the same error again. Part content is
 * passed on as `subarray` views of the written chunk, never copied, except the few bytes (at most the
 * delimiter's length) held back at the end of a chunk because they may begin a delimiter; those are
 * copied once the next chunk shows they were content. The parser keeps no reference to a chunk
 * after `write` returns. Callbacks must not throw nor call back into the parser.
 *
 * The algorithm, step by step:
 *  1. Preamble. Search for the delimiter `CRLF--boundary` as if a CRLF preceded the first byte, so
 *     the body may open with `--boundary`. Bytes before the first delimiter are ignored. End of
 *     input here: `MissingDelimiterError`.
 *  2. After a boundary. `--` makes a close delimiter (step 5); a close before any part is a
 *     `MissingDelimiterError` (one part at least). Otherwise skip transport padding (SP, HTAB) up to
 *     CRLF, count the part against `maxParts` and go to step 3. Any other byte is a
 *     `MalformedDelimiterError`: by the RFC's matching rule ("it is sufficient that the boundary
 *     appear in its entirety following the CRLF") the line is a delimiter line, not content.
 *  3. Header section. Collect bytes up to the first empty line; the delimiter line's CRLF ends the
 *     line before it, so an immediate CRLF means "no headers". The padding, that CRLF, the fields and
 *     the empty line together may not pass `maxHeaderSize`. Parse the fields (RFC 5322 §2.2, with
 *     folded lines unfolded), then `onPartStart(headers)`. End of input here: `PartHeadersError`.
 *  4. Content. Search for the delimiter again, again as if a CRLF preceded the content: when the
 *     optional `[CRLF *OCTET]` is omitted, the header section's last CRLF is the delimiter's.
 *     Bytes before it go to `onPartData`, within `maxPartSize`; at the delimiter, `onPartEnd()`
 *     and step 2. End of input here: `MissingCloseDelimiterError`.
 *  5. After the close delimiter, skip transport padding; then either the input ends or a CRLF opens
 *     the epilogue, which is ignored. Anything else is a `MalformedDelimiterError`.
 *  6. `end()` after step 5: `onEnd()`.
 * Every `write` first counts its bytes against `maxBodySize`.
 */

import { validateBoundary } from "./boundary.ts";
import type { RelatedParseError } from "./errors.ts";
import {
  BodySizeLimitError,
  HeaderSizeLimitError,
  MalformedDelimiterError,
  MissingCloseDelimiterError,
  MissingDelimiterError,
  ParserClosedError,
  PartHeadersError,
  PartSizeLimitError,
  PartsLimitError,
  RelatedConfigError,
} from "./errors.ts";
import type { Needle } from "./search.ts";
import { asciiBytes, createNeedle, findNeedle, findPartialNeedle } from "./search.ts";

/** Limits of the parser; each is a non-negative integer, or `Infinity` for "no limit". */
export interface RelatedLimits {
  /**
   * Bytes between a delimiter's boundary and the part's content: transport padding, the line's
   * CRLF, the header fields and the empty line (so a part without headers takes 4). Default 16 KiB.
   */
  readonly maxHeaderSize?: number;
  /** Body parts. Default: no limit. */
  readonly maxParts?: number;
  /** Bytes of the whole body, preamble and epilogue included. Default: no limit. */
  readonly maxBodySize?: number;
  /** Content bytes of any one part (headers excluded). Default: no limit. */
  readonly maxPartSize?: number;
}

export interface RelatedParserConfig extends RelatedLimits {
  /** The boundary from the body's `Content-Type`; checked against RFC 2046's grammar. */
  readonly boundary: string;
}

export interface RelatedParserCallbacks {
  /** A part begins. Header names are lower case; a name given twice has its values joined by ", ". */
  onPartStart(headers: ReadonlyMap<string, string>): void;
  /** Content of the current part: a view of the written chunk, or a small copy (never empty). */
  onPartData(chunk: Uint8Array): void;
  onPartEnd(): void;
  /** The close delimiter was seen and `end()` was called. */
  onEnd(): void;
  /** The body broke a rule or a limit; the parser is failed from now on. */
  onError(error: RelatedParseError): void;
}

export interface RelatedParser {
  write(chunk: Uint8Array): void;
  end(): void;
}

export const DEFAULT_MAX_HEADER_SIZE = 16_384 as const;

/** A sans-I/O parser for one multipart body; see the algorithm above. */
export function createRelatedParser(
  config: RelatedParserConfig,
  callbacks: RelatedParserCallbacks,
): RelatedParser {
  return new Parser(config, callbacks);
}

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const DASH = 0x2d;

// Parser states, in the order of the algorithm's steps.
const PREAMBLE = 0; // step 1
const AFTER_BOUNDARY = 1; // step 2: right after `--boundary`
const AFTER_DASH = 2; // step 2: `--boundary-`
const PADDING = 3; // step 2: transport padding of a delimiter line
const LINE_CR = 4; // step 2: CR ending a delimiter line
const HEADERS = 5; // step 3
const CONTENT = 6; // step 4
const CLOSE_PADDING = 7; // step 5: transport padding after `--boundary--`
const CLOSE_CR = 8; // step 5: CR after the close delimiter
const EPILOGUE = 9; // step 5
const ENDED = 10; // step 6
const FAILED = 11;
type State = number;

const VIRTUAL_CRLF = new Uint8Array([CR, LF]);
const headerDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

class Parser implements RelatedParser {
  private readonly needle: Needle;
  private readonly callbacks: RelatedParserCallbacks;
  private readonly maxHeaderSize: number;
  private readonly maxParts: number;
  private readonly maxBodySize: number;
  private readonly maxPartSize: number;

  private state: State = PREAMBLE;
  private error: RelatedParseError | undefined;
  private bodyBytes = 0;
  private parts = 0;
  private partBytes = 0;

  /** Held-back bytes that are a proper prefix of the delimiter; the first `carryVirtual` are the implied CRLF. */
  private readonly carry: Uint8Array;
  private carryLength = 0;
  private carryVirtual = 0;

  /** Header bytes of the current part so far, and the position in `CRLF CRLF` (2 = at a line start). */
  private headerBytes = 0;
  private headerBuffer = new Uint8Array(256);
  private headerLength = 0;
  private headerState = 2;

  constructor(config: RelatedParserConfig, callbacks: RelatedParserCallbacks) {
    validateBoundary(config.boundary);
    this.needle = createNeedle(asciiBytes(`\r\n--${config.boundary}`));
    this.callbacks = callbacks;
    this.maxHeaderSize = limit(config, "maxHeaderSize", DEFAULT_MAX_HEADER_SIZE);
    this.maxParts = limit(config, "maxParts", Number.POSITIVE_INFINITY);
    this.maxBodySize = limit(config, "maxBodySize", Number.POSITIVE_INFINITY);
    this.maxPartSize = limit(config, "maxPartSize", Number.POSITIVE_INFINITY);
    this.carry = new Uint8Array(this.needle.bytes.length);
    this.holdVirtualCrlf();
  }

  write(chunk: Uint8Array): void {
    if (this.error !== undefined) {
      this.callbacks.onError(this.error);
      return;
    }
    if (this.state === ENDED) throw new ParserClosedError("write");
    this.bodyBytes += chunk.length;
    if (this.bodyBytes > this.maxBodySize) {
      this.fail(new BodySizeLimitError(this.maxBodySize));
      return;
    }
    const length = chunk.length;
    let p = 0;
    while (p < length) {
      switch (this.state) {
        case PREAMBLE:
        case CONTENT: {
          const after = this.scan(chunk, p);
          if (after < 0 || this.error !== undefined) return;
          this.delimiterFound();
          p = after;
          break;
        }
        case HEADERS:
          p = this.headerSection(chunk, p);
          break;
        case EPILOGUE:
          return;
        case FAILED:
          return;
        default:
          p = this.delimiterLine(chunk, p);
      }
    }
  }

  end(): void {
    if (this.error !== undefined) {
      this.callbacks.onError(this.error);
      return;
    }
    switch (this.state) {
      case ENDED:
        throw new ParserClosedError("end");
      case CLOSE_PADDING:
      case EPILOGUE:
        this.state = ENDED;
        this.callbacks.onEnd();
        return;
      case PREAMBLE:
        this.fail(new MissingDelimiterError("The body has no delimiter line (--boundary at a line start)"));
        return;
      case HEADERS:
        this.fail(new PartHeadersError(`The header section of part ${this.parts - 1} is truncated`));
        return;
      case CLOSE_CR:
        this.fail(new MalformedDelimiterError("The close delimiter line ends in CR without LF"));
        return;
      default:
        this.fail(
          new MissingCloseDelimiterError(
            `The body ended in part ${this.parts - 1} without the close delimiter --boundary--`,
          ),
        );
    }
  }

  /**
   * Steps 1 and 4: looks for the delimiter in `chunk[p..]`, passing content on (in step 4). Returns
   * the index just after the delimiter, or -1 when the chunk is used up (its tail possibly held back).
   */
  private scan(chunk: Uint8Array, p: number): number {
    const needle = this.needle;
    const delimiterLength = needle.bytes.length;
    const length = chunk.length;
    if (this.carryLength > 0) {
      const held = this.carryLength;
      const missing = delimiterLength - held;
      const available = Math.min(missing, length - p);
      let k = 0;
      while (k < available && chunk[p + k] === needle.bytes[held + k]) k++;
      if (k === available) {
        if (available === missing) {
          this.carryLength = 0;
          this.carryVirtual = 0;
          return p + missing;
        }
        this.carry.set(chunk.subarray(p, p + available), held);
        this.carryLength += available;
        return -1;
      }
      // The held bytes were content. No delimiter starts inside them: CR is the delimiter's first
      // byte and occurs nowhere else in it, so a held prefix has no CR after its first byte.
      const real = this.carry.slice(this.carryVirtual, held);
      this.carryLength = 0;
      this.carryVirtual = 0;
      if (real.length > 0) this.content(real);
      if (this.error !== undefined) return -1;
    }
    const at = findNeedle(chunk, needle, p, length);
    if (at >= 0) {
      if (at > p) this.content(chunk.subarray(p, at));
      return at + delimiterLength;
    }
    const partial = findPartialNeedle(chunk, needle, p, length);
    const end = partial < 0 ? length : partial;
    if (end > p) this.content(chunk.subarray(p, end));
    if (partial >= 0 && this.error === undefined) {
      this.carry.set(chunk.subarray(partial, length));
      this.carryLength = length - partial;
    }
    return -1;
  }

  /** Step 4's output: content of the current part (preamble bytes are dropped). */
  private content(view: Uint8Array): void {
    if (this.state !== CONTENT) return;
    this.partBytes += view.length;
    if (this.partBytes > this.maxPartSize)
      this.fail(new PartSizeLimitError(this.maxPartSize, this.parts - 1));
    else this.callbacks.onPartData(view);
  }

  private delimiterFound(): void {
    if (this.state === CONTENT) this.callbacks.onPartEnd();
    this.state = AFTER_BOUNDARY;
    this.headerBytes = 0;
  }

  /** Steps 2 and 5: the rest of a delimiter line, byte by byte (it is short, unless padded). */
  private delimiterLine(chunk: Uint8Array, p: number): number {
    const length = chunk.length;
    while (p < length) {
      const b = chunk[p++]!;
      switch (this.state) {
        case AFTER_BOUNDARY:
          if (b === DASH) this.state = AFTER_DASH;
          else if (b === SPACE || b === TAB) this.state = PADDING;
          else if (b === CR) this.state = LINE_CR;
          else return this.malformed(b, "after the boundary");
          break;
        case AFTER_DASH:
          if (b !== DASH) return this.malformed(b, "after --boundary-");
          if (this.parts === 0) {
            this.fail(new MissingDelimiterError("The body closes (--boundary--) before its first part"));
            return length;
          }
          this.state = CLOSE_PADDING;
          break;
        case PADDING:
          if (b === CR) this.state = LINE_CR;
          else if (b !== SPACE && b !== TAB) return this.malformed(b, "in the transport padding");
          break;
        case LINE_CR:
          if (b !== LF) return this.malformed(b, "after CR on a delimiter line");
          return this.openPart(p);
        case CLOSE_PADDING:
          if (b === CR) this.state = CLOSE_CR;
          else if (b !== SPACE && b !== TAB) return this.malformed(b, "after the close delimiter");
          break;
        case CLOSE_CR:
          if (b !== LF) return this.malformed(b, "after CR on the close delimiter line");
          this.state = EPILOGUE;
          return length;
      }
      // Padding and CR of a delimiter line count towards the next part's header size.
      if ((this.state === PADDING || this.state === LINE_CR) && ++this.headerBytes > this.maxHeaderSize) {
        this.fail(new HeaderSizeLimitError(this.maxHeaderSize, this.parts));
        return length;
      }
    }
    return p;
  }

  private malformed(byte: number, where: string): number {
    const shown = byte >= 0x21 && byte < 0x7f ? `"${String.fromCharCode(byte)}"` : `0x${byte.toString(16)}`;
    this.fail(
      new MalformedDelimiterError(
        `Byte ${shown} ${where}: a delimiter line is --boundary, optional spaces or tabs, then CRLF (or -- to close)`,
      ),
    );
    return Number.POSITIVE_INFINITY;
  }

  private openPart(p: number): number {
    this.parts++;
    if (this.parts > this.maxParts) {
      this.fail(new PartsLimitError(this.maxParts));
      return Number.POSITIVE_INFINITY;
    }
    this.headerBytes += 1;
    if (this.headerBytes > this.maxHeaderSize) {
      this.fail(new HeaderSizeLimitError(this.maxHeaderSize, this.parts - 1));
      return Number.POSITIVE_INFINITY;
    }
    this.state = HEADERS;
    this.headerLength = 0;
    this.headerState = 2;
    return p;
  }

  /** Step 3: collects the header section up to its empty line (a small, bounded per-byte scan). */
  private headerSection(chunk: Uint8Array, p: number): number {
    const length = chunk.length;
    // Look at most one byte past the limit: enough to know it was passed.
    const stop = Math.min(length, p + (this.maxHeaderSize - this.headerBytes) + 1);
    let state = this.headerState;
    let i = p;
    while (i < stop) {
      const b = chunk[i++]!;
      if (b === LF) {
        if (state === 1) state = 2;
        else if (state === 3) {
          state = 4;
          break;
        } else state = 0;
      } else if (b === CR) state = state === 2 ? 3 : 1;
      else state = 0;
    }
    this.headerState = state;
    this.headerBytes += i - p;
    if (this.headerBytes > this.maxHeaderSize) {
      this.fail(new HeaderSizeLimitError(this.maxHeaderSize, this.parts - 1));
      return Number.POSITIVE_INFINITY;
    }
    this.appendHeaderBytes(chunk.subarray(p, i));
    if (state !== 4) return i;

    const parsed = parseHeaderSection(this.headerBuffer.subarray(0, this.headerLength - 2), this.parts - 1);
    if (parsed instanceof PartHeadersError) {
      this.fail(parsed);
      return Number.POSITIVE_INFINITY;
    }
    this.state = CONTENT;
    this.partBytes = 0;
    this.holdVirtualCrlf();
    this.callbacks.onPartStart(parsed);
    return i;
  }

  private appendHeaderBytes(bytes: Uint8Array): void {
    const needed = this.headerLength + bytes.length;
    if (needed > this.headerBuffer.length) {
      const grown = new Uint8Array(Math.max(needed, this.headerBuffer.length * 2));
      grown.set(this.headerBuffer.subarray(0, this.headerLength));
      this.headerBuffer = grown;
    }
    this.headerBuffer.set(bytes, this.headerLength);
    this.headerLength = needed;
  }

  /** Steps 1 and 4 search as if a CRLF came first; it is never passed on as content. */
  private holdVirtualCrlf(): void {
    this.carry.set(VIRTUAL_CRLF);
    this.carryLength = 2;
    this.carryVirtual = 2;
  }

  private fail(error: RelatedParseError): void {
    this.state = FAILED;
    this.error = error;
    this.callbacks.onError(error);
  }
}

function limit(config: RelatedLimits, name: keyof RelatedLimits, fallback: number): number {
  const value = config[name];
  if (value === undefined) return fallback;
  if (value === Number.POSITIVE_INFINITY || (Number.isSafeInteger(value) && value >= 0)) return value;
  throw new RelatedConfigError(`${name} must be a non-negative integer or Infinity, not ${value}`);
}

/**
 * RFC 5322 §2.2 header fields of one part: `field-name ":" field-body CRLF`, where field-name is
 * printable US-ASCII except ":" (RFC 5322 §3.6.8; obsolete whitespace before the colon is allowed),
 * and a line starting with SP or HTAB continues the previous field (§2.2.3 unfolding). CR, LF and
 * NUL may not appear inside a line. `section` excludes the empty line that ends it.
 */
function parseHeaderSection(section: Uint8Array, partIndex: number): Map<string, string> | PartHeadersError {
  const headers = new Map<string, string>();
  if (section.length === 0) return headers;
  const lines = headerDecoder.decode(section).split("\r\n");
  lines.pop(); // the section ends with CRLF
  let name: string | undefined;
  let value = "";
  const commit = () => {
    if (name === undefined) return;
    const trimmed = trimWhitespace(value);
    const earlier = headers.get(name);
    headers.set(name, earlier === undefined ? trimmed : `${earlier}, ${trimmed}`);
  };
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    const bad = (reason: string) =>
      new PartHeadersError(
        `Part ${partIndex}, header line ${n + 1} ${reason}: ${JSON.stringify(line.slice(0, 60))}`,
      );
    if (/[\r\n\0]/.test(line)) return bad("holds CR, LF or NUL");
    const first = line.charCodeAt(0);
    if (first === SPACE || first === TAB) {
      if (name === undefined) return bad("continues a field but no field precedes it");
      value += line;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon < 0) return bad("has no colon");
    const fieldName = line.slice(0, colon).replace(/[ \t]+$/, "");
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(fieldName)) return bad("has no valid field name");
    commit();
    name = fieldName.toLowerCase();
    value = line.slice(colon + 1);
  }
  commit();
  return headers;
}

function trimWhitespace(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, "");
}
