/**
 * Comments in shipped sources (packages/*\/src, which every tarball carries) cite only what ships:
 * rule ids, RFC sections, public URLs — not the repository's internal design notes or issue numbers,
 * which users of the packages cannot read.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const INTERNAL = /DESIGN\.md|STYLE\.md|\bissue \d+/i;

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "generated") yield* sources(path);
    } else if (/\.(ts|js|mjs)$/.test(entry.name)) yield path;
  }
}

describe("shipped sources cite only what ships", () => {
  const packages = readdirSync(join(root, "packages"));
  const files = packages.flatMap((p) => [...sources(join(root, "packages", p, "src"))]);

  test("there are sources to look at", () => {
    expect(files.length).toBeGreaterThan(100);
  });

  test("no comment cites DESIGN.md, STYLE.md or an issue number", () => {
    const hits = files.flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .flatMap((line, i) =>
          INTERNAL.test(line) ? [`${relative(root, file)}:${i + 1}: ${line.trim()}`] : [],
        ),
    );
    expect(hits).toEqual([]);
  });
});
