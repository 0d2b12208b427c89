/**
 * Initiating a multipart upload, `POST appresults/{id}/files?multipart=true` [S0][S1]:
 *
 * - BS-INIT-NAME (must): the `name` parameter is required; a request without it is refused with
 *   400. Source: [S0][S1]. Generated nameless initiations (query, JSON body or form; with or
 *   without a directory; an empty name) must answer 400 with an error body.
 * - BS-INIT-MULTIPART (must): the answer is 200 with a File whose UploadStatus is `pending` and
 *   Size is 0. Source: [S0][S1]. Generated names, directories and content types must be echoed
 *   as Name, Path (`directory/name`) and ContentType.
 */

import type { File } from "@partwise/protocol-basespace";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import {
  abortIfCreated,
  appResultOf,
  type Call,
  directoryName,
  envelopeOf,
  expectErrorBody,
  expectStatus,
  fileName,
  query,
  send,
} from "./support.ts";

type NamelessVariant = "query" | "query-empty-name" | "query-and-json" | "json" | "form";

function namelessCall(
  variant: NamelessVariant,
  multipartKey: string,
  directory: string | undefined,
): Omit<Call, "path"> & { readonly search: string } {
  switch (variant) {
    case "query":
      return { method: "POST", search: query({ [multipartKey]: "true", directory }) };
    case "query-empty-name":
      return { method: "POST", search: query({ name: "", [multipartKey]: "true", directory }) };
    case "query-and-json":
      return {
        method: "POST",
        search: query({ [multipartKey]: "true" }),
        headers: { "content-type": "application/json" },
        body: JSON.stringify(directory === undefined ? {} : { directory }),
      };
    case "json":
      return {
        method: "POST",
        search: "",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          MultiPart: true,
          ...(directory === undefined ? {} : { Directory: directory }),
        }),
      };
    case "form":
      return {
        method: "POST",
        search: "",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: `${multipartKey}=true${directory === undefined ? "" : `&directory=${encodeURIComponent(directory)}`}`,
      };
  }
}

export const bsInitName: Check = {
  id: "BS-INIT-NAME",
  protocol: "basespace",
  title: "initiating without a name is refused with 400",
  async run(ctx) {
    const ar = encodeURIComponent(appResultOf(ctx));
    await ctx.property(
      fc.record({
        variant: fc.constantFrom<NamelessVariant>(
          "query",
          "query-empty-name",
          "query-and-json",
          "json",
          "form",
        ),
        multipartKey: fc.constantFrom("multipart", "MultiPart", "MULTIPART"),
        directory: fc.option(directoryName, { nil: undefined }),
      }),
      async ({ variant, multipartKey, directory }) => {
        const { search, ...call } = namelessCall(variant, multipartKey, directory);
        const answer = await send(ctx, { ...call, path: `/appresults/${ar}/files${search}` });
        abortIfCreated(ctx, answer);
        const what = `initiating without a name (${variant})`;
        expectStatus(ctx, answer, 400, what);
        expectErrorBody(ctx, answer, what);
      },
      { numRuns: 15 },
    );
  },
};

const CONTENT_TYPES = [
  "application/octet-stream",
  "application/zip",
  "application/gzip",
  "text/plain",
  "text/csv",
  "image/png",
] as const;

export const bsInitMultipart: Check = {
  id: "BS-INIT-MULTIPART",
  protocol: "basespace",
  title: "initiation answers 200 with a pending File of Size 0 that echoes Name, Path and ContentType",
  async run(ctx) {
    const ar = encodeURIComponent(appResultOf(ctx));
    await ctx.property(
      fc.record({
        name: fileName,
        directory: fc.option(directoryName, { nil: undefined }),
        contentType: fc.constantFrom(...CONTENT_TYPES),
      }),
      async ({ name, directory, contentType }) => {
        const answer = await send(ctx, {
          method: "POST",
          path: `/appresults/${ar}/files${query({ name, directory, multipart: "true" })}`,
          headers: { "content-type": contentType },
        });
        abortIfCreated(ctx, answer);
        expectStatus(ctx, answer, 200, "initiating a multipart upload");
        const file = envelopeOf<File>(ctx, answer, "FileResponse", "initiating a multipart upload");
        const path = directory === undefined ? name : `${directory}/${name}`;
        const wrong = [
          file.UploadStatus === "pending" ? undefined : `UploadStatus ${file.UploadStatus}, expected pending`,
          file.Size === 0 ? undefined : `Size ${file.Size}, expected 0`,
          file.Name === name
            ? undefined
            : `Name ${JSON.stringify(file.Name)}, expected ${JSON.stringify(name)}`,
          file.Path === path
            ? undefined
            : `Path ${JSON.stringify(file.Path)}, expected ${JSON.stringify(path)}`,
          file.ContentType === contentType
            ? undefined
            : `ContentType ${JSON.stringify(file.ContentType)}, expected ${JSON.stringify(contentType)}`,
        ].filter((problem) => problem !== undefined);
        if (wrong.length > 0) ctx.fail(`the initiated File has ${wrong.join("; ")}`, answer.exchange);
      },
      { numRuns: 10 },
    );
  },
};
