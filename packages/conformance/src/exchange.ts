/**
 * What the suite records of an HTTP exchange: headers with credentials redacted, and each body as
 * its size, MD5 and an excerpt — text as text, binary as hex, `multipart/*` bodies part by part with
 * their delimiter lines (RFC 2046 §5.1.1) — so reports can show binary and multipart bodies without
 * carrying megabytes. Used by the context (recording), the HTML report and the HAR file.
 */
import { createHash } from "node:crypto";
import { redact } from "@partwise/node";

/** Text kept of a body, in bytes; longer bodies keep their size and MD5. */
export const BODY_TEXT_LIMIT = 16 * 1024;
/** Bytes shown as hex of a binary body or part. */
export const BODY_HEX_LIMIT = 256;
/** Parts of a multipart body described one by one. */
const PARTS_LIMIT = 20;

export type HeaderList = readonly (readonly [name: string, value: string])[];

/** One body as recorded. `size` is undefined for a streamed body whose length is not known. */
export interface BodyInfo {
  readonly size?: number | undefined;
  /** Lowercase hex MD5 of the whole body (absent for streamed bodies). */
  readonly md5?: string | undefined;
  readonly contentType?: string | undefined;
  /** The body as text (redacted), at most BODY_TEXT_LIMIT bytes of it. */
  readonly text?: string | undefined;
  /** The first BODY_HEX_LIMIT bytes as hex, for a binary body. */
  readonly hex?: string | undefined;
  /** `text` or `hex` hold only the beginning of the body. */
  readonly truncated?: boolean | undefined;
  /** For a multipart body: its boundary and its parts in order. */
  readonly multipart?: { readonly boundary: string; readonly parts: readonly BodyPart[] } | undefined;
  /** A body that was not recorded (a stream), and why. */
  readonly note?: string | undefined;
}

export interface BodyPart {
  /** The part's header lines as sent (redacted). */
  readonly headers: string;
  readonly body: BodyInfo;
}

const encoder = new TextEncoder();

/** Credential headers' values redacted, and every known secret. */
export function redactHeaders(
  headers: Iterable<readonly [string, string]>,
  secrets: readonly string[],
): HeaderList {
  const out: [string, string][] = [];
  for (const [name, value] of headers) {
    const line = redact(`${name}: ${value}`, secrets);
    const colon = line.indexOf(": ");
    out.push([name, colon === -1 ? "[redacted]" : line.slice(colon + 2)]);
  }
  return out;
}

/** Query-parameter names whose value is a credential (signed URLs, OAuth, BaseSpace). */
const CREDENTIAL_PARAMS =
  /(?:^|[?&"'\s;,])(?:signature|sig|x-amz-signature|x-amz-credential|x-amz-security-token|token|uploadtoken|upload_token|access_token|refresh_token|policy)=([^&"'\s<>#]{8,})/gi;

/** Credential values behind their names in a text (URLs in bodies, headers), at least 8 long. */
export function credentialValues(text: string): string[] {
  return [...text.matchAll(CREDENTIAL_PARAMS)].map((m) => m[1] ?? "").filter((v) => v !== "[redacted]");
}

/** Whether bytes read as text: no NUL or C0 controls other than TAB, LF, CR, and valid UTF-8. */
function isText(bytes: Uint8Array): boolean {
  for (const b of bytes)
    if (b === 0 || (b < 32 && b !== 9 && b !== 10 && b !== 13) || b === 127) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    // A multi-byte character cut at the excerpt's end is still text.
    return bytes.length >= BODY_TEXT_LIMIT;
  }
}

const hex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0"))
    .join(" ")
    .replace(/((?:[0-9a-f]{2} ){16})/g, "$1\n")
    .trim();

/** The boundary parameter of a multipart content type, unquoted (RFC 2045 §5.1). */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\//i.test(contentType)) return undefined;
  const match = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  return boundary ? boundary : undefined;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** The parts between `--boundary` lines; whatever cannot be split is left to the whole-body view. */
function splitParts(bytes: Uint8Array, boundary: string, secrets: readonly string[]): BodyPart[] | undefined {
  const delimiter = encoder.encode(`--${boundary}`);
  const parts: BodyPart[] = [];
  let at = indexOf(bytes, delimiter, 0);
  if (at === -1) return undefined;
  while (at !== -1 && parts.length < PARTS_LIMIT) {
    const lineEnd = indexOf(bytes, encoder.encode("\r\n"), at);
    if (lineEnd === -1 || (bytes[at + delimiter.length] === 45 && bytes[at + delimiter.length + 1] === 45))
      break;
    const next = indexOf(bytes, encoder.encode(`\r\n--${boundary}`), lineEnd);
    const end = next === -1 ? bytes.length : next;
    const part = bytes.subarray(lineEnd + 2, end);
    // A part without header fields starts with the blank line itself (RFC 2046 §5.1.1).
    const bare = part[0] === 13 && part[1] === 10;
    const split = bare ? -2 : indexOf(part, encoder.encode("\r\n\r\n"), 0);
    const headerBytes = split < 0 ? (bare ? new Uint8Array(0) : part) : part.subarray(0, split);
    const body = split === -1 ? new Uint8Array(0) : part.subarray(split + 4);
    const headers = redact(new TextDecoder().decode(headerBytes.subarray(0, 4096)), secrets);
    const type = /^content-type:\s*(.*)$/im.exec(headers)?.[1]?.trim();
    parts.push({ headers, body: describeBytes(body, type, secrets, false) });
    at = next === -1 ? -1 : next + 2;
  }
  return parts;
}

function describeBytes(
  bytes: Uint8Array,
  contentType: string | undefined,
  secrets: readonly string[],
  split = true,
): BodyInfo {
  const md5 = createHash("md5").update(bytes).digest("hex");
  const base = { size: bytes.length, md5, ...(contentType ? { contentType } : {}) };
  const boundary = split ? boundaryOf(contentType) : undefined;
  const parts = boundary === undefined ? undefined : splitParts(bytes, boundary, secrets);
  const multipart = boundary !== undefined && parts ? { multipart: { boundary, parts } } : {};
  const head = bytes.subarray(0, BODY_TEXT_LIMIT);
  if (isText(head))
    return {
      ...base,
      text: redact(new TextDecoder().decode(head), secrets),
      ...(bytes.length > head.length ? { truncated: true } : {}),
      ...multipart,
    };
  return {
    ...base,
    hex: hex(bytes.subarray(0, BODY_HEX_LIMIT)),
    ...(bytes.length > BODY_HEX_LIMIT ? { truncated: true } : {}),
    ...multipart,
  };
}

/** Describes a request or response body as recorded. */
export function describeBody(
  body: Uint8Array | string | Blob | ReadableStream<Uint8Array> | ArrayBuffer | undefined | null,
  contentType: string | undefined,
  secrets: readonly string[],
): BodyInfo | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return describeBytes(encoder.encode(body), contentType, secrets);
  if (body instanceof Uint8Array) return describeBytes(body, contentType, secrets);
  if (body instanceof ArrayBuffer) return describeBytes(new Uint8Array(body), contentType, secrets);
  if (typeof Blob !== "undefined" && body instanceof Blob)
    return { size: body.size, ...(contentType ? { contentType } : {}), note: "a Blob body (not recorded)" };
  return { ...(contentType ? { contentType } : {}), note: "a streamed body (not recorded)" };
}
