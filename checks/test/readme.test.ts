/**
 * README code runs as written on every supported Node: each ```js/```ts block of the root and every
 * package README, with its types stripped (TypeScript's transpileModule, syntax kept as written),
 * must parse as an ES module on the Node running this test (CI runs it on 20, 22 and 24), and uses
 * no syntax Node 20 lacks, such as explicit resource management (`await using`). The examples'
 * behaviour is executed by each package's own readme test.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const readmes = [
  "README.md",
  ...readdirSync(join(root, "packages"))
    .map((dir) => `packages/${dir}/README.md`)
    .filter((path) => existsSync(join(root, path))),
];
const blocks = readmes.flatMap((path) => {
  const text = readFileSync(join(root, path), "utf8");
  return [...text.matchAll(/^```(js|mjs|ts|typescript)\n([\s\S]*?)^```/gm)].map((m) => ({
    where: `${path}:${text.slice(0, m.index).split("\n").length}`,
    lang: m[1] as string,
    code: m[2] as string,
  }));
});
const dir = mkdtempSync(join(tmpdir(), "partwise-readme-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The block as plain JavaScript: types removed, everything else as written. */
function javascript(code: string, lang: string): string {
  if (lang === "js" || lang === "mjs") return code;
  return ts.transpileModule(code, {
    compilerOptions: {
      target: ts.ScriptTarget.ESNext,
      module: ts.ModuleKind.ESNext,
      verbatimModuleSyntax: false,
    },
  }).outputText;
}

describe(`README code blocks on Node ${process.version}`, () => {
  test("there are blocks in the package READMEs", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(40);
  });

  test.each(blocks.map((b) => [b.where, b] as const))("%s parses as written on this Node", (where, block) => {
    expect(block.code, `${where}: explicit resource management is not in Node 20`).not.toMatch(
      /^\s*(await\s+)?using\s+[A-Za-z_$]/m,
    );
    const file = join(dir, `${where.replace(/[/:.]/g, "_")}.mjs`);
    writeFileSync(file, javascript(block.code, block.lang));
    const check = spawnSync(process.execPath, ["--check", file], { encoding: "utf8" });
    expect(check.stderr, where).toBe("");
    expect(check.status, where).toBe(0);
  });
});
