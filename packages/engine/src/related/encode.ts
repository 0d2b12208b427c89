/**
 * The `multipart/related` encoder: RFC 2046 §5.1.1 framing, RFC 2387 §3 parameters (rules
 * MIME-BOUNDARY-*, MIME-BOUNDARY-IN-CONTENT, MIME-PART-HEADERS, MIME-RELATED-TYPE, MIME-RELATED-ROOT).
 *
 * The body it writes, for parts P0 … Pn:
 *
 *     "--" boundary CRLF  headers(P0) CRLF  content(P0)
 *     CRLF "--" boundary CRLF  headers(P1) CRLF  content(P1)
 *     …
 *     CRLF "--" boundary "--" CRLF
 *
 * where `headers(P)` is one `name ": " value CRLF` per header field. No preamble, no transport
 * padding (senders must not generate it) and no epilogue. The close delimiter is followed by a
 * CRLF: the RFC allows it to be left out (and YouForce's own client does), but a line-based reader
 * may wait for the end of that line, while every RFC 2046 parser accepts the CRLF.
 *
 * Design rules kept:
 * - The boundary comes from the caller (`createBoundary(random)`), and the encoder never sends it
 *   inside a part: header lines and byte/string bodies are checked before anything is returned
 *   (the call throws), streamed bodies chunk by chunk as they are read (the stream errors, and the
 *   chunk that completes the boundary is not sent). See `boundary-guard.ts`.
 * - Lazy: the returned stream reads a part's body only when the consumer pulls, one chunk at a
 *   time, so no streamed part is buffered. Byte bodies are sent as they are, not copied: do not
 *   change them until the stream is read.
 * - `length` is the exact byte count when every body's size is known in advance (bytes, strings,
 *   Blobs), so a caller can send `Content-Length` instead of chunked encoding.
 */

import { validateBoundary } from "./boundary.ts";
import { BoundaryGuard } from "./boundary-guard.ts";
import { formatParameterValue, isToken } from "./content-type.ts";
import {
  BoundaryInContentError,
  ContentTypeError,
  PartHeadersError,
  RelatedRootError,
  RelatedTypeError,
} from "./errors.ts";

/** A part's content: bytes, text (sent as UTF-8), a Blob, or a stream read as the body is sent. */
export type RelatedBody = Uint8Array | string | Blob | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

export interface RelatedPartInput {
  /** Header fields, written in this order as `name: value`. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: RelatedBody;
}

export interface EncodeRelatedOptions {
  /** A valid RFC 2046 boundary; `createBoundary(random)` makes one. */
  readonly boundary: string;
  /** RFC 2387 §3.1 `type`: the root part's media type; must equal the root's Content-Type when it has one. */
  readonly type?: string;
  /** RFC 2387 §3.2 `start`: the root part's Content-ID; without it the first part is the root. */
  readonly start?: string;
  /** RFC 2387 §3.3 `start-info`, passed through. */
  readonly startInfo?: string;
}

export interface EncodedRelated {
  /** The `Content-Type` header value, e.g. `multipart/related; boundary=…; type="application/json"`. */
  readonly contentType: string;
  readonly body: ReadableStream<Uint8Array>;
  /** Exact body size in bytes, when every part's size is known in advance. */
  readonly length?: number;
}

const encoder = new TextEncoder();

/**
 * Frames `parts` as a `multipart/related` body. Throws, before anything is read, when the options
 * or a part break a rule; a streamed part whose content holds the boundary errors the body stream.
 */
export function encodeRelated(
  parts: readonly RelatedPartInput[],
  options: EncodeRelatedOptions,
): EncodedRelated {
  const { boundary } = options;
  validateBoundary(boundary);
  if (parts.length === 0) {
    throw new RelatedRootError("A multipart/related body needs one part at least: its root");
  }
  const contentType = formatContentType(parts, options);

  const close = encoder.encode(`\r\n--${boundary}--\r\n`);
  let length: number | undefined = close.length;
  const prepared: PreparedPart[] = parts.map((part, index) => {
    const head = encoder.encode(
      `${index === 0 ? "" : "\r\n"}--${boundary}\r\n${headerLines(part, index, boundary)}\r\n`,
    );
    const body = part.body;
    if (typeof body === "string" || ArrayBuffer.isView(body)) {
      const bytes = typeof body === "string" ? encoder.encode(body) : body;
      if (new BoundaryGuard(boundary).collides(bytes)) throw new BoundaryInContentError(index, "body");
      if (length !== undefined) length += head.length + bytes.length;
      return { head, index, bytes };
    }
    length = length !== undefined && isBlob(body) ? length + head.length + body.size : undefined;
    return { head, index, source: body };
  });

  const frames = writeFrames(prepared, boundary, close);
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await frames.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch (error) {
          controller.error(error);
        }
      },
      async cancel() {
        await frames.return(undefined);
      },
    },
    // Pull only when the consumer reads: nothing is read ahead of it.
    { highWaterMark: 0 },
  );
  return length === undefined ? { contentType, body: stream } : { contentType, body: stream, length };
}

/** Streamed sources of unknown content. */
type RelatedSource = Exclude<RelatedBody, string | Uint8Array>;

/** A part ready to send: its delimiter and header lines, then either known bytes or a source. */
type PreparedPart =
  | { readonly head: Uint8Array; readonly index: number; readonly bytes: Uint8Array; readonly source?: never }
  | {
      readonly head: Uint8Array;
      readonly index: number;
      readonly bytes?: never;
      readonly source: RelatedSource;
    };

async function* writeFrames(
  parts: readonly PreparedPart[],
  boundary: string,
  close: Uint8Array,
): AsyncGenerator<Uint8Array> {
  for (const { head, index, bytes, source } of parts) {
    yield head;
    if (bytes !== undefined) {
      if (bytes.length > 0) yield bytes;
      continue;
    }
    const guard = new BoundaryGuard(boundary);
    for await (const chunk of readChunks(source)) {
      if (chunk.length === 0) continue;
      if (guard.collides(chunk)) throw new BoundaryInContentError(index, "body");
      yield chunk;
    }
  }
  yield close;
}

/** A Blob, stream or async iterable as an async iterable whose early exit cancels the source. */
async function* readChunks(body: RelatedSource): AsyncGenerator<Uint8Array> {
  const stream = isBlob(body) ? body.stream() : isReadableStream(body) ? body : undefined;
  if (stream === undefined) {
    yield* body as AsyncIterable<Uint8Array>;
    return;
  }
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const result = await reader.read();
      if (result.done) {
        done = true;
        return;
      }
      yield result.value;
    }
  } finally {
    if (!done) await reader.cancel();
    reader.releaseLock();
  }
}

function isBlob(body: unknown): body is Blob {
  return typeof Blob !== "undefined" && body instanceof Blob;
}

function isReadableStream(body: unknown): body is ReadableStream<Uint8Array> {
  return typeof (body as ReadableStream | undefined)?.getReader === "function";
}

/** The part's header lines, each ending in CRLF, after checking every field can be sent. */
function headerLines(part: RelatedPartInput, index: number, boundary: string): string {
  let lines = "";
  for (const [name, value] of Object.entries(part.headers ?? {})) {
    if (!isToken(name)) {
      throw new PartHeadersError(
        `Part ${index}: ${JSON.stringify(name)} is not a header field name`,
        "local",
      );
    }
    if (/[\r\n\0]/.test(value)) {
      throw new PartHeadersError(`Part ${index}: the value of ${name} holds CR, LF or NUL`, "local");
    }
    // A field name is the only text that starts a header line.
    if (name.startsWith(`--${boundary}`)) throw new BoundaryInContentError(index, "headers");
    lines += `${name}: ${value}\r\n`;
  }
  return lines;
}

/** `multipart/related; boundary=…` with the RFC 2387 parameters, after checking them against the parts. */
function formatContentType(parts: readonly RelatedPartInput[], options: EncodeRelatedOptions): string {
  let root = parts[0]!;
  let contentType = `multipart/related; boundary=${formatParameterValue(options.boundary)}`;
  if (options.start !== undefined) {
    const found = parts.find((part) => headerValue(part, "content-id") === options.start);
    if (found === undefined) {
      throw new RelatedRootError(
        `start is ${JSON.stringify(options.start)}, but no part has that Content-ID`,
      );
    }
    root = found;
    contentType += `; start=${formatParameterValue(options.start)}`;
  }
  if (options.type !== undefined) {
    const [type, subtype, ...rest] = options.type.split("/");
    if (
      type === undefined ||
      subtype === undefined ||
      rest.length > 0 ||
      !isToken(type) ||
      !isToken(subtype)
    ) {
      throw new RelatedTypeError(`type is ${JSON.stringify(options.type)}, not a type/subtype media type`);
    }
    const rootType = headerValue(root, "content-type");
    const rootMediaType = rootType?.split(";")[0]?.trim().toLowerCase();
    if (rootMediaType !== undefined && rootMediaType !== options.type.toLowerCase()) {
      throw new RelatedTypeError(`type is ${options.type}, but the root part's Content-Type is ${rootType}`);
    }
    contentType += `; type=${formatParameterValue(options.type)}`;
  }
  if (options.startInfo !== undefined) {
    if (/[\r\n\0]/.test(options.startInfo))
      throw new ContentTypeError("start-info holds CR, LF or NUL", "local");
    contentType += `; start-info=${formatParameterValue(options.startInfo)}`;
  }
  return contentType;
}

function headerValue(part: RelatedPartInput, lowerCaseName: string): string | undefined {
  for (const [name, value] of Object.entries(part.headers ?? {})) {
    if (name.toLowerCase() === lowerCaseName) return value;
  }
  return undefined;
}
