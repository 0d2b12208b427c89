/**
 * The framing of a `multipart/related` body, RFC 2046 §5.1.1: what a receiver must accept
 * (transport padding, preamble and epilogue, a body ending right after its close delimiter, parts
 * without headers, `--boundary` that is not at a line start) and what it must refuse (a delimiter
 * inside a part, a missing close delimiter, malformed or truncated part headers).
 */
import { encodeRelated } from "@partwise/engine";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext } from "../../context.ts";
import {
  businessTypeOf,
  bytesOf,
  expectRefused,
  expectStored,
  metadataOf,
  postFiles,
  uniqueName,
  youforceCheck,
} from "./api.ts";
import { freshBoundary, randomCase, trickyText } from "./arbitraries.ts";
import {
  type Bytes,
  CRLF,
  concat,
  type Framing,
  frame,
  holdsDelimiter,
  JSON_PART_HEADERS,
  mediaPart,
  metadataPart,
  type Part,
  relatedContentType,
  utf8,
} from "./wire.ts";

/** Posts the two parts, metadata of `name` and `media`, framed as `framing` says. */
function post(
  ctx: CheckContext,
  name: string,
  media: Uint8Array | string,
  framing: Framing,
  headers: { readonly metadata?: string; readonly media?: string } = {},
) {
  const parts = [
    metadataPart(metadataOf(name, businessTypeOf(ctx)), headers.metadata),
    mediaPart(media, headers.media),
  ];
  return postFiles(ctx, frame(parts, framing), { contentType: relatedContentType(framing.boundary) });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Bytes> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return concat(...chunks);
}

const mimeBoundaryInContent: Check = youforceCheck(
  "MIME-BOUNDARY-IN-CONTENT",
  "the encoder never puts its delimiter inside a part, and a delimiter inside the media part is refused",
  async (ctx) => {
    const businessTypeId = businessTypeOf(ctx);
    // The sender's side: Partwise's encoder with a fresh boundary frames any content, or refuses
    // content that holds its delimiter; what it frames is stored byte for byte.
    await ctx.property(
      fc.record({
        boundary: freshBoundary,
        text: trickyText(["--", "\r\n--"]),
        bytes: fc.uint8Array({ maxLength: 128 }),
        inject: fc.boolean(),
      }),
      async ({ boundary, text, bytes, inject }) => {
        const content = concat(
          utf8(text),
          bytes,
          inject ? utf8(`${CRLF}--${boundary}${CRLF}`) : new Uint8Array(),
        );
        const name = uniqueName("in-content");
        let encoded: ReturnType<typeof encodeRelated>;
        try {
          encoded = encodeRelated(
            [
              {
                headers: { "Content-Type": "application/json; charset=UTF-8" },
                body: JSON.stringify(metadataOf(name, businessTypeId)),
              },
              { body: content },
            ],
            { boundary },
          );
        } catch (error) {
          if (inject) return;
          throw error;
        }
        if (inject) ctx.fail(`the encoder framed content that holds its delimiter --${boundary}`);
        const body = await readAll(encoded.body);
        await expectStored(
          ctx,
          await postFiles(ctx, body, { contentType: encoded.contentType }),
          { name, content },
          "a body framed by the encoder",
        );
      },
      { numRuns: 4 },
    );
    // The receiver's side: a delimiter line inside the media part ends it there, so the body has
    // three parts, and the media part as sent is never stored.
    await ctx.property(
      fc
        .record({
          boundary: freshBoundary,
          before: trickyText(),
          padding: fc.constantFrom("", " ", "\t", " \t "),
          after: trickyText(),
        })
        .filter(
          ({ boundary, before, after }) =>
            !holdsDelimiter(before, boundary) && !holdsDelimiter(after, boundary),
        ),
      async ({ boundary, before, padding, after }) => {
        const media = `${before}${CRLF}--${boundary}${padding}${CRLF}${after}`;
        expectRefused(
          ctx,
          await post(ctx, uniqueName("in-content"), media, { boundary }),
          [400],
          `a media part holding its delimiter line (${JSON.stringify(media)})`,
        );
      },
      { numRuns: 5 },
    );
  },
);

const mimeDelimiterLineStart: Check = youforceCheck(
  "MIME-DELIMITER-LINE-START",
  "--boundary not at a line start is content; the CRLF before a delimiter is not",
  async (ctx) => {
    businessTypeOf(ctx);
    // Each look-alike once, whatever the generator draws below.
    const boundary = "line_start_boundary";
    for (const media of [
      `x--${boundary}`,
      ` --${boundary}--`,
      `a\n--${boundary}\rb`,
      `y\r--${boundary}\r\n`,
    ]) {
      const name = uniqueName("line-start");
      await expectStored(
        ctx,
        await post(ctx, name, media, { boundary }),
        { name, content: media },
        `the media part ${JSON.stringify(media)}`,
      );
    }
    await ctx.property(
      freshBoundary
        .chain((boundary) =>
          fc.record({
            boundary: fc.constant(boundary),
            text: trickyText([`--${boundary}`, `--${boundary}--`, `x--${boundary}`, ` --${boundary}`]),
            end: fc.constantFrom("", "\r", "\n", "\r\n", "-", "--", `\n--${boundary}`),
          }),
        )
        .map(({ boundary, text, end }) => ({ boundary, media: text + end }))
        .filter(({ boundary, media }) => !holdsDelimiter(media, boundary)),
      async ({ boundary, media }) => {
        const name = uniqueName("line-start");
        await expectStored(
          ctx,
          await post(ctx, name, media, { boundary }),
          { name, content: media },
          "the media part",
        );
      },
      { numRuns: 6 },
    );
  },
);

const padding = fc.string({ unit: fc.constantFrom(" ", "\t"), minLength: 1, maxLength: 8 });

const mimeTransportPadding: Check = youforceCheck(
  "MIME-TRANSPORT-PADDING",
  "spaces and tabs after each delimiter and the close delimiter are accepted",
  async (ctx) => {
    businessTypeOf(ctx);
    await ctx.property(
      fc
        .record({
          boundary: freshBoundary,
          padding: fc.array(fc.option(padding, { nil: "" }), { minLength: 3, maxLength: 3 }),
          finalCrlf: fc.boolean(),
          media: fc.uint8Array({ maxLength: 200 }) as fc.Arbitrary<Bytes>,
        })
        .filter(
          ({ boundary, media, padding }) => !holdsDelimiter(media, boundary) && padding.some((p) => p !== ""),
        ),
      async ({ boundary, padding, finalCrlf, media }) => {
        const name = uniqueName("padding");
        await expectStored(
          ctx,
          await post(ctx, name, media, { boundary, padding, finalCrlf }),
          { name, content: media },
          `a body with transport padding ${JSON.stringify(padding)}`,
        );
      },
      { numRuns: 4 },
    );
  },
);

const mimeCloseDelimiter: Check = youforceCheck(
  "MIME-CLOSE-DELIMITER",
  "a body truncated before its close delimiter is refused with 400; one ending right after it is accepted",
  async (ctx) => {
    const businessTypeId = businessTypeOf(ctx);
    const name = uniqueName("close");
    const boundary = "close_delimiter";
    const media = "the media part, then the close delimiter";
    const whole = frame([metadataPart(metadataOf(name, businessTypeId)), mediaPart(media)], { boundary });
    const contentType = relatedContentType(boundary);
    await expectStored(
      ctx,
      await postFiles(ctx, whole, { contentType }),
      { name, content: media },
      `a body ending right after --${boundary}--`,
    );
    const open = frame([metadataPart(metadataOf(name, businessTypeId)), mediaPart(media)], {
      boundary,
      close: false,
    });
    expectRefused(
      ctx,
      await postFiles(ctx, open, { contentType }),
      [400],
      "a body without its close delimiter",
    );
    await ctx.property(
      fc.integer({ min: 1, max: whole.length - 1 }),
      async (cut) => {
        expectRefused(
          ctx,
          await postFiles(ctx, whole.slice(0, cut), { contentType }),
          [400],
          `the body cut after ${cut} of its ${whole.length} bytes`,
        );
      },
      { numRuns: 12 },
    );
  },
);

const mimePreambleEpilogue: Check = youforceCheck(
  "MIME-PREAMBLE-EPILOGUE",
  "bodies with a preamble before the first delimiter and an epilogue after the close are accepted",
  async (ctx) => {
    businessTypeOf(ctx);
    await ctx.property(
      fc
        .record({
          boundary: freshBoundary,
          preamble: fc.option(trickyText(), { nil: undefined }),
          epilogue: fc.option(trickyText(), { nil: undefined }),
          finalCrlf: fc.boolean(),
          media: fc.uint8Array({ maxLength: 200 }) as fc.Arbitrary<Bytes>,
        })
        .filter(
          ({ boundary, preamble, epilogue, media }) =>
            (preamble !== undefined || epilogue !== undefined) &&
            !holdsDelimiter(preamble ?? "", boundary) &&
            !holdsDelimiter(epilogue ?? "", boundary) &&
            !holdsDelimiter(media, boundary),
        ),
      async ({ boundary, preamble, epilogue, finalCrlf, media }) => {
        const name = uniqueName("preamble");
        await expectStored(
          ctx,
          await post(ctx, name, media, { boundary, preamble, epilogue, finalCrlf }),
          { name, content: media },
          `a body with preamble ${JSON.stringify(preamble ?? null)} and epilogue ${JSON.stringify(epilogue ?? null)}`,
        );
      },
      { numRuns: 5 },
    );
  },
);

/** A malformed header section: a line without a colon, or the body ending inside the headers. */
type BadHeaders =
  | { readonly kind: "line without a colon"; readonly part: "metadata" | "media"; readonly line: string }
  | { readonly kind: "truncated"; readonly part: "metadata" | "media"; readonly headers: string };

const mimePartHeaders: Check = youforceCheck(
  "MIME-PART-HEADERS",
  "parts with or without headers are accepted; a header line without a colon or a truncated header section is refused",
  async (ctx) => {
    const businessTypeId = businessTypeOf(ctx);
    await ctx.property(
      fc.record({
        boundary: freshBoundary,
        typeName: randomCase("Content-Type"),
        space: fc.constantFrom("", " ", "  "),
        mediaHeaders: fc.constantFrom(
          "",
          "Content-Type: text/csv\r\n",
          "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=a.csv\r\n",
        ),
        extra: fc.constantFrom("", "Content-ID: <metadata@partwise>\r\n", "X-Trace: 1\r\n"),
      }),
      async ({ boundary, typeName, space, mediaHeaders, extra }) => {
        const name = uniqueName("headers");
        const metadataHeaders = `${typeName}:${space}application/json; charset=UTF-8${CRLF}${extra}`;
        await expectStored(
          ctx,
          await post(ctx, name, "headed", { boundary }, { metadata: metadataHeaders, media: mediaHeaders }),
          { name, content: "headed" },
          `metadata headers ${JSON.stringify(metadataHeaders)} and media headers ${JSON.stringify(mediaHeaders)}`,
        );
      },
      { numRuns: 4 },
    );
    const bad: fc.Arbitrary<BadHeaders> = fc.oneof(
      fc.record({
        kind: fc.constant("line without a colon" as const),
        part: fc.constantFrom("metadata" as const, "media" as const),
        line: fc.oneof(
          fc.constantFrom("Content-Type application/json", "X-Broken", "just text"),
          fc.stringMatching(/^[A-Za-z][A-Za-z0-9 -]{0,20}$/),
        ),
      }),
      fc.record({
        kind: fc.constant("truncated" as const),
        part: fc.constantFrom("metadata" as const, "media" as const),
        headers: fc.constantFrom("Content-Type: text/plain\r\n", "Content-Type: text/pl", "X-A: 1\r\nX-B"),
      }),
    );
    await ctx.property(
      fc.record({ boundary: freshBoundary, bad }),
      async ({ boundary, bad }) => {
        const metadata = metadataPart(metadataOf(uniqueName("headers"), businessTypeId));
        let body: Bytes;
        if (bad.kind === "line without a colon") {
          const parts: Part[] =
            bad.part === "metadata"
              ? [
                  metadataPart(
                    metadataOf(uniqueName("headers"), businessTypeId),
                    `${JSON_PART_HEADERS}${bad.line}${CRLF}`,
                  ),
                  mediaPart("x"),
                ]
              : [metadata, mediaPart("x", `Content-Type: text/plain${CRLF}${bad.line}${CRLF}`)];
          body = frame(parts, { boundary });
        } else {
          // The body ends inside the header section of the metadata or the media part.
          const head = bad.part === "metadata" ? [] : [metadata];
          body = concat(
            frame(head, { boundary, close: false }),
            utf8(`${head.length === 0 ? "" : CRLF}--${boundary}${CRLF}${bad.headers}`),
          );
        }
        expectRefused(
          ctx,
          await postFiles(ctx, body, { contentType: relatedContentType(boundary) }),
          [400],
          bad.kind === "truncated"
            ? `a body ending inside the ${bad.part} part's header section`
            : `a ${bad.part} part with the header line ${JSON.stringify(bad.line)}`,
        );
      },
      { numRuns: 8 },
    );
  },
);

// --- MIME-BOUNDARY-SPLIT: delimiters across network reads -------------------------------------

/** Read sizes servers commonly use: Node's 16 and 64 KiB, and 256 KiB. */
const READ_SIZES = [16 * 1024, 64 * 1024, 256 * 1024] as const;

/** The body as a stream in chunks of the given sizes (the last takes the rest), charged to the budget. */
function chunked(ctx: CheckContext, body: Uint8Array, cuts: readonly number[]): ReadableStream<Uint8Array> {
  ctx.spend(body.length);
  const pieces: Uint8Array[] = [];
  let at = 0;
  for (const cut of cuts) {
    if (at >= body.length) break;
    pieces.push(body.slice(at, Math.min(body.length, at + cut)));
    at += cut;
  }
  if (at < body.length) pieces.push(body.slice(at));
  let index = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const piece = pieces[index++];
        if (piece === undefined) controller.close();
        else controller.enqueue(piece);
      },
    },
    { highWaterMark: 0 },
  );
}

const mimeBoundarySplit: Check = youforceCheck(
  "MIME-BOUNDARY-SPLIT",
  "a delimiter that straddles a network read (16, 64, 256 KiB or a random cut) is still found",
  async (ctx) => {
    const businessTypeId = businessTypeOf(ctx);
    await ctx.property(
      fc.record({
        boundary: freshBoundary,
        read: fc.constantFrom(...READ_SIZES),
        // Where in `CRLF--boundary` the read boundary falls (0: just before the CRLF).
        into: fc.nat({ max: 40 }),
        seed: fc.integer(),
      }),
      async ({ boundary, read, into, seed }) => {
        const name = uniqueName("split", ".bin");
        const metadata = metadataPart(metadataOf(name, businessTypeId));
        const delimiter = `\r\n--${boundary}`;
        const offset = into % delimiter.length;
        // The body up to the close delimiter (`CRLF--boundary--`) is exactly `read - offset` bytes.
        const head = frame([metadata, mediaPart("")], { boundary, close: false }).length;
        const media = bytesOf(read - offset - head, seed);
        if (holdsDelimiter(media, boundary)) return;
        const body = frame([metadata, mediaPart(media)], { boundary });
        await expectStored(
          ctx,
          await postFiles(ctx, chunked(ctx, body, [read, read]), {
            contentType: relatedContentType(boundary),
          }),
          { name, content: media },
          `a body whose close delimiter straddles a read of ${read} bytes at its byte ${offset}`,
        );
      },
      { numRuns: 8 },
    );
    // Random cuts everywhere, so every delimiter (the one before the media part too) and every
    // CRLF-dashes pair falls across reads: the whole body in reads of 1 to 100 bytes.
    await ctx.property(
      fc.record({
        boundary: freshBoundary,
        media: fc.uint8Array({ maxLength: 600 }) as fc.Arbitrary<Bytes>,
        cuts: fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 40 }),
      }),
      async ({ boundary, media, cuts }) => {
        if (holdsDelimiter(media, boundary)) return;
        const name = uniqueName("split", ".bin");
        const body = frame([metadataPart(metadataOf(name, businessTypeId)), mediaPart(media)], { boundary });
        await expectStored(
          ctx,
          await postFiles(ctx, chunked(ctx, body, cuts), { contentType: relatedContentType(boundary) }),
          { name, content: media },
          `a body sent in reads of ${cuts.join(", ")} bytes`,
        );
      },
      { numRuns: 6 },
    );
  },
);

export const mimeFramingChecks: readonly Check[] = [
  mimeBoundaryInContent,
  mimeBoundarySplit,
  mimeDelimiterLineStart,
  mimeTransportPadding,
  mimeCloseDelimiter,
  mimePreambleEpilogue,
  mimePartHeaders,
];
