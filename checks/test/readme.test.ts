/**
 * README code runs as written on every supported Node: each ```js/```ts block of the root and every
 * package README, with its types stripped (TypeScript's transpileModule, syntax kept as written),
 * must parse as an ES module on the Node running this test (CI runs it on 20, 22 and 24), and uses
 * no syntax Node 20 lacks, such as explicit resource management (`await using`). Most examples are
 * executed by each package's own readme test; the protocol packages' reference-server examples,
 * which are whole programs, are executed here.
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, describe, expect, test, vi } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const readmes = [
  "README.md",
  ...readdirSync(join(root, "packages"))
    .map((dir) => `packages/${dir}/README.md`)
    .filter((path) => existsSync(join(root, path))),
];
const blocks = readmes.flatMap((path) => {
  const text = readFileSync(join(root, path), "utf8");
  return [...text.matchAll(/^```(js|mjs|ts|typescript)\n([\s\S]*?)^```/gm)].map((m) => {
    const before = text.slice(0, m.index);
    const headings = [...before.matchAll(/^(#{2,3}) (.*)$/gm)];
    const section = headings.filter((h) => h[1] === "##").at(-1)?.[2];
    const subsection = headings.at(-1)?.[1] === "###" ? headings.at(-1)?.[2] : undefined;
    return {
      where: `${path}:${before.split("\n").length}`,
      path,
      heading: `${section} / ${subsection}`,
      lang: m[1] as string,
      code: m[2] as string,
    };
  });
});
const dir = mkdtempSync(join(tmpdir(), "partwise-readme-"));
const examples = fileURLToPath(new URL("./.readme-examples/", import.meta.url));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(examples, { recursive: true, force: true });
});

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

describe("the reference servers' examples run", () => {
  const servers = blocks.filter(
    (b) => b.path.includes("packages/protocol-") && b.heading === "Reference server / Example",
  );

  test("each protocol README has one", () => {
    expect(servers.map((b) => b.path).sort()).toEqual([
      "packages/protocol-basespace/README.md",
      "packages/protocol-cavatica/README.md",
      "packages/protocol-youforce/README.md",
    ]);
  });

  test.each(servers.map((b) => [b.where, b] as const))("%s runs and prints", async (where, block) => {
    // Inside the repository, so the example's imports resolve to the workspace packages.
    mkdirSync(examples, { recursive: true });
    const file = join(examples, `${where.replace(/[/:.]/g, "_")}.ts`);
    writeFileSync(file, `${block.code}\nexport {};\n`);
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      await import(/* @vite-ignore */ file);
      expect(log).toHaveBeenCalled();
      expect(log.mock.calls.flat().join(" ")).not.toMatch(/undefined/);
    } finally {
      log.mockRestore();
    }
  });
});
