/**
 * Mutations: deliberate breaks of single rules, so that a conformance suite can prove its check of
 * each rule catches a server that breaks it. **For testing
 * conformance suites only**: a mutated server is not a reference server.
 *
 * Each mutation is named by the rule id of specs/rules.yaml it breaks and breaks that rule alone,
 * as a plausible implementation mistake would. With no mutation the server's paths are unchanged:
 * every break is a branch on `config.mutations`, and the stream rewriters below are only installed
 * for a mutation that needs them.
 */
import { type FetchHandler, type MutationCatalogue, parseMutations } from "@partwise/node";
import { refuse } from "./errors.ts";

/**
 * The rules a mutated server can be told to break, how it breaks each one, and the class of bug
 * (`MUTATION_CLASSES` of @partwise/node). Ids are rule ids, with `:variant` where a rule has several.
 */
export const YOUFORCE_MUTATIONS = {
  "YF-AUTH": { breaks: "accepts any bearer token, not only the configured ones", class: "rule" },
  "YF-AUTH-ISOLATION": {
    breaks: "lists and serves every file to every token, whoever published it",
    class: "rule",
  },
  "YF-AUTH-ISOLATION:head": {
    breaks: "answers HEAD of another token's file (GET stays isolated)",
    class: "isolation-verb",
  },
  "YF-AUTH-ISOLATION:delete": {
    breaks: "lets any token delete any file (reads stay isolated)",
    class: "isolation-verb",
  },
  "YF-AUTH-ISOLATION:chunk": {
    breaks: "takes a non-closing chunk for another token's resumable upload (close stays isolated)",
    class: "isolation-verb",
  },
  "YF-AUTH-ISOLATION:subscriber": {
    breaks: "serves any file to a GET with role=subscriber, subscribed or not",
    class: "isolation-verb",
  },
  "YF-CONTENT-TYPE": { breaks: "accepts any multipart/* upload as multipart/related", class: "rule" },
  "YF-TWO-PARTS": { breaks: "ignores the parts after the second instead of refusing them", class: "rule" },
  "YF-METADATA-FIRST": { breaks: "accepts the metadata part second, after the media part", class: "rule" },
  "YF-METADATA-JSON": { breaks: "takes the first object of a JSON array as the metadata", class: "rule" },
  "YF-METADATA-JSON:exact-header": {
    breaks: "refuses a metadata header not written exactly `application/json; charset=UTF-8`",
    class: "too-strict",
  },
  "YF-METADATA-CONTENT-TYPE": {
    breaks: "reads a metadata part of any declared type as JSON",
    class: "rule",
  },
  "YF-METADATA-FILENAME": { breaks: "stores uploads without a FileName as unnamed.bin", class: "rule" },
  "YF-METADATA-BUSINESS-TYPE": {
    breaks: "stores uploads without a BusinessTypeId, or with a non-integer one, under 0",
    class: "rule",
  },
  "YF-METADATA-KEYS": { breaks: "matches metadata keys case-sensitively", class: "too-strict" },
  "YF-NAME-CHARSET": { breaks: "accepts file names with any characters", class: "rule" },
  "YF-NAME-EXTENSION": { breaks: "accepts every file extension, .exe included", class: "rule" },
  "YF-NAME-EXTENSION:first-extension": {
    breaks: "checks the first extension, so report.pdf.exe passes",
    class: "file-name",
  },
  "YF-NAME-EXTENSION:case-sensitive": {
    breaks: "compares extensions case-sensitively, so A.EXE passes",
    class: "file-name",
  },
  "YF-NAME-EXTENSION-SCRIPTS": { breaks: "denies program extensions only, not scripts", class: "rule" },
  "YF-NAME-RESERVED": {
    breaks: "stores and serves the names `.`, `..`, CON, nul.txt and the other Windows device names",
    class: "file-name",
  },
  "YF-MULTIPART-MAX-SIZE": {
    breaks: "bounds a multipart upload by its Content-Length only, so a chunked body is unbounded",
    class: "rule",
  },
  "YF-RESUMABLE-TOKEN": { breaks: "answers 202 to a chunk with an unknown upload token", class: "rule" },
  "YF-RESUMABLE-CHUNK-SIZE": {
    breaks: "refuses a chunk of exactly 9,000,000 bytes, 9 MB in the smaller reading (>= instead of >)",
    class: "too-strict",
  },
  "YF-RESUMABLE-CHUNK-LIMIT": { breaks: "takes chunks of any size", class: "rule" },
  "YF-RESUMABLE-POSITION": {
    breaks: "appends each chunk after the last one stored, whatever its position",
    class: "rule",
  },
  "YF-RESUMABLE-POSITION:lexicographic": {
    breaks: "assembles the chunks in the text order of their positions (10 before 2)",
    class: "order-10",
  },
  "YF-RESUMABLE-POSITION:concurrent": {
    breaks:
      "records a chunk on the session as it was before the chunk streamed in, losing chunks stored meanwhile",
    class: "concurrency",
  },
  "YF-RESUMABLE-RESEND": { breaks: "keeps the first copy of a re-sent chunk", class: "rule" },
  "YF-RESUMABLE-RESEND:shorter": {
    breaks: "writes a shorter re-sent chunk over the first one in place, keeping its tail",
    class: "shorter-resend",
  },
  "YF-RESUMABLE-CLOSE": { breaks: "leaves the closing chunk out of the file", class: "rule" },
  "YF-RESUMABLE-CLOSE-GAP": { breaks: "closes with a position missing", class: "rule" },
  "YF-RESUMABLE-CLOSED": {
    breaks: "keeps a closed upload open: later chunks replace the file's bytes",
    class: "terminal-state",
  },
  "YF-CREATED": { breaks: "answers a stored multipart upload with 200 instead of 201", class: "rule" },
  "YF-CREATED:table-keys-only": {
    breaks: "accepts only the [S4] table's keys, refusing the worked example's name/businesstypeid",
    class: "too-strict",
  },
  "YF-ERROR-ENVELOPE": {
    breaks:
      'answers refusals with {"error":{"code","message"}} instead of {CorrelationId, Message, ErrorCode, Exception}',
    class: "rule",
  },
  "YF-ERROR-ENVELOPE-ALL": {
    breaks: 'answers 401 and 404 with a gateway body {"message": …}',
    class: "rule",
  },
  "YF-RATE-LIMIT": { breaks: "has no rate limit, whatever it is configured with", class: "rule" },
  "YF-RATE-LIMIT:no-retry-after": { breaks: "answers 429 without Retry-After", class: "rule" },
  "YF-DOWNLOAD-RANGE": { breaks: "serves a range without its last byte", class: "rule" },
  "YF-DELETE": { breaks: "answers 204 to a delete without marking the file deleted", class: "rule" },
  "YF-DELETE:for-everyone": {
    breaks: "a subscriber's delete removes the file for its publisher too",
    class: "terminal-state",
  },
  "YF-DELETE:twice": {
    breaks: "toggles the deleted mark, so a second delete brings the file back",
    class: "terminal-state",
  },
  "MIME-CONTENT-TYPE": {
    breaks: "finds the media type and boundary only in lower case",
    class: "too-strict",
  },
  "MIME-BOUNDARY-LENGTH": { breaks: "accepts boundaries longer than 70 characters", class: "rule" },
  "MIME-BOUNDARY-CHARS": { breaks: "accepts boundaries with characters outside bchars", class: "rule" },
  "MIME-BOUNDARY-TRAILING-SPACE": { breaks: "accepts a boundary that ends in a space", class: "rule" },
  "MIME-BOUNDARY-IN-CONTENT": {
    breaks: "ends the body at the media part's first delimiter, ignoring what follows",
    class: "rule",
  },
  "MIME-BOUNDARY-SPLIT": {
    breaks: "misses a delimiter that straddles two network reads",
    class: "boundary-split",
  },
  "MIME-DELIMITER-LINE-START": {
    breaks: "takes --boundary for a delimiter anywhere, not only at a line start",
    class: "rule",
  },
  "MIME-TRANSPORT-PADDING": {
    breaks: "refuses white space after a delimiter",
    class: "too-strict",
  },
  "MIME-CLOSE-DELIMITER": { breaks: "accepts a body that ends without its close delimiter", class: "rule" },
  "MIME-CLOSE-DELIMITER:final-crlf": {
    breaks: "refuses a body that ends right after --boundary--, without a CRLF",
    class: "too-strict",
  },
  "MIME-PREAMBLE-EPILOGUE": { breaks: "refuses a preamble or an epilogue", class: "too-strict" },
  "MIME-PART-HEADERS": {
    breaks: "finds the part's Content-Type only when spelled exactly so",
    class: "too-strict",
  },
  "MIME-RELATED-TYPE": { breaks: "requires the type parameter", class: "too-strict" },
  "MIME-RELATED-ROOT": {
    breaks: "takes the last application/json part for the metadata",
    class: "rule",
  },
  "MIME-LIMIT-HEADER-SIZE": { breaks: "does not bound a part's header section", class: "rule" },
  "MIME-LIMIT-PARTS": { breaks: "reads any number of parts, keeping the first two", class: "rule" },
  "MIME-LIMIT-BODY-SIZE": {
    breaks: "does not bound the body (only the file content)",
    class: "rule",
  },
  "MIME-LIMIT-PART-SIZE": { breaks: "does not bound the metadata part", class: "rule" },
} as const satisfies MutationCatalogue;

export type YouforceMutation = keyof typeof YOUFORCE_MUTATIONS;

/** The mutations of `options.mutations`; an unknown name is a configuration error, not a no-op. */
export function resolveMutations(names: readonly string[] | undefined): ReadonlySet<YouforceMutation> {
  return parseMutations(YOUFORCE_MUTATIONS, names, "YouForce");
}

/**
 * YF-ERROR-ENVELOPE broken: every refusal's envelope replaced by another, gateway-like shape.
 * YF-ERROR-ENVELOPE-ALL broken (`statuses` 401 and 404): those answers only, as `{message}`.
 */
export function withForeignErrorShape(handler: FetchHandler, statuses?: readonly number[]): FetchHandler {
  return async (request) => {
    const response = await handler(request);
    if (response.status < 400 || request.method === "HEAD") return response;
    if (statuses !== undefined && !statuses.includes(response.status)) return response;
    const envelope = (await response.json().catch(() => ({}))) as { Message?: unknown };
    const headers = new Headers(response.headers);
    headers.delete("content-length");
    const message = String(envelope.Message ?? "");
    return Response.json(
      statuses === undefined ? { error: { code: response.status, message } } : { message },
      { status: response.status, headers },
    );
  };
}

/** RFC 2046 `bchars` (MIME-BOUNDARY-CHARS). */
const BCHARS = /^[0-9A-Za-z'()+_,\-./:=? ]*$/;

/**
 * The mutations of the request's `Content-Type` and body that happen before the faithful code reads
 * them (MIME-CONTENT-TYPE, MIME-BOUNDARY-*, MIME-RELATED-TYPE, YF-CONTENT-TYPE and the framing
 * mutations that inspect the whole body). Each is off unless its mutation is on.
 */
export function mutateUpload(
  mutations: ReadonlySet<YouforceMutation>,
  contentType: string | null,
  body: ReadableStream<Uint8Array> | null,
): { contentType: string | null; body: ReadableStream<Uint8Array> | null } {
  if (mutations.size === 0 || contentType === null) return { contentType, body };
  let header = contentType;
  let stream = body;
  const boundaryOf = (): string | undefined => {
    const match = /;\s*boundary\s*=\s*("([^"]*)"|[^;\s]*)/i.exec(header);
    return match === null ? undefined : (match[2] ?? match[1]);
  };
  if (
    mutations.has("MIME-CONTENT-TYPE") &&
    !(/^\s*multipart\/related\s*(;|$)/.test(header) && /;\s*boundary=/.test(header))
  )
    refuse(
      400,
      "Content-Type must be multipart/related; boundary=… (mutant: lower case only)",
      "MIME-CONTENT-TYPE",
    );
  if (mutations.has("YF-CONTENT-TYPE"))
    header = header.replace(/^\s*multipart\/[^;\s]+/i, "multipart/related");
  if (mutations.has("MIME-RELATED-TYPE") && !/;\s*type\s*=/i.test(header))
    refuse(400, "The multipart/related type parameter is required (mutant)", "MIME-RELATED-TYPE");
  if (mutations.has("MIME-BOUNDARY-LENGTH"))
    ({ contentType: header, body: stream } = swapBoundary(header, stream, (b) => b.length > 70));
  if (mutations.has("MIME-BOUNDARY-CHARS"))
    ({ contentType: header, body: stream } = swapBoundary(header, stream, (b) => !BCHARS.test(b)));
  if (mutations.has("MIME-BOUNDARY-TRAILING-SPACE"))
    ({ contentType: header, body: stream } = swapBoundary(header, stream, (b) => b.endsWith(" ")));
  const boundary = boundaryOf();
  if (boundary === undefined || boundary === "") return { contentType: header, body: stream };
  const dash = `--${boundary}`;
  if (mutations.has("MIME-BOUNDARY-SPLIT")) stream = missSplitDelimiters(stream, latin1(`\r\n${dash}`));
  const inspections: ((text: string) => string)[] = [];
  if (mutations.has("MIME-DELIMITER-LINE-START"))
    inspections.push((text) =>
      text.replace(new RegExp(`(?<!\r\n|^)${escapeRegExp(dash)}`, "g"), `\r\n${dash}`),
    );
  if (mutations.has("MIME-TRANSPORT-PADDING"))
    inspections.push((text) => {
      if (new RegExp(`(^|\r\n)${escapeRegExp(dash)}(--)?[ \t]+(\r\n|$)`).test(text))
        refuse(400, "White space after a delimiter (mutant)", "MIME-TRANSPORT-PADDING");
      return text;
    });
  if (mutations.has("MIME-CLOSE-DELIMITER:final-crlf"))
    inspections.push((text) => {
      if (text.endsWith(`${dash}--`))
        refuse(400, "The body must end with a CRLF (mutant)", "MIME-CLOSE-DELIMITER");
      return text;
    });
  if (mutations.has("MIME-PREAMBLE-EPILOGUE"))
    inspections.push((text) => {
      const close = text.lastIndexOf(`${dash}--`);
      if (!text.startsWith(dash) || (close >= 0 && !/^(\r\n)?$/.test(text.slice(close + dash.length + 2))))
        refuse(400, "No preamble or epilogue allowed (mutant)", "MIME-PREAMBLE-EPILOGUE");
      return text;
    });
  if (mutations.has("MIME-PART-HEADERS"))
    inspections.push((text) =>
      // A Content-Type spelled otherwise is taken for an unknown header and dropped.
      text.replace(/\r\n(content-type):[^\r]*(?=\r\n)/gi, (line, name: string) =>
        name === "Content-Type" ? line : "\r\nX-Ignored: 1",
      ),
    );
  if (inspections.length > 0 && stream !== null)
    stream = buffered(stream, (bytes) => latin1(inspections.reduce((text, f) => f(text), toLatin1(bytes))));
  return { contentType: header, body: stream };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function toLatin1(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return text;
}

/** The whole body read, passed through `rewrite` (which may refuse), and streamed on. */
function buffered(
  body: ReadableStream<Uint8Array>,
  rewrite: (bytes: Uint8Array) => Uint8Array,
): ReadableStream<Uint8Array> {
  let done = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (done) return controller.close();
      const chunks: Uint8Array[] = [];
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk.slice());
      const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const chunk of chunks) {
        all.set(chunk, at);
        at += chunk.length;
      }
      done = true;
      try {
        controller.enqueue(rewrite(all));
      } catch (error) {
        controller.error(error);
      }
    },
  });
}

/**
 * MIME-BOUNDARY-SPLIT broken: a parser that looks for delimiters within each read only. Where a
 * delimiter straddles two reads, a NUL byte is put between them, so the faithful parser does not
 * see it either.
 */
function missSplitDelimiters(
  body: ReadableStream<Uint8Array> | null,
  needle: Uint8Array,
): ReadableStream<Uint8Array> | null {
  if (body === null) return null;
  let tail = new Uint8Array(0);
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const join = new Uint8Array(tail.length + Math.min(chunk.length, needle.length));
        join.set(tail);
        join.set(chunk.subarray(0, needle.length), tail.length);
        for (let i = 0; i < tail.length; i++)
          if (i + needle.length > tail.length && startsWith(join, i, needle)) {
            controller.enqueue(Uint8Array.of(0));
            break;
          }
        controller.enqueue(chunk);
        const keep = Math.min(needle.length - 1, tail.length + chunk.length);
        const both = new Uint8Array(tail.length + chunk.length);
        both.set(tail);
        both.set(chunk, tail.length);
        tail = both.slice(both.length - keep);
      },
    }),
  );
}

const encoder = new TextEncoder();

/**
 * MIME-BOUNDARY-LENGTH, -CHARS, -TRAILING-SPACE broken: a boundary the rule refuses (`swap` says which)
 * is swapped, in the header and in the body, for a short one the engine's parser accepts. Returns
 * the inputs unchanged otherwise.
 */
function swapBoundary(
  contentType: string,
  body: ReadableStream<Uint8Array> | null,
  swap: (boundary: string) => boolean,
): { contentType: string; body: ReadableStream<Uint8Array> | null } {
  const match = /(;\s*boundary\s*=\s*)("([^"]*)"|[^;\s]*)/i.exec(contentType);
  if (match === null) return { contentType, body };
  const boundary = match[3] ?? match[2] ?? "";
  if (!swap(boundary)) return { contentType, body };
  const short = `mutant${globalThis.crypto.randomUUID().replaceAll("-", "")}`;
  const header =
    contentType.slice(0, match.index) + match[1] + short + contentType.slice(match.index + match[0].length);
  return {
    contentType: header,
    body:
      body === null ? null : replaceDelimiters(body, latin1(`--${boundary}`), encoder.encode(`--${short}`)),
  };
}

/**
 * MIME-CLOSE-DELIMITER broken: a close delimiter is appended to every body. A whole body gets an
 * epilogue the parser ignores; a truncated one gets the close delimiter it lacked.
 */
export function appendCloseDelimiter(
  boundary: string,
  body: ReadableStream<Uint8Array> | null,
): ReadableStream<Uint8Array> {
  const tail = latin1(`\r\n--${boundary}--\r\n`);
  return (body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() })).pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({ flush: (controller) => controller.enqueue(tail) }),
  );
}

function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
}

/**
 * Replaces `from` with `to` where it starts a line (after CRLF, or first in the body), as a
 * delimiter does (RFC 2046 §5.1.1), across chunk boundaries; elsewhere it is content and stays.
 */
function replaceDelimiters(
  body: ReadableStream<Uint8Array>,
  from: Uint8Array,
  to: Uint8Array,
): ReadableStream<Uint8Array> {
  const needle = Uint8Array.of(13, 10, ...from);
  const replacement = Uint8Array.of(13, 10, ...to);
  // The body is read as if a CRLF came first, so a delimiter on its first line matches too.
  let carry: Uint8Array = Uint8Array.of(13, 10);
  let skip = 2;
  const emit = (controller: TransformStreamDefaultController<Uint8Array>, bytes: number[]): void => {
    const out = Uint8Array.from(bytes.slice(skip));
    skip = Math.max(0, skip - bytes.length);
    if (out.length > 0) controller.enqueue(out);
  };
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const data = new Uint8Array(carry.length + chunk.length);
        data.set(carry);
        data.set(chunk, carry.length);
        const out: number[] = [];
        let i = 0;
        // Bytes from `keep` on might start an occurrence that the next chunk completes.
        const keep = Math.max(0, data.length - (needle.length - 1));
        while (i < keep) {
          if (startsWith(data, i, needle)) {
            out.push(...replacement);
            i += needle.length;
          } else out.push(data[i++]!);
        }
        carry = data.slice(i);
        emit(controller, out);
      },
      flush(controller) {
        emit(controller, [...carry]);
      },
    }),
  );
}

function startsWith(data: Uint8Array, at: number, needle: Uint8Array): boolean {
  if (at + needle.length > data.length) return false;
  for (let j = 0; j < needle.length; j++) if (data[at + j] !== needle[j]) return false;
  return true;
}
