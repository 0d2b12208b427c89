import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test, vi } from "vitest";

// Every ```ts block of the README is a runnable example: it is written to a module and imported,
// so an example that no longer compiles against the API or throws fails here. The expected
// output of each example is checked below, so a comment that lies fails too.
const readme = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const dir = fileURLToPath(new URL("./.readme/", import.meta.url));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const expected: Record<number, unknown[][] | undefined> = {
  1: [[{ method: "PUT", received: 5 }]],
  2: [["ECONNRESET"]],
  3: [["b83efdf205672c8c86b66f525569da27"]],
  4: [
    [10, "3d47698d7dac2a1a96afd2c1ac28e142"],
    ["one, par"],
    ["PW_STORE_BLOB_TOO_LARGE", 1024],
    [{ parts: 2, state: "complete" }, ["upload-1"]],
  ],
  5: [
    [1, 16, "the quick brown "],
    [2, 16, "fox jumps over t"],
    [3, 11, "he lazy dog"],
  ],
  6: [[[200, 503, 503, 200]]],
  7: [["https://app.example", "ETag, Location, Retry-After, Content-Range, Content-Length"]],
  8: [
    ["PUT /v1pre3/files/7/parts/1 x-access-token: [redacted]"],
    ['{"access_token":"[redacted]","token_type":"Bearer"}'],
    ["http://localhost/files/1?access_token=[redacted]&x=1"],
    ["the token is [redacted]"],
  ],
  9: [
    ["PUT", "/parts/1?access_token=[redacted]", 503, "status"],
    [1, 503, null],
    ["PUT", "/parts/1?access_token=[redacted]", 200, ""],
    [2, 200, '"4b3a6218bb3e3a7303e8a171a60fcf92"'],
  ],
};

describe("README examples", () => {
  test("there are examples", () => {
    expect(blocks.length).toBe(Object.keys(expected).length);
  });

  test.each(blocks.map((code, i) => [i + 1, code] as const))(
    "example %i runs and prints what it says",
    async (n, code) => {
      mkdirSync(dir, { recursive: true });
      const file = `${dir}example-${n}.ts`;
      writeFileSync(file, `${code}\nexport {};\n`);
      const log = vi.spyOn(console, "log").mockImplementation(() => {});
      try {
        await import(/* @vite-ignore */ file);
        expect(log.mock.calls).toEqual(expected[n]);
      } finally {
        log.mockRestore();
      }
    },
  );
});
