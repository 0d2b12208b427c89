import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test, vi } from "vitest";

// Every ```ts block of the README is a runnable example: it is written to a module and imported,
// so an example that no longer compiles against the API or throws fails here.
const readme = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const dir = fileURLToPath(new URL("./.readme/", import.meta.url));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("README examples", () => {
  test("there are examples", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });

  test.each(blocks.map((code, i) => [i + 1, code] as const))("example %i runs", async (n, code) => {
    mkdirSync(dir, { recursive: true });
    const file = `${dir}example-${n}.ts`;
    writeFileSync(file, `${code}\nexport {};\n`);
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      await import(/* @vite-ignore */ file);
      expect(log).toHaveBeenCalled();
    } finally {
      log.mockRestore();
    }
  });
});
