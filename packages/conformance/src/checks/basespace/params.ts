/**
 * BS-PARAMS-ANYWHERE (should): `name`, `directory`, `multipart` and `uploadstatus` are read from
 * the query string, a JSON body or an urlencoded form, names matched case-insensitively, because
 * the official SDKs send each of these forms.
 * Source: basespace-csharp-sdk (JSON DTO bodies), basespace-java-sdk DefaultApiClient.java (form
 * bodies), basespace-python-sdk APIClient.py (query plus JSON body).
 *
 * Generated initiations and completions, each with its parameters in the query, a JSON body or a
 * form, with generated letter case of names and values; every one must succeed and the File must
 * echo the name and directory.
 */
import type { File } from "@partwise/protocol-basespace";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import {
  abortIfCreated,
  appResultOf,
  byteSeed,
  bytesOf,
  type Call,
  directoryName,
  envelopeOf,
  expectStatus,
  fileName,
  query,
  send,
  storePart,
} from "./support.ts";

type Carrier = "query" | "json" | "form";
const CARRIERS: readonly Carrier[] = ["query", "json", "form"];

/** A parameter name in one of the spellings SDKs use, or upper case. */
const spelling = (lower: string, pascal: string): fc.Arbitrary<string> =>
  fc.constantFrom(lower, pascal, lower.toUpperCase());

/** `params` carried as `carrier`, in a call without the path's own query. */
function carried(
  carrier: Carrier,
  params: Readonly<Record<string, string | boolean>>,
): { readonly search: string } & Omit<Call, "path" | "method"> {
  const text = Object.fromEntries(Object.entries(params).map(([key, value]) => [key, String(value)]));
  switch (carrier) {
    case "query":
      return { search: query(text) };
    case "json":
      return { search: "", headers: { "content-type": "application/json" }, body: JSON.stringify(params) };
    case "form":
      return {
        search: "",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: query(text).slice(1),
      };
  }
}

export const bsParamsAnywhere: Check = {
  id: "BS-PARAMS-ANYWHERE",
  protocol: "basespace",
  title: "upload parameters are read from the query, a JSON body or a form, in any letter case",
  async run(ctx) {
    const ar = encodeURIComponent(appResultOf(ctx));
    await ctx.property(
      fc.record({
        initiateIn: fc.constantFrom(...CARRIERS),
        completeIn: fc.constantFrom(...CARRIERS),
        nameKey: spelling("name", "Name"),
        directoryKey: spelling("directory", "Directory"),
        multipartKey: spelling("multipart", "MultiPart"),
        statusKey: spelling("uploadstatus", "UploadStatus"),
        multipartValue: fc.constantFrom<string | boolean>("true", "True", "TRUE", true),
        statusValue: fc.constantFrom("complete", "Complete", "COMPLETE"),
        name: fileName,
        directory: directoryName,
        seed: byteSeed,
      }),
      async (v) => {
        // A query carries strings only; a JSON boolean becomes "true" there.
        const init = carried(v.initiateIn, {
          [v.nameKey]: v.name,
          [v.directoryKey]: v.directory,
          [v.multipartKey]: v.multipartValue,
        });
        const started = await send(ctx, {
          method: "POST",
          path: `/appresults/${ar}/files${init.search}`,
          headers: init.headers,
          body: init.body,
        });
        abortIfCreated(ctx, started);
        const what = `initiating with the parameters in the ${v.initiateIn}`;
        expectStatus(ctx, started, 200, what);
        const file = envelopeOf<File>(ctx, started, "FileResponse", what);
        const path = `${v.directory}/${v.name}`;
        if (file.UploadStatus !== "pending" || file.Name !== v.name || file.Path !== path)
          ctx.fail(
            `${what} gave UploadStatus ${file.UploadStatus}, Name ${JSON.stringify(file.Name)}, Path ${JSON.stringify(file.Path)}; expected pending, ${JSON.stringify(v.name)}, ${JSON.stringify(path)}`,
            started.exchange,
          );
        await storePart(ctx, file.Id, 1, bytesOf(16, v.seed));
        const end = carried(v.completeIn, { [v.statusKey]: v.statusValue });
        const completed = await send(ctx, {
          method: "POST",
          path: `/files/${encodeURIComponent(file.Id)}${end.search}`,
          headers: end.headers,
          body: end.body,
        });
        const how = `completing with ${v.statusKey}=${v.statusValue} in the ${v.completeIn}`;
        expectStatus(ctx, completed, [200, 201], how);
        const done = envelopeOf<File>(ctx, completed, "FileResponse", how);
        if (done.UploadStatus !== "complete")
          ctx.fail(`${how} answered UploadStatus ${done.UploadStatus}`, completed.exchange);
      },
      { numRuns: 9 },
    );
  },
};
