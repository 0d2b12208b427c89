/**
 * CV-BOOLEAN-QUERY (should): the boolean query flags `overwrite` and `list_parts` also accept
 * `True`, as sevenbridges-python sends them.
 * Source: inference from sevenbridges-python (Python `requests` serialises `True` as
 * `overwrite=True`); the documents say "Boolean: true or false", so a server that takes only those
 * is faithful too (the strict reading does).
 *
 * Check: a small file is uploaded, then replaced by an upload of the same name with
 * `overwrite=True`, which completes and holds the new bytes; an upload with one reported part lists
 * it with `list_parts=True`.
 */
import type { Check } from "../../check.ts";
import { sameBytes } from "./init-overwrite.ts";
import {
  bytesOf,
  call,
  download,
  initUpload,
  seedOf,
  sendPart,
  uniqueName,
  uploadPath,
  uploadSmallFile,
} from "./protocol.ts";

export const cvBooleanQuery: Check = {
  id: "CV-BOOLEAN-QUERY",
  protocol: "cavatica",
  title: "overwrite=True and list_parts=True are taken as true, as sevenbridges-python sends them",
  async run(ctx) {
    const name = uniqueName("boolean");
    const seed = seedOf(ctx);
    await uploadSmallFile(ctx, bytesOf(100, seed), name, "", "CV-BOOLEAN-QUERY");
    const bytes = bytesOf(200, seed + 1);
    const file = await uploadSmallFile(ctx, bytes, name, "?overwrite=True", "CV-BOOLEAN-QUERY");
    if (!sameBytes(await download(ctx, file.id), bytes))
      ctx.fail(`after overwrite=True the file named ${JSON.stringify(name)} does not hold the new bytes`);

    const upload = await initUpload(ctx, { name: uniqueName("boolean") });
    await sendPart(ctx, upload.upload_id, 1, bytesOf(64, seed + 2));
    const answer = await call(ctx, "GET", uploadPath(upload.upload_id, "?list_parts=True"));
    if (answer.status !== 200)
      return ctx.fail(`details with list_parts=True answered ${answer.status}, not 200`);
    const parts = answer.json<{ parts?: { part_number?: unknown }[] }>()?.parts;
    if (!Array.isArray(parts) || !parts.some((part) => part.part_number === 1))
      ctx.fail("details with list_parts=True do not list the reported part 1");
  },
};
