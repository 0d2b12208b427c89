/**
 * No module of a package imports its own barrel (`src/index.ts`), and relative imports that stay
 * at run time (type-only imports are erased) form no cycle. A module that imports the barrel pulls
 * the whole package into whatever imports it (a Node server into the browser client's graph, say)
 * and makes the order modules evaluate in depend on which one is imported first.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

/** Relative imports and re-exports a module keeps at run time (not `import type`/`export type`). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found: string[] = [];
  const statement = /^(import|export)\s+(type\s+)?([^;]*?)\s+from\s+"(\.[^"]+)";/gms;
  for (const match of text.matchAll(statement)) {
    const [, , typeOnly, clause = "", target = ""] = match;
    if (typeOnly) continue;
    // `import { type A, type B } from` is erased too.
    const names = /^\{([^}]*)\}$/.exec(clause.trim())?.[1];
    if (
      names
        ?.split(",")
        .map((name) => name.trim())
        .filter(Boolean)
        .every((name) => name.startsWith("type "))
    )
      continue;
    found.push(resolve(dirname(file), target));
  }
  for (const match of text.matchAll(/^import\s+"(\.[^"]+)";/gm))
    found.push(resolve(dirname(file), match[1]!));
  return found;
}

const packages = readdirSync(join(root, "packages")).map((name) => join(root, "packages", name, "src"));

describe("imports inside each package", () => {
  test("no module imports its package's barrel", () => {
    const hits = packages.flatMap((src) => {
      const barrel = join(src, "index.ts");
      return [...sources(src)]
        .filter((file) => file !== barrel && runtimeImports(file).includes(barrel))
        .map((file) => relative(root, file));
    });
    expect(hits).toEqual([]);
  });

  test("run-time imports form no cycle", () => {
    const cycles: string[] = [];
    for (const src of packages) {
      const graph = new Map([...sources(src)].map((file) => [file, runtimeImports(file)]));
      const state = new Map<string, "open" | "done">();
      const stack: string[] = [];
      const visit = (file: string): void => {
        if (state.get(file) === "done") return;
        if (state.get(file) === "open") {
          cycles.push(
            stack
              .slice(stack.indexOf(file))
              .concat(file)
              .map((f) => relative(root, f))
              .join(" > "),
          );
          return;
        }
        state.set(file, "open");
        stack.push(file);
        for (const next of graph.get(file) ?? []) if (graph.has(next)) visit(next);
        stack.pop();
        state.set(file, "done");
      };
      for (const file of graph.keys()) visit(file);
    }
    expect(cycles).toEqual([]);
  });
});
