import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { UploadJournal } from "@partwise/client";
import fc from "fast-check";
import { afterAll, expect, test } from "vitest";
import { fileJournal } from "../src/journal.ts";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const journal = (parts: number): UploadJournal => ({
  format: "partwise.upload-journal",
  version: 1,
  protocol: "basespace",
  upload: { id: "42" },
  source: { size: parts * 10 },
  partSize: 10,
  parts: Object.fromEntries(
    Array.from({ length: parts }, (_, i) => [
      String(i + 1),
      { size: 10, md5: "0".repeat(32), etag: `e${i}` },
    ]),
  ),
});

test("concurrent saves land in call order, leave no temp file, and load returns the last one", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 20 }),
      async (sizes) => {
        const dir = await mkdtemp(join(tmpdir(), "partwise-journal-"));
        dirs.push(dir);
        const store = fileJournal(join(dir, "state.json"));
        await Promise.all(sizes.map((n) => store.save(journal(n))));
        expect(await store.load()).toEqual(journal(sizes.at(-1)!));
        expect(await readdir(dir)).toEqual(["state.json"]);
        expect(JSON.parse(await readFile(join(dir, "state.json"), "utf8"))).toEqual(journal(sizes.at(-1)!));
        await store.remove();
        expect(await store.load()).toBeUndefined();
      },
    ),
    { numRuns: 30 },
  );
});

test("a temp file left by a process killed between write and rename is replaced, then removed with the journal", async () => {
  const dir = await mkdtemp(join(tmpdir(), "partwise-journal-"));
  dirs.push(dir);
  const path = join(dir, "state.json");
  // What a SIGKILL after the temp write leaves behind.
  await writeFile(`${path}.tmp`, "{ half a jou");
  const store = fileJournal(path);
  await store.save(journal(2));
  expect((await readdir(dir)).sort()).toEqual(["state.json"]);
  await writeFile(`${path}.tmp`, "{ half a jou");
  await store.remove();
  expect(await readdir(dir)).toEqual([]);
});
