/**
 * `multipart/related` bodies built byte by byte (RFC 2046 §5.1.1, RFC 2387), so a check controls
 * every CRLF, every padding byte and every malformation it sends. The engine's encoder is only the
 * helper for a plain valid baseline (MIME-BOUNDARY-IN-CONTENT); everything else is framed here.
 *
 *     multipart-body := [preamble CRLF] dash-boundary transport-padding CRLF body-part
 *                       *encapsulation close-delimiter transport-padding [CRLF epilogue]
 *     encapsulation  := delimiter transport-padding CRLF body-part
 *     delimiter      := CRLF dash-boundary          dash-boundary := "--" boundary
 *     body-part      := MIME-part-headers [CRLF *OCTET]
 *
 * Framing text is written as Latin-1 (one byte per character) because a boundary with a character
 * outside `bchars` (`é`) travels in the `Content-Type` header as that one byte; part contents given
 * as strings are UTF-8.
 */

export type Bytes = Uint8Array<ArrayBuffer>;

export const CRLF = "\r\n";

/** The metadata part's header section: [S4] "Content-Type … application/json; charset=UTF-8". */
export const JSON_PART_HEADERS = `Content-Type: application/json; charset=UTF-8${CRLF}`;

/** RFC 2046 `bcharsnospace`. */
export const BCHARS_NO_SPACE = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'()+_,-./:=?";

/** The `bcharsnospace` that are not letters or digits: each must be accepted in a (quoted) boundary. */
export const SPECIAL_BCHARS = "'()+_,-./:=?";

const utf8Encoder = new TextEncoder();

export function utf8(text: string): Bytes {
  return utf8Encoder.encode(text) as Bytes;
}

/** One byte per character (characters above U+00FF are cut to their low byte). */
export function latin1(text: string): Bytes {
  return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
}

export function concat(...chunks: readonly Uint8Array[]): Bytes {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** One body part: its raw header lines, each ending in CRLF (`""` for none), and its content. */
export interface Part {
  readonly headers: string;
  /** Bytes, or text sent as UTF-8. */
  readonly content: Uint8Array | string;
}

export interface Framing {
  /** The boundary as it appears on the delimiter lines. */
  readonly boundary: string;
  /** Text before the first delimiter; written followed by CRLF. */
  readonly preamble?: string | undefined;
  /** Transport padding after the i-th delimiter (the last index is the close delimiter's); default none. */
  readonly padding?: readonly string[] | undefined;
  /** Write the close delimiter; default true. */
  readonly close?: boolean | undefined;
  /** CRLF after the close delimiter; default false, as [S4] and the PowerShell client send. */
  readonly finalCrlf?: boolean | undefined;
  /** Text after the close delimiter's CRLF. */
  readonly epilogue?: string | undefined;
}

/** The body of `parts` framed as `framing` says, byte for byte. */
export function frame(parts: readonly Part[], framing: Framing): Bytes {
  const { boundary } = framing;
  const pad = (i: number): string => framing.padding?.[i] ?? "";
  const chunks: Uint8Array[] = [];
  if (framing.preamble !== undefined) chunks.push(latin1(`${framing.preamble}${CRLF}`));
  parts.forEach((part, i) => {
    chunks.push(latin1(`${i === 0 ? "" : CRLF}--${boundary}${pad(i)}${CRLF}${part.headers}${CRLF}`));
    chunks.push(typeof part.content === "string" ? utf8(part.content) : part.content);
  });
  if (framing.close ?? true) {
    chunks.push(latin1(`${CRLF}--${boundary}--${pad(parts.length)}`));
    if (framing.epilogue !== undefined) chunks.push(latin1(`${CRLF}${framing.epilogue}`));
    else if (framing.finalCrlf) chunks.push(latin1(CRLF));
  }
  return concat(...chunks);
}

/** The metadata part: a JSON object (serialised here), or raw text or bytes sent as they are. */
export function metadataPart(metadata: unknown, headers: string = JSON_PART_HEADERS): Part {
  const content =
    typeof metadata === "string" || metadata instanceof Uint8Array ? metadata : JSON.stringify(metadata);
  return { headers, content };
}

/** The media part; no headers unless given, as in [S4]. */
export function mediaPart(content: Uint8Array | string, headers = ""): Part {
  return { headers, content };
}

/** RFC 2045 `token` characters: a parameter value of only these needs no quotes. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A parameter value as a token, or as an RFC 822 quoted-string (`"` and `\` escaped). */
export function parameterValue(value: string): string {
  return TOKEN.test(value) ? value : `"${value.replace(/["\\]/g, "\\$&")}"`;
}

/** `multipart/related; boundary=…` (quoted when needed), then `extra` parameters as written. */
export function relatedContentType(boundary: string, extra = ""): string {
  return `multipart/related; boundary=${parameterValue(boundary)}${extra}`;
}

/**
 * True when `content`, placed right after a CRLF (a header section's end, or a preamble's start),
 * holds the delimiter of `boundary` — which would end the part there (MIME-DELIMITER-LINE-START).
 * Generated contents that do are not valid parts of that body.
 */
export function holdsDelimiter(content: Uint8Array | string, boundary: string): boolean {
  const bytes = typeof content === "string" ? utf8(content) : content;
  const needle = latin1(`${CRLF}--${boundary}`);
  const haystack = concat(latin1(CRLF), bytes);
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}
