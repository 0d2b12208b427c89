/**
 * CV-FILES-QUERY (should): GET /files with `project` (or `parent`) lists the items directly in it,
 * filtered by `name` and paged by `limit`/`offset`, answering `{href, items, links}` and
 * `X-Total-Matching-Query`.
 * Source: https://docs.sevenbridges.com/reference/list-files-primary-method, "This call returns a
 * list of files and subdirectories in a specified project or directory within a project"; the paging
 * envelope and header are an inference from the clients that read them (sevenbridges-python).
 *
 * Check: two small files are uploaded; a listing by `name` finds each one alone (its id), with the
 * header naming one match; a listing of both names with `limit=1` answers one item, and with
 * `offset=1` the other.
 */
import type { Check } from "../../check.ts";
import { bytesOf, call, targetOf, uniqueName, uploadSmallFile } from "./protocol.ts";

interface Listing {
  readonly items?: readonly { readonly id?: string; readonly name?: string }[];
}

export const cvFilesQuery: Check = {
  id: "CV-FILES-QUERY",
  protocol: "cavatica",
  title: "GET /files lists a project's files, by name, paged by limit and offset",
  async run(ctx) {
    const target = targetOf(ctx);
    const where =
      "project" in target
        ? `project=${encodeURIComponent(target.project)}`
        : `parent=${encodeURIComponent(target.parent)}`;
    const files = [];
    for (const label of ["files-query-a", "files-query-b"]) {
      const name = uniqueName(label);
      files.push(await uploadSmallFile(ctx, bytesOf(16, files.length), name, "", "CV-FILES-QUERY"));
    }
    const names = files.map((file) => `name=${encodeURIComponent(file.name)}`).join("&");
    for (const file of files) {
      const answer = await call(ctx, "GET", `/files?${where}&name=${encodeURIComponent(file.name)}`);
      if (answer.status !== 200) ctx.fail(`GET /files by name answered ${answer.status}, not 200`);
      const ids = (answer.json<Listing>()?.items ?? []).map((item) => item.id);
      if (ids.length !== 1 || ids[0] !== file.id)
        ctx.fail(`GET /files?name=${file.name} listed ${JSON.stringify(ids)}, not the one file ${file.id}`);
      const total = answer.headers.get("x-total-matching-query");
      if (total !== "1") ctx.fail(`X-Total-Matching-Query is ${JSON.stringify(total)}, not "1"`);
    }
    const seen = [];
    for (const offset of [0, 1]) {
      const answer = await call(ctx, "GET", `/files?${where}&${names}&limit=1&offset=${offset}`);
      const items = answer.json<Listing>()?.items ?? [];
      if (answer.status !== 200 || items.length !== 1)
        ctx.fail(
          `GET /files with limit=1&offset=${offset} answered ${answer.status} with ${items.length} items, not 1`,
        );
      seen.push(items[0]?.id);
    }
    const expected = files.map((file) => file.id).sort();
    if (JSON.stringify([...seen].sort()) !== JSON.stringify(expected))
      ctx.fail(`the two pages listed ${JSON.stringify(seen)}, not the two files ${JSON.stringify(expected)}`);
  },
};
