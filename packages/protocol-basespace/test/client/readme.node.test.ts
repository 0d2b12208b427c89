/**
 * Every ```ts block of the README's "Client and uploader" section is a runnable example: each is
 * written to a module with `baseUrl` and `token` of a fresh reference server prepended, and
 * imported, so an example that no longer compiles against the API, throws, or logs nothing fails.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { serve, type TestServer, TOKEN } from "../upload/support.ts";

const readme = readFileSync(fileURLToPath(new URL("../../README.md", import.meta.url)), "utf8");
const section = readme.slice(readme.indexOf("## Client and uploader"));
const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const dir = fileURLToPath(new URL("./.readme/", import.meta.url));

let s: TestServer;
beforeEach(async () => {
  s = await serve({ limits: undefined });
});
afterEach(() => s.close());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("README: Client and uploader", () => {
  test("the section has an example for the client, uploads, abort, resume and errors", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(6);
  });

  test.each(blocks.map((code, i) => [i + 1, code] as const))("example %i runs", async (n, code) => {
    mkdirSync(dir, { recursive: true });
    const file = `${dir}example-${n}-${Date.now()}.ts`;
    const prelude = `const baseUrl = ${JSON.stringify(s.base)};\nconst token = ${JSON.stringify(TOKEN)};\n`;
    // Imports must stay first in a module: put the prelude after the last import line.
    const lines = code.split("\n");
    const lastImport = lines.reduce((last, line, i) => (/^import\b|^} from /.test(line) ? i : last), -1);
    lines.splice(lastImport + 1, 0, prelude);
    writeFileSync(file, `${lines.join("\n")}\nexport {};\n`);
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      await import(/* @vite-ignore */ file);
      expect(log).toHaveBeenCalled();
    } finally {
      log.mockRestore();
    }
  });
});
