/**
 * CV-INIT-OVERWRITE (must): a name that already exists in the target cannot be uploaded again
 * without `overwrite=true`: the init or, at the latest, the completion is refused; with
 * `overwrite=true` the new file replaces the old one.
 * Source: https://sb-biodatacatalyst.readme.io/docs/initialize-a-multipart-upload, name "must be
 * unique in the project, unless you are also enabling the overwrite query parameter"; "If overwrite
 * is set to true and a file already exists under the name specified in the request, the existing
 * file will be deleted and a new one created in its place."
 *
 * Check: a small file is uploaded. An upload of the same name without `overwrite` must be refused
 * (any 4xx; the platform answers 409) at its init or, if the server takes the init, at its
 * completion, and the first file still holds its bytes. An upload of the same name with
 * `overwrite=true` (the documented spelling; `True` is CV-BOOLEAN-QUERY) completes, the name's file
 * holds the new bytes, and the replaced file, when it had another id, is gone (404).
 */
import type { Check } from "../../check.ts";
import {
  abortUpload,
  bytesOf,
  call,
  completeUpload,
  download,
  isRefusal,
  isSuccess,
  seedOf,
  sendPart,
  targetOf,
  tryInit,
  uniqueName,
  uploadSmallFile,
} from "./protocol.ts";

export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);

export const cvInitOverwrite: Check = {
  id: "CV-INIT-OVERWRITE",
  protocol: "cavatica",
  title: "An existing name is refused without overwrite=true, and replaced with it",
  async run(ctx) {
    const name = uniqueName("overwrite");
    const seed = seedOf(ctx);
    const sizeOf = () => 1 + Math.floor(ctx.random() * 2048);
    const first = bytesOf(sizeOf(), seed);
    const previous = await uploadSmallFile(ctx, first, name, "", "CV-INIT-OVERWRITE");

    const again = await tryInit(ctx, { ...targetOf(ctx), name });
    if (isSuccess(again.status)) {
      // The server may leave the name to the completion, which must then be refused.
      const id = again.json<{ upload_id?: string }>()?.upload_id;
      if (typeof id !== "string") return ctx.fail("the second init answered no upload_id");
      await sendPart(ctx, id, 1, bytesOf(sizeOf(), seed + 7));
      const completed = await completeUpload(ctx, id);
      if (!isRefusal(completed.status))
        ctx.fail(
          `a second upload of the existing name ${JSON.stringify(name)} without overwrite completed (${completed.status}): neither its init nor its completion was refused`,
        );
      await abortUpload(ctx, id);
    } else if (!isRefusal(again.status))
      ctx.fail(`init of the existing name without overwrite answered ${again.status}, not a refusal (409)`);
    if (!sameBytes(await download(ctx, previous.id), first))
      ctx.fail("after the refused second upload without overwrite, the first file no longer holds its bytes");

    const bytes = bytesOf(sizeOf(), seed + 1);
    const file = await uploadSmallFile(ctx, bytes, name, "?overwrite=true", "CV-INIT-OVERWRITE");
    if (!sameBytes(await download(ctx, file.id), bytes))
      ctx.fail(`after overwrite=true the file named ${JSON.stringify(name)} does not hold the new bytes`);
    if (file.id !== previous.id) {
      const old = await call(ctx, "GET", `/files/${encodeURIComponent(previous.id)}`);
      if (old.status !== 404)
        ctx.fail(
          `after overwrite=true the replaced file ${previous.id} still answers ${old.status}, not 404`,
        );
    }
  },
};
