/**
 * Shared helpers and arbitraries of the `multipart/related` tests. Browser-safe: no `node:*`, no
 * Buffer. Bodies are handled as Uint8Array and shown as latin1 strings (one char per byte).
 */

import fc from "fast-check";
import type { PartwiseError } from "../../src/errors.ts";
import type { RelatedLimits } from "../../src/related/index.ts";
import { createRelatedParser, parseRelated } from "../../src/related/index.ts";

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export const utf8 = (text: string): Uint8Array => encoder.encode(text);

/** Bytes of a latin1 string (each char one byte). */
export function bytesOf(latin1: string): Uint8Array {
  const bytes = new Uint8Array(latin1.length);
  for (let i = 0; i < latin1.length; i++) bytes[i] = latin1.charCodeAt(i);
  return bytes;
}

/** The latin1 string of some bytes, for comparisons that print well. */
export function latin1(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return text;
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** `bytes` cut at `points` (any integers; taken modulo length + 1, sorted, duplicates kept as empty chunks). */
export function splitAt(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
  const cuts = points.map((p) => p % (bytes.length + 1)).sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const cut of cuts) {
    chunks.push(bytes.subarray(from, cut));
    from = cut;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

/** Every byte its own chunk. */
export function oneByteChunks(bytes: Uint8Array): Uint8Array[] {
  return Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
}

export async function* fromChunks(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}

export async function readAll(
  stream: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  if ("getReader" in stream) {
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
  } else {
    for await (const chunk of stream) chunks.push(chunk);
  }
  return concat(chunks);
}

/** What a parse produced, normalised so that two runs over different chunkings compare equal. */
export interface ParseOutcome {
  readonly parts: { headers: [string, string][]; body: string }[];
  /** The error's `code`, when there was one. */
  readonly error?: string;
  readonly rule?: string | undefined;
  readonly ended: boolean;
}

/** Runs the sans-I/O parser over `chunks`; throws if it breaks its own callback protocol. */
export function runParser(
  boundary: string,
  chunks: readonly Uint8Array[],
  limits: RelatedLimits = {},
): ParseOutcome {
  const parts: { headers: [string, string][]; body: string }[] = [];
  let inPart = false;
  let ended = false;
  let error: PartwiseError | undefined;
  const parser = createRelatedParser(
    { ...limits, boundary },
    {
      onPartStart(headers) {
        if (inPart || ended || error) throw new Error("onPartStart out of order");
        inPart = true;
        parts.push({ headers: [...headers], body: "" });
      },
      onPartData(chunk) {
        if (!inPart || chunk.length === 0) throw new Error("onPartData outside a part, or empty");
        parts[parts.length - 1]!.body += latin1(chunk);
      },
      onPartEnd() {
        if (!inPart) throw new Error("onPartEnd outside a part");
        inPart = false;
      },
      onEnd() {
        if (inPart || ended || error) throw new Error("onEnd out of order");
        ended = true;
      },
      onError(e) {
        if (error !== undefined && e !== error) throw new Error("a second, different error");
        error = e;
      },
    },
  );
  for (const chunk of chunks) {
    parser.write(chunk);
    if (error) break;
  }
  if (!error) parser.end();
  return error === undefined ? { parts, ended } : { parts, ended, error: error.code, rule: error.rule };
}

/** Runs `parseRelated` over `chunks`, reading every body; errors become part of the outcome. */
export async function runParseRelated(
  contentType: string,
  chunks: readonly Uint8Array[],
  limits: RelatedLimits = {},
): Promise<ParseOutcome> {
  const parts: { headers: [string, string][]; body: string }[] = [];
  try {
    for await (const part of parseRelated(contentType, fromChunks(chunks), limits)) {
      const entry = { headers: [...part.headers], body: "" };
      parts.push(entry);
      for await (const chunk of part.body) entry.body += latin1(chunk);
    }
  } catch (e) {
    const error = e as PartwiseError;
    return { parts, ended: false, error: error.code, rule: error.rule };
  }
  return { parts, ended: true };
}

/** Drops part bodies when there was an error: how much arrived before it depends on the chunking. */
export function withoutBodiesOnError(outcome: ParseOutcome): ParseOutcome {
  if (outcome.error === undefined) return outcome;
  return { ...outcome, parts: outcome.parts.map((p) => ({ headers: p.headers, body: "" })) };
}

/**
 * The naive reading of the encoder's collision rule: `--boundary` at the very start, or right
 * after a CR or an LF.
 */
export function hasLineStartBoundary(bytes: Uint8Array, boundary: string): boolean {
  const text = latin1(bytes);
  const dashBoundary = `--${boundary}`;
  for (let at = text.indexOf(dashBoundary); at >= 0; at = text.indexOf(dashBoundary, at + 1)) {
    if (at === 0 || text[at - 1] === "\r" || text[at - 1] === "\n") return true;
  }
  return false;
}

export const BCHARS_NO_SPACE = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'()+_,-./:=?";

/** RFC 2046 boundaries: mostly short ones (so content collides with them), up to the 70-char maximum. */
export const boundaryArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...BCHARS_NO_SPACE),
  fc
    .tuple(
      fc.string({ unit: fc.constantFrom(...`${BCHARS_NO_SPACE} `), maxLength: 69 }),
      fc.constantFrom(...BCHARS_NO_SPACE),
    )
    .map(([head, last]) => head + last),
  fc.string({ unit: fc.constantFrom(..."ab-"), minLength: 1, maxLength: 4 }).map((s) => `${s}x`),
);

/** Content built to stress a delimiter search: fragments of the delimiter, CRLFs, dashes, random bytes. */
export function contentArb(boundary: string, maxFragments = 12): fc.Arbitrary<Uint8Array> {
  const fragments = fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: 24 }) },
    {
      weight: 3,
      arbitrary: fc.constantFrom("\r\n", "\r", "\n", "-", "--", "\r\n--", " ", "\t").map(bytesOf),
    },
    {
      weight: 3,
      arbitrary: fc.nat(boundary.length).map((k) => bytesOf(`\r\n--${boundary.slice(0, k)}`)),
    },
    { weight: 1, arbitrary: fc.constantFrom(`--${boundary}`, `\r\n--${boundary}`, boundary).map(bytesOf) },
  );
  return fc.array(fragments, { maxLength: maxFragments }).map(concat);
}

/** Cut points for `splitAt`. */
export const cutsArb: fc.Arbitrary<number[]> = fc.array(fc.nat(), { maxLength: 12 });
