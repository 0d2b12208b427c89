/**
 * CV-INIT-OVERWRITE (must): a name that already exists in the target is refused with 409 unless
 * the query has `overwrite=true`, which replaces the file.
 * Source: https://docs.cancergenomicscloud.org/reference/initialize-a-multipart-upload
 *
 * Check: a small file is uploaded; a second init of the same name answers 409; an upload of the
 * same name with `overwrite=true`, and then one with `overwrite=True` (as Python `requests` sends
 * it), complete, and each time the name's file holds the new bytes: read back byte for byte, and
 * the replaced file, when it had another id, is gone (404).
 */
import type { Check } from "../../check.ts";
import {
  bytesOf,
  call,
  download,
  seedOf,
  targetOf,
  tryInit,
  uniqueName,
  uploadSmallFile,
} from "./protocol.ts";

const sameBytes = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((byte, i) => byte === b[i]);

export const cvInitOverwrite: Check = {
  id: "CV-INIT-OVERWRITE",
  protocol: "cavatica",
  title: "Init of an existing name is refused with 409 unless overwrite=true, which replaces the file",
  async run(ctx) {
    const name = uniqueName("overwrite");
    const seed = seedOf(ctx);
    const sizeOf = () => 1 + Math.floor(ctx.random() * 2048);
    let previous = await uploadSmallFile(ctx, bytesOf(sizeOf(), seed), name, "", "CV-INIT-OVERWRITE");

    const again = await tryInit(ctx, { ...targetOf(ctx), name });
    if (again.status !== 409)
      ctx.fail(
        `init of the existing name ${JSON.stringify(name)} without overwrite answered ${again.status}, not 409`,
      );

    for (const [index, flag] of ["true", "True"].entries()) {
      const bytes = bytesOf(sizeOf(), seed + 1 + index);
      const file = await uploadSmallFile(ctx, bytes, name, `?overwrite=${flag}`, "CV-INIT-OVERWRITE");
      const read = await download(ctx, file.id);
      if (!sameBytes(read, bytes))
        ctx.fail(
          `after overwrite=${flag} the file named ${JSON.stringify(name)} does not hold the new bytes`,
        );
      if (file.id !== previous.id) {
        const old = await call(ctx, "GET", `/files/${encodeURIComponent(previous.id)}`);
        if (old.status !== 404)
          ctx.fail(
            `after overwrite=${flag} the replaced file ${previous.id} still answers ${old.status}, not 404`,
          );
      }
      previous = file;
    }
  },
};
