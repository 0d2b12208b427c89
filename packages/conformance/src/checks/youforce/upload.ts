/**
 * The multipart upload request [S4]: its Content-Type (YF-CONTENT-TYPE), its two parts in order
 * (YF-TWO-PARTS, YF-METADATA-FIRST), the metadata (YF-METADATA-JSON, -FILENAME, -BUSINESS-TYPE,
 * -KEYS) and the answer (YF-CREATED).
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import {
  businessTypeOf,
  expectCreated,
  expectReadBack,
  expectRefused,
  expectStored,
  metadataOf,
  postFiles,
  uniqueName,
  youforceCheck,
} from "./api.ts";
import { freshBoundary, nameStem, randomCase } from "./arbitraries.ts";
import {
  type Bytes,
  frame,
  holdsDelimiter,
  JSON_PART_HEADERS,
  mediaPart,
  metadataPart,
  relatedContentType,
} from "./wire.ts";

const media = fc.uint8Array({ maxLength: 256 }) as fc.Arbitrary<Bytes>;

/** A fresh boundary and media bytes that do not hold its delimiter. */
const framed = fc
  .record({ boundary: freshBoundary, media })
  .filter(({ boundary, media }) => !holdsDelimiter(media, boundary));

/** Content types YF-CONTENT-TYPE refuses, with `{b}` standing for the body's boundary. */
const FOREIGN_CONTENT_TYPES = [
  "multipart/form-data; boundary={b}",
  "multipart/mixed; boundary={b}",
  "multipart/alternative; boundary={b}",
  "application/json",
  "application/octet-stream",
  "text/plain; charset=UTF-8",
  "multipart/related",
  'multipart/related; type="application/json"',
] as const;

const yfContentType: Check = youforceCheck(
  "YF-CONTENT-TYPE",
  "an upload that is not multipart/related with a boundary is refused with 400 or 415",
  async (ctx) => {
    const businessTypeId = businessTypeOf(ctx);
    // The [S4] form of the header is accepted, so the refusals below are about the header alone.
    const name = uniqueName("content-type");
    const body = frame([metadataPart(metadataOf(name, businessTypeId)), mediaPart("control")], {
      boundary: "foo_bar_baz",
    });
    await expectStored(
      ctx,
      await postFiles(ctx, body, { contentType: "multipart/related;boundary=foo_bar_baz" }),
      { name, content: "control" },
      "the [S4] upload with Content-Type multipart/related;boundary=foo_bar_baz",
    );

    await ctx.property(
      fc.record({
        framed,
        contentType: fc.option(fc.constantFrom(...FOREIGN_CONTENT_TYPES), { nil: null }),
      }),
      async ({ framed: { boundary, media }, contentType }) => {
        const name = uniqueName("content-type");
        const body = frame([metadataPart(metadataOf(name, businessTypeId)), mediaPart(media)], { boundary });
        const header = contentType?.replace("{b}", boundary) ?? null;
        expectRefused(
          ctx,
          await postFiles(ctx, body, { contentType: header }),
          [400, 415],
          `an upload with ${header === null ? "no Content-Type" : `Content-Type ${header}`}`,
        );
      },
      { numRuns: 12 },
    );
  },
);

const yfTwoParts: Check = youforceCheck(
  "YF-TWO-PARTS",
  "bodies with one part, or three and more, are refused with 400",
  async (ctx) => {
    const businessTypeId = businessTypeOf(ctx);
    await ctx.property(
      fc
        .record({
          boundary: freshBoundary,
          extra: fc.oneof(fc.constant<Bytes[]>([]), fc.array(media, { minLength: 2, maxLength: 4 })),
        })
        .filter(({ boundary, extra }) => extra.every((m) => !holdsDelimiter(m, boundary))),
      async ({ boundary, extra }) => {
        const name = uniqueName("two-parts");
        const parts = [metadataPart(metadataOf(name, businessTypeId)), ...extra.map((m) => mediaPart(m))];
        expectRefused(
          ctx,
          await postFiles(ctx, frame(parts, { boundary }), { contentType: relatedContentType(boundary) }),
          [400],
          `a body with ${parts.length} part${parts.length === 1 ? "" : "s"}`,
        );
      },
      { numRuns: 10 },
    );
  },
);

const yfMetadataFirst: Check = youforceCheck(
  "YF-METADATA-FIRST",
  "a body whose media part comes first is refused with 400",
  async (ctx) => {
    const businessTypeId = businessTypeOf(ctx);
    await ctx.property(
      fc.record({
        framed,
        mediaHeaders: fc.constantFrom(
          "",
          "Content-Type: application/octet-stream\r\n",
          "Content-Type: text/plain\r\n",
          "Content-Disposition: attachment\r\n",
        ),
      }),
      async ({ framed: { boundary, media }, mediaHeaders }) => {
        const name = uniqueName("metadata-first");
        const body = frame([mediaPart(media, mediaHeaders), metadataPart(metadataOf(name, businessTypeId))], {
          boundary,
        });
        expectRefused(
          ctx,
          await postFiles(ctx, body, { contentType: relatedContentType(boundary) }),
          [400],
          "a body with the media part first and the metadata second",
        );
      },
      { numRuns: 8 },
    );
  },
);

/** Forms of the documented metadata header RFC 2045 §5.1 makes equivalent to [S4]'s. */
const DOCUMENTED_HEADER_FORMS = [
  "Content-Type: application/json; charset=UTF-8",
  "Content-Type: application/json;charset=UTF-8",
  "Content-Type: application/json; charset=utf-8",
  'Content-Type: application/json; charset="UTF-8"',
  "Content-Type: Application/JSON; Charset=UTF-8",
  "content-type: application/json ; charset=UTF-8",
] as const;

const yfMetadataJson: Check = youforceCheck(
  "YF-METADATA-JSON",
  "metadata that is not a JSON object is refused with 400; the documented header in any equivalent form is accepted",
  async (ctx) => {
    const businessTypeId = businessTypeOf(ctx);
    const valid = (name: string): string => JSON.stringify(metadataOf(name, businessTypeId));
    // Every variant is refused, so one name serves them all.
    const name = uniqueName("metadata-json");
    const fixed: readonly { readonly what: string; readonly json: string }[] = [
      { what: "JSON with single quotes", json: `{'FileName':'${name}','BusinessTypeId':${businessTypeId}}` },
      { what: "a JSON array", json: `[${valid(name)}]` },
      ...['"text"', "42", "null", "true"].map((json) => ({ what: `the JSON value ${json}`, json })),
    ];
    const refuse = async (what: string, json: string, boundary: string): Promise<void> => {
      const body = frame([metadataPart(json), mediaPart("content")], { boundary });
      expectRefused(
        ctx,
        await postFiles(ctx, body, { contentType: relatedContentType(boundary) }),
        [400],
        `a metadata part with ${what}`,
      );
    };
    for (const { what, json } of fixed) await refuse(what, json, "metadata_json");
    await ctx.property(
      fc.record({ boundary: freshBoundary, cut: fc.integer({ min: 1, max: valid(name).length - 1 }) }),
      ({ boundary, cut }) => refuse("truncated JSON", valid(name).slice(0, cut), boundary),
      { numRuns: 5 },
    );
    // The header [S4] shows, written as RFC 2045 allows: every form is the same header.
    for (const header of DOCUMENTED_HEADER_FORMS) {
      const accepted = uniqueName("metadata-json");
      const body = frame(
        [metadataPart(metadataOf(accepted, businessTypeId), `${header}\r\n`), mediaPart("ok")],
        {
          boundary: "metadata_json",
        },
      );
      await expectStored(
        ctx,
        await postFiles(ctx, body, { contentType: relatedContentType("metadata_json") }),
        { name: accepted, content: "ok" },
        `a metadata part with the header ${JSON.stringify(header)}`,
      );
    }
  },
);

/** Declared types of a metadata part that holds valid JSON but is not declared application/json. */
const FOREIGN_METADATA_HEADERS = [
  "Content-Type: text/plain; charset=UTF-8\r\n",
  "Content-Type: application/xml\r\n",
  "Content-Type: application/octet-stream\r\n",
  "",
] as const;

const yfMetadataContentType: Check = youforceCheck(
  "YF-METADATA-CONTENT-TYPE",
  "a metadata part holding JSON but not declared application/json is refused with 400",
  async (ctx) => {
    const businessTypeId = businessTypeOf(ctx);
    for (const headers of FOREIGN_METADATA_HEADERS) {
      const name = uniqueName("metadata-type");
      const body = frame([metadataPart(metadataOf(name, businessTypeId), headers), mediaPart("content")], {
        boundary: "metadata_type",
      });
      expectRefused(
        ctx,
        await postFiles(ctx, body, { contentType: relatedContentType("metadata_type") }),
        [400],
        `a metadata part with ${headers === "" ? "no Content-Type" : headers.trim()}`,
      );
    }
  },
);

/** Keys that are neither the file name nor another documented key, in any letter case. */
const unrelatedKeys = fc.dictionary(
  fc
    .stringMatching(/^[A-Za-z][A-Za-z0-9]{0,11}$/)
    .filter((key) => !["filename", "name", "businesstypeid", "custommetadata"].includes(key.toLowerCase())),
  fc.string({ maxLength: 12 }),
  { maxKeys: 3 },
);

const yfMetadataFilename: Check = youforceCheck(
  "YF-METADATA-FILENAME",
  "metadata without a file name is refused with 400",
  async (ctx) => {
    const businessTypeId = businessTypeOf(ctx);
    await ctx.property(
      fc.record({
        boundary: freshBoundary,
        name: fc.constantFrom<{ readonly FileName?: string | null }>(
          {},
          { FileName: "" },
          { FileName: null },
        ),
        extra: unrelatedKeys,
      }),
      async ({ boundary, name, extra }) => {
        const metadata = { ...extra, ...name, BusinessTypeId: businessTypeId };
        const body = frame([metadataPart(metadata), mediaPart("nameless")], { boundary });
        expectRefused(
          ctx,
          await postFiles(ctx, body, { contentType: relatedContentType(boundary) }),
          [400],
          `metadata ${JSON.stringify(metadata)}`,
        );
      },
      { numRuns: 8 },
    );
  },
);

const yfMetadataBusinessType: Check = youforceCheck(
  "YF-METADATA-BUSINESS-TYPE",
  "metadata without BusinessTypeId is refused with 400, with a non-integer one with 400 or 403",
  async (ctx) => {
    businessTypeOf(ctx);
    const badId = fc.oneof(
      fc.constant<{ readonly BusinessTypeId?: unknown }>({}),
      fc
        .oneof(
          fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,7}$/),
          fc.constantFrom("", "7100x", "0x1F", "1e3", "12.5"),
          fc.constantFrom(null, true, false, 1.5, -0.25),
          fc.constantFrom({}, [], [7100], { id: 7100 }),
        )
        .map((value) => ({ BusinessTypeId: value })),
    );
    await ctx.property(
      fc.record({ boundary: freshBoundary, id: badId }),
      async ({ boundary, id }) => {
        const metadata = { FileName: uniqueName("business-type"), ...id };
        const body = frame([metadataPart(metadata), mediaPart("typeless")], { boundary });
        // Without the field: 400. A value that names no business type: 400, or 403 (not one the
        // token may publish to).
        expectRefused(
          ctx,
          await postFiles(ctx, body, { contentType: relatedContentType(boundary) }),
          "BusinessTypeId" in id ? [400, 403] : [400],
          `metadata ${JSON.stringify(metadata)}`,
        );
      },
      { numRuns: 12 },
    );
  },
);

const yfMetadataKeys: Check = youforceCheck(
  "YF-METADATA-KEYS",
  "metadata keys in any letter case, name for FileName, the id as number or string, are accepted",
  async (ctx) => {
    const businessTypeId = businessTypeOf(ctx);
    await ctx.property(
      fc.record({
        boundary: freshBoundary,
        nameKey: fc.oneof(randomCase("FileName"), randomCase("name")),
        idKey: randomCase("BusinessTypeId"),
        idAsString: fc.boolean(),
        media,
      }),
      async ({ boundary, nameKey, idKey, idAsString, media }) => {
        if (holdsDelimiter(media, boundary)) return;
        const name = uniqueName("keys");
        const metadata = { [nameKey]: name, [idKey]: idAsString ? String(businessTypeId) : businessTypeId };
        const body = frame([metadataPart(metadata), mediaPart(media)], { boundary });
        await expectStored(
          ctx,
          await postFiles(ctx, body, { contentType: relatedContentType(boundary) }),
          { name, content: media },
          `metadata ${JSON.stringify(metadata)}`,
        );
      },
      { numRuns: 5 },
    );
  },
);

const yfCreated: Check = youforceCheck(
  "YF-CREATED",
  "an upload with the table's or the worked example's metadata answers 201 with the File, which reads back",
  async (ctx) => {
    const businessTypeId = businessTypeOf(ctx);
    await ctx.property(
      fc.record({
        boundary: freshBoundary,
        stem: nameStem,
        content: fc.uint8Array({ maxLength: 4096 }) as fc.Arbitrary<Bytes>,
      }),
      async ({ boundary, stem, content }) => {
        if (holdsDelimiter(content, boundary)) return;
        for (const form of ["table", "example"] as const) {
          const name = uniqueName(stem);
          // The [S4] table's keys, or its worked example's, laid out as UploadFile.ps1 sends them.
          const metadata =
            form === "table"
              ? JSON.stringify({ FileName: name, BusinessTypeId: businessTypeId })
              : `{\r\n"name":${JSON.stringify(name)},\r\n"businesstypeid":"${businessTypeId}"\r\n}`;
          const body = frame([metadataPart(metadata, JSON_PART_HEADERS), mediaPart(content)], { boundary });
          const answer = await postFiles(ctx, body, { contentType: relatedContentType(boundary) });
          const file = expectCreated(
            ctx,
            answer,
            { name, size: content.length },
            `uploading ${content.length} bytes with the ${form}'s metadata ${metadata}`,
          );
          if (file.businessType.id !== businessTypeId)
            ctx.fail(
              `the File's businessType.id is ${file.businessType.id}, but the metadata named ${businessTypeId}`,
              answer.exchange,
            );
          await expectReadBack(ctx, file.id, content, `the ${content.length} bytes uploaded`);
        }
      },
      { numRuns: 4 },
    );
  },
);

export const uploadChecks: readonly Check[] = [
  yfContentType,
  yfTwoParts,
  yfMetadataFirst,
  yfMetadataJson,
  yfMetadataContentType,
  yfMetadataFilename,
  yfMetadataBusinessType,
  yfMetadataKeys,
  yfCreated,
];
