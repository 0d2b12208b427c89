/**
 * CV-FILE-METADATA (should): file metadata maps string keys (at most 100 UTF-8 bytes) to string
 * values (at most 300); PUT replaces the set, PATCH merges it (`null` removes a key); anything else
 * is refused with 400.
 * Source: https://docs.sevenbridges.com/reference/update-file-details, "Maximum length of a key is
 * 100 bytes (UTF-8 encoding)."; "Maximum length of a value is 300 bytes (UTF-8 encoding)."; the
 * answer's shape and the 400 are an inference from the clients that call it.
 *
 * Check: on a small uploaded file, PUT `{a, b}` then GET answers exactly `{a, b}`; PATCH
 * `{b: null, c}` leaves `{a, c}`; a 101-byte key is refused with a 4xx and the set is unchanged.
 */
import type { Check } from "../../check.ts";
import { bytesOf, call, isRefusal, uniqueName, uploadSmallFile } from "./protocol.ts";

function same(a: unknown, b: Record<string, string>): boolean {
  if (typeof a !== "object" || a === null) return false;
  const entries = Object.entries(a as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1));
  return JSON.stringify(entries) === JSON.stringify(Object.entries(b).sort(([x], [y]) => (x < y ? -1 : 1)));
}

export const cvFileMetadata: Check = {
  id: "CV-FILE-METADATA",
  protocol: "cavatica",
  title: "File metadata: PUT replaces, PATCH merges, keys over 100 bytes refused",
  async run(ctx) {
    const file = await uploadSmallFile(
      ctx,
      bytesOf(8, 3),
      uniqueName("file-metadata"),
      "",
      "CV-FILE-METADATA",
    );
    const path = `/files/${encodeURIComponent(file.id)}/metadata`;
    const expect = async (wanted: Record<string, string>, after: string) => {
      const answer = await call(ctx, "GET", path);
      if (answer.status !== 200 || !same(answer.json(), wanted))
        ctx.fail(
          `after ${after}, GET metadata answered ${answer.status} ${answer.text()}, not ${JSON.stringify(wanted)}`,
        );
    };
    const put = await call(ctx, "PUT", path, { body: { a: "1", b: "2" } });
    if (put.status !== 200) ctx.fail(`PUT metadata answered ${put.status}, not 200`);
    await expect({ a: "1", b: "2" }, "PUT {a, b}");
    const patch = await call(ctx, "PATCH", path, { body: { b: null, c: "3" } });
    if (patch.status !== 200) ctx.fail(`PATCH metadata answered ${patch.status}, not 200`);
    await expect({ a: "1", c: "3" }, "PATCH {b: null, c}");
    const long = await call(ctx, "PATCH", path, { body: { ["k".repeat(101)]: "v" } });
    if (!isRefusal(long.status)) ctx.fail(`a 101-byte metadata key answered ${long.status}, not a 4xx`);
    await expect({ a: "1", c: "3" }, "a refused 101-byte key");
  },
};
