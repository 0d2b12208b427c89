/**
 * Mutations: deliberate breaks of single rules, so that a conformance suite can prove its check of
 * each rule catches a server that breaks it (issue 6, "The suite is tested too"). **For testing
 * conformance suites only**: a mutated server is not a reference server.
 *
 * Each mutation is named by the rule id of specs/rules.yaml it breaks and breaks that rule alone,
 * as a plausible implementation mistake would. With no mutation the server's paths are unchanged:
 * every break is a branch on `config.mutations`, and the stream rewriters below are only installed
 * for a mutation that needs them.
 */
import { type FetchHandler, type MutationCatalogue, parseMutations } from "@partwise/node";

/** The rules a mutated server can be told to break, and how it breaks each one. */
export const YOUFORCE_MUTATIONS = {
  "YF-AUTH-ISOLATION": {
    breaks: "lists and serves every file to every token, whoever published it",
    class: "rule",
  },
  "YF-CREATED": { breaks: "answers a stored multipart upload with 200 instead of 201", class: "rule" },
  "YF-ERROR-ENVELOPE": {
    breaks:
      'answers refusals with {"error":{"code","message"}} instead of {CorrelationId, Message, ErrorCode, Exception}',
    class: "rule",
  },
  "YF-METADATA-BUSINESS-TYPE": {
    breaks: "stores uploads without a BusinessTypeId, or with a non-integer one, under 0",
    class: "rule",
  },
  "YF-METADATA-FILENAME": { breaks: "stores uploads without a FileName as unnamed.bin", class: "rule" },
  "YF-METADATA-FIRST": { breaks: "accepts the metadata part second, after the media part", class: "rule" },
  "YF-MULTIPART-MAX-SIZE": {
    breaks: "stores multipart uploads of any size (the body size limit stays)",
    class: "rule",
  },
  "YF-NAME-CHARSET": { breaks: "accepts file names with any characters", class: "rule" },
  "YF-NAME-EXTENSION": { breaks: "accepts every file extension, .exe included", class: "rule" },
  "MIME-BOUNDARY-LENGTH": { breaks: "accepts boundaries longer than 70 characters", class: "rule" },
  "MIME-CLOSE-DELIMITER": { breaks: "accepts a body that ends without its close delimiter", class: "rule" },
} as const satisfies MutationCatalogue;

export type YouforceMutation = keyof typeof YOUFORCE_MUTATIONS;

/** The mutations of `options.mutations`; an unknown name is a configuration error, not a no-op. */
export function resolveMutations(names: readonly string[] | undefined): ReadonlySet<YouforceMutation> {
  return parseMutations(YOUFORCE_MUTATIONS, names, "YouForce");
}

/** YF-ERROR-ENVELOPE broken: every refusal's envelope replaced by another, gateway-like shape. */
export function withForeignErrorShape(handler: FetchHandler): FetchHandler {
  return async (request) => {
    const response = await handler(request);
    if (response.status < 400 || request.method === "HEAD") return response;
    const envelope = (await response.json().catch(() => ({}))) as { Message?: unknown };
    const headers = new Headers(response.headers);
    headers.delete("content-length");
    return Response.json(
      { error: { code: response.status, message: String(envelope.Message ?? "") } },
      { status: response.status, headers },
    );
  };
}

const encoder = new TextEncoder();

/**
 * MIME-BOUNDARY-LENGTH broken: a boundary of more than 70 characters is swapped, in the header and
 * in the body, for a short one the engine's parser accepts. Returns the inputs unchanged when the
 * header's boundary is not over-long (or cannot be found).
 */
export function acceptLongBoundary(
  contentType: string,
  body: ReadableStream<Uint8Array> | null,
): { contentType: string; body: ReadableStream<Uint8Array> | null } {
  const match = /(;\s*boundary\s*=\s*)("([^"]*)"|[^;\s]*)/i.exec(contentType);
  if (match === null) return { contentType, body };
  const boundary = match[3] ?? match[2] ?? "";
  if (boundary.length <= 70) return { contentType, body };
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
