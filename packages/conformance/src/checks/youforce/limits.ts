/**
 * Size limits: the 100 MB multipart limit (YF-MULTIPART-MAX-SIZE, the community upload page and the
 * release notes; "MB" read either way, so the check sends more than 100 MiB) and the receiver
 * bounds of RFC 2046 bodies a server keeps to stay up (MIME-LIMIT-*: header section, part count,
 * body size, metadata part size). No document sets those bounds, so the checks use sizes far above
 * any a server needs (16 MiB) and accept 400 or 413. The large bodies are generated as they are
 * sent.
 */
import { createBoundary } from "@partwise/engine";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext, HttpAnswer } from "../../context.ts";
import {
  bearer,
  businessTypeOf,
  expectNothingListed,
  expectRefused,
  filesUrl,
  metadataOf,
  postFiles,
  uniqueName,
  youforceCheck,
} from "./api.ts";
import { type GeneratedBody, generatedBody } from "./stream.ts";
import {
  CRLF,
  concat,
  frame,
  JSON_PART_HEADERS,
  latin1,
  mediaPart,
  metadataPart,
  relatedContentType,
  utf8,
} from "./wire.ts";

const MiB = 1024 * 1024;

/**
 * YF-MULTIPART-MAX-SIZE: 100 MB of file content. Read as 10^6 or as 2^20 bytes; the larger reading
 * is what every server refuses beyond.
 */
export const MULTIPART_MAX_SIZE = 100 * MiB;

/** MIME-LIMIT-HEADER-SIZE, MIME-LIMIT-PART-SIZE: far above any bound a server needs. */
export const OVERSIZED_SECTION = 16 * MiB;

/**
 * MIME-LIMIT-BODY-SIZE: a body this large is over any bound a YouForce server can keep (100 MB of
 * content, plus the metadata and framing, and a margin for the 100 MiB reading of the limit).
 */
export const OVERSIZED_BODY = 150_000_000;

/** A boundary from the check's seeded randomness. */
function boundaryOf(ctx: CheckContext): string {
  return createBoundary((n) => Uint8Array.from({ length: n }, () => Math.floor(ctx.random() * 256)));
}

/** Sends a generated body; stops it once answered; a budget that ran out mid-body skips the check. */
async function sendGenerated(
  ctx: CheckContext,
  body: GeneratedBody,
  headers: Readonly<Record<string, string>>,
): Promise<HttpAnswer> {
  try {
    return await ctx.http.request({
      method: "POST",
      url: filesUrl(ctx, { uploadType: "multipart" }),
      headers: { ...bearer(ctx.target.token), ...headers },
      body: body.stream,
    });
  } catch (error) {
    throw body.skipped() ?? error;
  } finally {
    body.stop();
  }
}

const yfMultipartMaxSize: Check = youforceCheck(
  "YF-MULTIPART-MAX-SIZE",
  "a streamed upload of 104,857,601 bytes of content (over 100 MB in either unit) is refused with 413 or 400",
  async (ctx) => {
    const businessTypeId = businessTypeOf(ctx);
    const name = uniqueName("max-size", ".bin");
    const boundary = boundaryOf(ctx);
    const head = frame([metadataPart(metadataOf(name, businessTypeId)), mediaPart("")], {
      boundary,
      close: false,
    });
    const body = generatedBody(ctx, {
      head,
      fillSize: MULTIPART_MAX_SIZE + 1,
      block: utf8("Partwise conformance: one byte over the multipart limit.\n"),
      tail: latin1(`${CRLF}--${boundary}--`),
    });
    // Chunked, without Content-Length: the server must count the content as it streams in.
    const answer = await sendGenerated(ctx, body, { "content-type": relatedContentType(boundary) });
    expectRefused(ctx, answer, [413, 400], `an upload of ${MULTIPART_MAX_SIZE + 1} bytes of file content`);
    await expectNothingListed(ctx, name, `after refusing ${MULTIPART_MAX_SIZE + 1} bytes`);
  },
);

const mimeLimitBodySize: Check = youforceCheck(
  "MIME-LIMIT-BODY-SIZE",
  `a body of ${OVERSIZED_BODY} bytes (a huge preamble) is refused while it streams in`,
  async (ctx) => {
    const businessTypeId = businessTypeOf(ctx);
    const name = uniqueName("body-size");
    const boundary = boundaryOf(ctx);
    const tail = frame([metadataPart(metadataOf(name, businessTypeId)), mediaPart("small")], { boundary });
    const delimiterLine = latin1(CRLF);
    const body = generatedBody(ctx, {
      head: new Uint8Array(0),
      fillSize: OVERSIZED_BODY - delimiterLine.length - tail.length,
      block: utf8("This preamble is ignored by the receiver (RFC 2046 section 5.1.1).\r\n"),
      tail: concat(delimiterLine, tail),
    });
    // Declared up front, so a server may refuse before reading; one that reads is refused later.
    const answer = await sendGenerated(ctx, body, {
      "content-type": relatedContentType(boundary),
      "content-length": String(body.size),
    });
    expectRefused(ctx, answer, [400, 413], `a body of ${body.size} bytes`);
  },
);

const mimeLimitHeaderSize: Check = youforceCheck(
  "MIME-LIMIT-HEADER-SIZE",
  "a part with a 16 MiB header section is refused with 400 or 413",
  async (ctx) => {
    const businessTypeId = businessTypeOf(ctx);
    await ctx.property(
      fc.record({ part: fc.constantFrom("metadata", "media"), lineLength: fc.constantFrom(1000, 0) }),
      async ({ part, lineLength }) => {
        const name = uniqueName("header-size");
        const boundary = boundaryOf(ctx);
        const metadata = JSON.stringify(metadataOf(name, businessTypeId));
        // One header line of 16 MiB (lineLength 0), or 16 MiB of lines of about 1 KiB.
        const block = lineLength === 0 ? utf8("h") : utf8(`X-Filler: ${"h".repeat(lineLength)}${CRLF}`);
        const open = lineLength === 0 ? "X-Filler: " : "";
        const close = lineLength === 0 ? CRLF : "";
        const head =
          part === "metadata"
            ? `--${boundary}${CRLF}${JSON_PART_HEADERS}${open}`
            : `--${boundary}${CRLF}${JSON_PART_HEADERS}${CRLF}${metadata}${CRLF}--${boundary}${CRLF}${open}`;
        const tail =
          part === "metadata"
            ? `${close}${CRLF}${metadata}${CRLF}--${boundary}${CRLF}${CRLF}content${CRLF}--${boundary}--`
            : `${close}${CRLF}content${CRLF}--${boundary}--`;
        const body = generatedBody(ctx, {
          head: latin1(head),
          fillSize: OVERSIZED_SECTION,
          block,
          tail: latin1(tail),
        });
        const answer = await sendGenerated(ctx, body, { "content-type": relatedContentType(boundary) });
        expectRefused(
          ctx,
          answer,
          [400, 413],
          `a ${part} part with a header section of ${OVERSIZED_SECTION} bytes${lineLength === 0 ? " in one line" : ""}`,
        );
      },
      { numRuns: 2 },
    );
  },
);

const mimeLimitParts: Check = youforceCheck(
  "MIME-LIMIT-PARTS",
  "a body with 10,000 parts is refused with 400 or 413",
  async (ctx) => {
    const businessTypeId = businessTypeOf(ctx);
    const empty = Array.from({ length: 9_998 }, () => mediaPart(""));
    const parts = [
      metadataPart(metadataOf(uniqueName("parts"), businessTypeId)),
      mediaPart("media"),
      ...empty,
    ];
    expectRefused(
      ctx,
      await postFiles(ctx, frame(parts, { boundary: "p" }), { contentType: relatedContentType("p") }),
      [400, 413],
      `a body of ${parts.length} parts`,
    );
  },
);

const mimeLimitPartSize: Check = youforceCheck(
  "MIME-LIMIT-PART-SIZE",
  "a metadata part of 16 MiB is refused with 400 or 413",
  async (ctx) => {
    const businessTypeId = businessTypeOf(ctx);
    const boundary = boundaryOf(ctx);
    // Valid JSON, the same object: the part is large only by its trailing whitespace.
    const json = JSON.stringify(metadataOf(uniqueName("part-size"), businessTypeId));
    const body = generatedBody(ctx, {
      head: latin1(`--${boundary}${CRLF}${JSON_PART_HEADERS}${CRLF}${json}`),
      fillSize: OVERSIZED_SECTION,
      block: utf8(" "),
      tail: latin1(`${CRLF}--${boundary}${CRLF}${CRLF}content${CRLF}--${boundary}--`),
    });
    expectRefused(
      ctx,
      await sendGenerated(ctx, body, { "content-type": relatedContentType(boundary) }),
      [400, 413],
      `a metadata part of ${json.length + OVERSIZED_SECTION} bytes`,
    );
  },
);

export const limitChecks: readonly Check[] = [
  yfMultipartMaxSize,
  mimeLimitBodySize,
  mimeLimitHeaderSize,
  mimeLimitParts,
  mimeLimitPartSize,
];
