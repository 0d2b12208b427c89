/**
 * Initiating a multipart upload, `POST appresults/{id}/files?name=…&multipart=true` [S0]:
 *
 * - BS-INIT-NAME (should): a request without `name` is refused. Inference: [S0] calls only the
 *   directory optional. Generated nameless initiations (query, JSON body or form; with or without
 *   a directory; an empty name) must be refused (any 4xx) with an error body.
 * - BS-INIT-MULTIPART (must): the answer is 200 with a File whose UploadStatus is `pending`, whose
 *   Name is the name and whose ContentType is the Content-Type sent. Source: [S0] ("If successful,
 *   a 200 OK is returned with a JSON file object. The UploadStatus should be pending."; "a file
 *   named reportarchive.zip having a mimetype of application/zip"). Generated names (several
 *   extensions, mixed case), optional one-segment directories and content types, sent exactly as
 *   [S0] shows; ContentType is compared by media type, ignoring case and parameters.
 * - BS-INIT-PATH (should): Size is 0 and Path is `directory/name`, nested directories included.
 *   Inference from the [S0] example and the Python SDK's tests.
 */

import type { File } from "@partwise/protocol-basespace";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext, HttpAnswer } from "../../context.ts";
import {
  abortIfCreated,
  appResultOf,
  type Call,
  directoryName,
  directorySegment,
  envelopeOf,
  expectErrorBody,
  expectRefused,
  expectStatus,
  fileName,
  initiateCall,
  query,
  send,
} from "./support.ts";

const OCTET = { "content-type": "application/octet-stream" } as const;

type NamelessVariant = "query" | "query-empty-name" | "query-and-json" | "json" | "form";

function namelessCall(
  variant: NamelessVariant,
  multipartKey: string,
  directory: string | undefined,
): Omit<Call, "path"> & { readonly search: string } {
  switch (variant) {
    case "query":
      return { method: "POST", search: query({ [multipartKey]: "true", directory }), headers: OCTET };
    case "query-empty-name":
      return {
        method: "POST",
        search: query({ name: "", [multipartKey]: "true", directory }),
        headers: OCTET,
      };
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
  title: "initiating without a name is refused",
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
        multipartKey: fc.constantFrom("multipart", "MultiPart"),
        directory: fc.option(directoryName, { nil: undefined }),
      }),
      async ({ variant, multipartKey, directory }) => {
        const { search, ...call } = namelessCall(variant, multipartKey, directory);
        const answer = await send(ctx, { ...call, path: `/appresults/${ar}/files${search}` });
        abortIfCreated(ctx, answer);
        const what = `initiating without a name (${variant})`;
        expectRefused(ctx, answer, what);
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

interface Initiation {
  readonly name: string;
  readonly directory: string | undefined;
  readonly contentType: string;
}

/** The media type of a Content-Type value: lower case, without parameters. */
const essence = (value: string | undefined): string => (value ?? "").split(";", 1)[0]!.trim().toLowerCase();

/** Initiates as [S0] shows and returns the File, or fails (BS-INIT-MULTIPART's 200). */
async function initiated(
  ctx: CheckContext,
  appResult: string,
  name: string,
  directory: string | undefined,
  contentType: string,
): Promise<{ file: File; answer: HttpAnswer }> {
  const answer = await send(ctx, initiateCall(appResult, { name, directory, contentType }));
  abortIfCreated(ctx, answer);
  expectStatus(ctx, answer, 200, "initiating a multipart upload");
  return { file: envelopeOf<File>(ctx, answer, "FileResponse", "initiating a multipart upload"), answer };
}

export const bsInitMultipart: Check = {
  id: "BS-INIT-MULTIPART",
  protocol: "basespace",
  title: "initiation answers 200 with a pending File that echoes Name and ContentType",
  async run(ctx) {
    const appResult = appResultOf(ctx);
    const check = async ({ name, directory, contentType }: Initiation) => {
      const { file, answer } = await initiated(ctx, appResult, name, directory, contentType);
      const wrong = [
        file.UploadStatus === "pending" ? undefined : `UploadStatus ${file.UploadStatus}, expected pending`,
        file.Name === name
          ? undefined
          : `Name ${JSON.stringify(file.Name)}, expected ${JSON.stringify(name)}`,
        essence(file.ContentType) === essence(contentType)
          ? undefined
          : `ContentType ${JSON.stringify(file.ContentType)}, expected ${JSON.stringify(contentType)}`,
      ].filter((problem) => problem !== undefined);
      if (wrong.length > 0) ctx.fail(`the initiated File has ${wrong.join("; ")}`, answer.exchange);
    };
    // The seed's own example shape first (no directory), with a name of several mixed-case extensions.
    await check({ name: "pw-Report.Archive.tar.GZ", directory: undefined, contentType: "application/zip" });
    await ctx.property(
      fc.record({
        name: fileName,
        directory: fc.option(directorySegment, { nil: undefined }),
        contentType: fc.constantFrom(...CONTENT_TYPES),
      }),
      check,
      { numRuns: 12 },
    );
  },
};

export const bsInitPath: Check = {
  id: "BS-INIT-PATH",
  protocol: "basespace",
  title: "an initiated File has Size 0 and Path directory/name, nested directories included",
  async run(ctx) {
    const appResult = appResultOf(ctx);
    await ctx.property(
      fc.record({ name: fileName, directory: fc.option(directoryName, { nil: undefined }) }),
      async ({ name, directory }) => {
        const { file, answer } = await initiated(ctx, appResult, name, directory, "application/octet-stream");
        const path = directory === undefined ? name : `${directory}/${name}`;
        if (file.Size !== 0 || file.Path !== path)
          ctx.fail(
            `the initiated File has Size ${file.Size} and Path ${JSON.stringify(file.Path)}, expected 0 and ${JSON.stringify(path)}`,
            answer.exchange,
          );
      },
      { numRuns: 8 },
    );
  },
};
