/**
 * The multipart `Content-Type` and its boundary, RFC 2046 §5.1.1:
 *
 *     boundary      := 0*69<bchars> bcharsnospace
 *     bchars        := bcharsnospace / " "
 *     bcharsnospace := DIGIT / ALPHA / "'" / "(" / ")" / "+" / "_" / "," / "-" / "." / "/" / ":" / "=" / "?"
 *
 * MIME-CONTENT-TYPE (a boundary parameter is required), MIME-BOUNDARY-LENGTH (1 to 70),
 * MIME-BOUNDARY-CHARS (only bchars; the specials need a quoted value), MIME-BOUNDARY-TRAILING-SPACE.
 * Every body below is framed with exactly the boundary its header announces, so a server that
 * accepted a bad boundary would parse the body and store it: the refusal is about the boundary alone.
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext } from "../../context.ts";
import {
  businessTypeOf,
  expectRefused,
  expectStored,
  metadataOf,
  postFiles,
  uniqueName,
  youforceCheck,
} from "./api.ts";
import { bcharsBoundary, freshBoundary } from "./arbitraries.ts";
import {
  type Bytes,
  frame,
  holdsDelimiter,
  mediaPart,
  metadataPart,
  relatedContentType,
  SPECIAL_BCHARS,
} from "./wire.ts";

const media = fc.uint8Array({ maxLength: 128 }) as fc.Arbitrary<Bytes>;

/** Uploads `media` framed with `boundary` under `contentType` (default: the boundary, quoted if needed). */
function uploadFramed(
  ctx: CheckContext,
  name: string,
  boundary: string,
  content: Uint8Array | string,
  contentType: string = relatedContentType(boundary),
) {
  const body = frame([metadataPart(metadataOf(name, businessTypeOf(ctx))), mediaPart(content)], { boundary });
  return postFiles(ctx, body, { contentType });
}

/** `multipart/related` headers without a boundary parameter; `{b}` stands for the body's boundary. */
const WITHOUT_BOUNDARY = [
  "multipart/related",
  "multipart/related;",
  'multipart/related; type="application/json"',
  "multipart/related; boundary=",
  'multipart/related; boundary=""',
  "multipart/related; charset=UTF-8",
  "multipart/related; boundary-id={b}",
  "multipart/related; xboundary={b}",
] as const;

const mimeContentType: Check = youforceCheck(
  "MIME-CONTENT-TYPE",
  "a multipart body announced without a boundary parameter is refused; names in any case are accepted",
  async (ctx) => {
    const name = uniqueName("mime-content-type");
    await expectStored(
      ctx,
      await uploadFramed(ctx, name, "with_boundary", "control"),
      { name, content: "control" },
      `the same body announced as ${relatedContentType("with_boundary")}`,
    );
    // RFC 2045 §5.1: type, subtype and parameter names match in any letter case.
    for (const header of [
      "Multipart/Related; BOUNDARY=with_boundary",
      "MULTIPART/RELATED; Boundary=with_boundary",
    ]) {
      const cased = uniqueName("mime-content-type");
      await expectStored(
        ctx,
        await uploadFramed(ctx, cased, "with_boundary", "cased", header),
        { name: cased, content: "cased" },
        `the same body announced as ${header}`,
      );
    }
    await ctx.property(
      fc
        .record({ boundary: freshBoundary, header: fc.constantFrom(...WITHOUT_BOUNDARY), media })
        .filter(({ boundary, media }) => !holdsDelimiter(media, boundary)),
      async ({ boundary, header, media }) => {
        const contentType = header.replace("{b}", boundary);
        expectRefused(
          ctx,
          await uploadFramed(ctx, uniqueName("mime-content-type"), boundary, media, contentType),
          [400, 415],
          `a body announced as ${contentType}`,
        );
      },
      { numRuns: 12 },
    );
  },
);

const mimeBoundaryLength: Check = youforceCheck(
  "MIME-BOUNDARY-LENGTH",
  "a body framed with a 71-character boundary is refused; 70 and 1 characters are accepted",
  async (ctx) => {
    businessTypeOf(ctx);
    await ctx.property(
      fc
        .record({ boundary: fc.integer({ min: 71, max: 75 }).chain((n) => bcharsBoundary(n)), media })
        .filter(({ boundary, media }) => !holdsDelimiter(media, boundary)),
      async ({ boundary, media }) => {
        expectRefused(
          ctx,
          await uploadFramed(ctx, uniqueName("boundary-length"), boundary, media),
          [400],
          `a body framed with the ${boundary.length}-character boundary ${JSON.stringify(boundary)}`,
        );
      },
      { numRuns: 6 },
    );
    await ctx.property(
      fc
        .record({ boundary: fc.oneof(bcharsBoundary(70), bcharsBoundary(1)), media })
        .filter(({ boundary, media }) => !holdsDelimiter(media, boundary)),
      async ({ boundary, media }) => {
        const name = uniqueName("boundary-length");
        await expectStored(
          ctx,
          await uploadFramed(ctx, name, boundary, media),
          { name, content: media },
          `a body framed with the ${boundary.length}-character boundary ${JSON.stringify(boundary)}`,
        );
      },
      { numRuns: 3 },
    );
  },
);

/** Characters outside bchars a boundary might carry (`é` travels as its Latin-1 byte). */
const NOT_BCHARS = [...'!"#$%&*;<>@[\\]^`{|}~\t', "é", "ß"];

const mimeBoundaryChars: Check = youforceCheck(
  "MIME-BOUNDARY-CHARS",
  "boundaries with a character outside bchars are refused; each special bchar (quoted) is accepted",
  async (ctx) => {
    businessTypeOf(ctx);
    // Every special bchar and the space at once, so a quoted value is needed.
    const specials = `x${SPECIAL_BCHARS} y`;
    const name = uniqueName("boundary-chars");
    await expectStored(
      ctx,
      await uploadFramed(ctx, name, specials, "specials"),
      { name, content: "specials" },
      `a body framed with the boundary ${JSON.stringify(specials)}`,
    );
    await ctx.property(
      fc
        .record({ boundary: fc.integer({ min: 1, max: 70 }).chain((n) => bcharsBoundary(n)), media })
        .filter(({ boundary, media }) => !holdsDelimiter(media, boundary)),
      async ({ boundary, media }) => {
        const name = uniqueName("boundary-chars");
        await expectStored(
          ctx,
          await uploadFramed(ctx, name, boundary, media),
          { name, content: media },
          `a body framed with the boundary ${JSON.stringify(boundary)}`,
        );
      },
      { numRuns: 3 },
    );
    await ctx.property(
      fc.record({ boundary: bcharsBoundary(2, 40), bad: fc.constantFrom(...NOT_BCHARS), at: fc.nat() }),
      async ({ boundary, bad, at }) => {
        // Inside the boundary, never last: a bad character anywhere is refused.
        const i = at % boundary.length;
        const withBad = boundary.slice(0, i) + bad + boundary.slice(i);
        expectRefused(
          ctx,
          await uploadFramed(ctx, uniqueName("boundary-chars"), withBad, "x"),
          [400],
          `a body framed with the boundary ${JSON.stringify(withBad)} (${JSON.stringify(bad)} is not a bchar)`,
        );
      },
      { numRuns: 12 },
    );
  },
);

const mimeBoundaryTrailingSpace: Check = youforceCheck(
  "MIME-BOUNDARY-TRAILING-SPACE",
  "a boundary ending in a space is refused",
  async (ctx) => {
    businessTypeOf(ctx);
    await ctx.property(
      fc.record({ boundary: bcharsBoundary(1, 60), spaces: fc.integer({ min: 1, max: 3 }) }),
      async ({ boundary, spaces }) => {
        const withSpace = `${boundary}${" ".repeat(spaces)}`;
        expectRefused(
          ctx,
          await uploadFramed(ctx, uniqueName("trailing-space"), withSpace, "x"),
          [400],
          `a body framed with the boundary ${JSON.stringify(withSpace)}`,
        );
      },
      { numRuns: 5 },
    );
  },
);

export const mimeBoundaryChecks: readonly Check[] = [
  mimeContentType,
  mimeBoundaryLength,
  mimeBoundaryChars,
  mimeBoundaryTrailingSpace,
];
