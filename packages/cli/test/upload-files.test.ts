import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { collectFiles, type LocalFile, placeFiles } from "../src/upload-files.ts";
import { UsageError } from "../src/usage.ts";

// Which files `partwise upload PATH... --recursive` finds and where each goes, per protocol;
// refusals happen here, before the batch sends anything.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "partwise-files-"));
  await mkdir(join(dir, "runs", "lane1", "deep"), { recursive: true });
  await writeFile(join(dir, "runs", "a.fq"), "a");
  await writeFile(join(dir, "runs", "lane1", "b.fq"), "bb");
  await writeFile(join(dir, "runs", "lane1", "deep", "c.fq"), "ccc");
  await symlink(join(dir, "runs", "lane1"), join(dir, "runs", "link-to-dir"));
  await symlink(join(dir, "nowhere"), join(dir, "runs", "dangling.fq"));
  await writeFile(join(dir, "single.txt"), "s");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("collectFiles", () => {
  test("a directory's files by relative path (sorted), links to directories left out, a dangling link kept (it fails when sent)", async () => {
    const { files, warnings } = await collectFiles([join(dir, "runs"), join(dir, "single.txt")], true);
    expect(files.map((f) => [f.relative, f.size])).toEqual([
      ["a.fq", 1],
      ["dangling.fq", 0],
      ["lane1/b.fq", 2],
      ["lane1/deep/c.fq", 3],
      ["single.txt", 1],
    ]);
    expect(warnings).toEqual([`${join(dir, "runs", "link-to-dir")} links to a directory; not followed`]);
  });

  test("a directory without --recursive, a missing path and - among several are usage errors", async () => {
    await expect(collectFiles([join(dir, "runs")], false)).rejects.toThrow(/is a directory: add --recursive/);
    await expect(collectFiles([join(dir, "missing")], true)).rejects.toThrow(/cannot read .*missing: ENOENT/);
    await expect(collectFiles([join(dir, "single.txt"), "-"], true)).rejects.toThrow(UsageError);
  });

  test("the same file named twice is uploaded once", async () => {
    const { files } = await collectFiles([join(dir, "single.txt"), join(dir, "single.txt")], false);
    expect(files).toHaveLength(1);
  });
});

describe("placeFiles", () => {
  const found = async () => (await collectFiles([join(dir, "runs")], true)).files.filter((f) => f.size > 0);

  test("basespace: relative directories under --directory", async () => {
    const placed = placeFiles("basespace", await found(), { directory: "batch", flatten: false });
    expect(placed.map((f) => [f.directory, f.name])).toEqual([
      ["batch", "a.fq"],
      ["batch/lane1", "b.fq"],
      ["batch/lane1/deep", "c.fq"],
    ]);
    const bare = placeFiles("basespace", await found(), { flatten: false });
    expect(bare.map((f) => f.remote)).toEqual(["a.fq", "lane1/b.fq", "lane1/deep/c.fq"]);
  });

  test("youforce: flat base names; two files with one name are refused, naming both", async () => {
    expect(
      placeFiles("youforce", await found(), { flatten: false }).map((f) => [f.directory, f.name]),
    ).toEqual([
      [undefined, "a.fq"],
      [undefined, "b.fq"],
      [undefined, "c.fq"],
    ]);
    const first = (await found())[0] as LocalFile;
    const twice = [...(await found()), { ...first, path: "/elsewhere/a.fq", key: "/elsewhere/a.fq" }];
    expect(() => placeFiles("youforce", twice, { flatten: false })).toThrow(
      `${join(dir, "runs", "a.fq")} and /elsewhere/a.fq would both be uploaded as a.fq (youforce names are flat)`,
    );
  });

  test("cavatica: files in subdirectories refused without --flatten, flat base names with it", async () => {
    const files = await found();
    expect(() => placeFiles("cavatica", files, { flatten: false })).toThrow(
      /lane1.b\.fq is in a subdirectory \(lane1\).*--flatten/,
    );
    expect(placeFiles("cavatica", await found(), { flatten: true }).map((f) => f.name)).toEqual([
      "a.fq",
      "b.fq",
      "c.fq",
    ]);
  });
});
