/**
 * The README's "Client and uploader" examples are runnable: each ```ts block is written to a module
 * and imported with `CAVATICA_URL` and `SBG_AUTH_TOKEN` pointing at a reference server with the
 * spec's real limits, so an example that no longer compiles against the API, or throws, fails here.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { type Cavatica, startCavatica, TOKEN } from "./helpers.ts";

const readme = readFileSync(fileURLToPath(new URL("../../README.md", import.meta.url)), "utf8");
const section = readme.slice(readme.indexOf("## Client and uploader"), readme.indexOf("## Reference server"));
const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const dir = fileURLToPath(new URL("./.readme-examples/", import.meta.url));

let h: Cavatica;
const saved = { url: process.env.CAVATICA_URL, token: process.env.SBG_AUTH_TOKEN };
beforeAll(async () => {
  h = await startCavatica();
  process.env.CAVATICA_URL = h.baseUrl;
  process.env.SBG_AUTH_TOKEN = TOKEN;
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const [key, value] of [
    ["CAVATICA_URL", saved.url],
    ["SBG_AUTH_TOKEN", saved.token],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await h.close();
});

describe("README examples of the client and uploader", () => {
  test("there are examples: client, Blob, file, abort, resume, errors", () => {
    expect(blocks.length).toBe(6);
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

  test("the examples talked to the server: uploads completed, the aborted one deleted", async () => {
    expect(h.log.filter((e) => e.op === "completeUpload" && e.status === 200).length).toBeGreaterThanOrEqual(
      4,
    );
    expect(h.log.filter((e) => e.op === "abortUpload").map((e) => e.status)).toEqual([204]);
    expect((await h.client.listUploads()).items).toEqual([]);
  });
});
