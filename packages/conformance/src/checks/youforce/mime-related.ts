/**
 * RFC 2387 `multipart/related`: the `type` parameter (§3.1, required by the RFC but absent from
 * YouForce's own examples, so receivers accept both; MIME-RELATED-TYPE) and the root part (§3.2:
 * without `start`, the first part; MIME-RELATED-ROOT).
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import { businessTypeOf, expectStored, metadataOf, postFiles, uniqueName, youforceCheck } from "./api.ts";
import { freshBoundary } from "./arbitraries.ts";
import { frame, JSON_PART_HEADERS, mediaPart, metadataPart, parameterValue } from "./wire.ts";

const mimeRelatedType: Check = youforceCheck(
  "MIME-RELATED-TYPE",
  "bodies with and without the type parameter are accepted",
  async (ctx) => {
    const businessTypeId = businessTypeOf(ctx);
    await ctx.property(
      fc.record({
        boundary: freshBoundary,
        type: fc.constantFrom(undefined, '"application/json"', "application/json", '"Application/JSON"'),
        typeFirst: fc.boolean(),
      }),
      async ({ boundary, type, typeFirst }) => {
        const name = uniqueName("related-type");
        const body = frame([metadataPart(metadataOf(name, businessTypeId)), mediaPart("typed")], {
          boundary,
        });
        const params = [
          `boundary=${parameterValue(boundary)}`,
          ...(type === undefined ? [] : [`type=${type}`]),
        ];
        const contentType = `multipart/related; ${(typeFirst ? params.reverse() : params).join("; ")}`;
        await expectStored(
          ctx,
          await postFiles(ctx, body, { contentType }),
          { name, content: "typed" },
          `a body announced as ${contentType}`,
        );
      },
      { numRuns: 4 },
    );
  },
);

const mimeRelatedRoot: Check = youforceCheck(
  "MIME-RELATED-ROOT",
  "the first part of an accepted body is the root: the metadata",
  async (ctx) => {
    const businessTypeId = businessTypeOf(ctx);
    // The second part looks like metadata too (a JSON object with another FileName, with the
    // metadata's Content-Type): only a server that takes the first part as the root names the
    // file after it and stores the second part's bytes.
    await ctx.property(
      fc.record({ boundary: freshBoundary, idAsString: fc.boolean() }),
      async ({ boundary, idAsString }) => {
        const root = uniqueName("root");
        // The decoy in the [S4] table's spelling, the root in the vendor client's (metadataOf).
        const decoy = JSON.stringify({
          FileName: uniqueName("not-root"),
          BusinessTypeId: idAsString ? String(businessTypeId) : businessTypeId,
        });
        const body = frame(
          [metadataPart(metadataOf(root, businessTypeId)), mediaPart(decoy, JSON_PART_HEADERS)],
          { boundary },
        );
        await expectStored(
          ctx,
          await postFiles(ctx, body, {
            contentType: `multipart/related; boundary=${parameterValue(boundary)}`,
          }),
          { name: root, content: decoy },
          "a body whose second part is JSON metadata too",
        );
      },
      { numRuns: 2 },
    );
  },
);

export const mimeRelatedChecks: readonly Check[] = [mimeRelatedType, mimeRelatedRoot];
