/**
 * Size limits: the 100 MB multipart limit (YF-MULTIPART-MAX-SIZE, the community upload page) and
 * the receiver bounds of RFC 2046 bodies a server keeps to stay up (MIME-LIMIT-*: header section,
 * part count, body size, metadata part size). The large bodies are generated as they are sent.
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
  type Part,
  relatedContentType,
  utf8,
} from "./wire.ts";

/** YF-MULTIPART-MAX-SIZE: 100 MB of file content, read as 100,000,000 bytes. */
export const MULTIPART_MAX_SIZE = 100_000_000;

/**
 * MIME-LIMIT-BODY-SIZE: a body this large is over any bound a YouForce server can keep (100 MB of
 * content, plus the metadata and framing, and a margin for the 100 MiB reading of the limit).
 */
export const OVERSIZED_BODY = 150_000_000;

const MiB = 1024 * 1024;

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
  "a streamed upload of 100,000,001 bytes of content is refused with 413 or 400 and not stored",
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
  "a part with a 1 MiB header section is refused with 400",
  async (ctx) => {
    const businessTypeId = businessTypeOf(ctx);
    await ctx.property(
      fc.record({ part: fc.constantFrom("metadata", "media"), lines: fc.constantFrom(1, 1024) }),
      async ({ part, lines }) => {
        const name = uniqueName("header-size");
        const value = "h".repeat(Math.ceil(MiB / lines));
        const filler = Array.from({ length: lines }, (_, i) => `X-Filler-${i}: ${value}${CRLF}`).join("");
        const parts: Part[] = [
          metadataPart(
            metadataOf(name, businessTypeId),
            part === "metadata" ? JSON_PART_HEADERS + filler : undefined,
          ),
          mediaPart("content", part === "media" ? filler : ""),
        ];
        expectRefused(
          ctx,
          await postFiles(ctx, frame(parts, { boundary: "header_size" }), {
            contentType: relatedContentType("header_size"),
          }),
          [400],
          `a ${part} part with a header section of ${filler.length} bytes in ${lines} line${lines === 1 ? "" : "s"}`,
        );
      },
      { numRuns: 2 },
    );
  },
);

const mimeLimitParts: Check = youforceCheck(
  "MIME-LIMIT-PARTS",
  "a body with 10,000 parts is refused with 400",
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
      [400],
      `a body of ${parts.length} parts`,
    );
  },
);

const mimeLimitPartSize: Check = youforceCheck(
  "MIME-LIMIT-PART-SIZE",
  "a metadata part of 1 MiB is refused with 400",
  async (ctx) => {
    const businessTypeId = businessTypeOf(ctx);
    // Valid JSON, the same object: the part is large only by its trailing whitespace.
    const json = `${JSON.stringify(metadataOf(uniqueName("part-size"), businessTypeId))}${" ".repeat(MiB)}`;
    expectRefused(
      ctx,
      await postFiles(ctx, frame([metadataPart(json), mediaPart("content")], { boundary: "part_size" }), {
        contentType: relatedContentType("part_size"),
      }),
      [400],
      `a metadata part of ${json.length} bytes`,
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
