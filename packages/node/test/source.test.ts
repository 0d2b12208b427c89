/** fileSource: positioned reads of any range, in any order, concurrently, from one handle. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fileSource } from "../src/index.ts";
import { md5Hex, patternBytes } from "./helpers.ts";

let dir: string;
const bytes = patternBytes(1_000_003, 13);
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "partwise-source-test-"));
  await writeFile(join(dir, "file.bin"), bytes);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("fileSource", () => {
  test("knows the file's path, size and modification time", async () => {
    await using source = await fileSource(join(dir, "file.bin"));
    expect(source.path).toBe(join(dir, "file.bin"));
    expect(source.size).toBe(bytes.length);
    expect(source.mtimeMs).toBeGreaterThan(0);
  });

  test("any set of ranges, read concurrently, returns exactly those bytes", async () => {
    const source = await fileSource(join(dir, "file.bin"));
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.nat({ max: 300_000 })), {
            minLength: 1,
            maxLength: 8,
          }),
          async (ranges) => {
            const reads = await Promise.all(ranges.map(([offset, length]) => source.read(offset, length)));
            for (const [i, [offset, length]] of ranges.entries()) {
              const expected = bytes.subarray(offset, Math.min(offset + length, bytes.length));
              expect(md5Hex(reads[i]!)).toBe(md5Hex(expected));
            }
          },
        ),
        { numRuns: 30 },
      );
    } finally {
      await source.close();
    }
  });

  test("a read past the end is short, so the engine can tell a truncated file", async () => {
    const source = await fileSource(join(dir, "file.bin"));
    expect((await source.read(bytes.length - 10, 100)).length).toBe(10);
    expect((await source.read(bytes.length + 5, 100)).length).toBe(0);
    expect((await source.read(0, 0)).length).toBe(0);
    await source.close();
    await source.close();
  });

  test("a missing file rejects", async () => {
    await expect(fileSource(join(dir, "missing.bin"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("fileSource readInto", () => {
  test("fills the caller's buffer from any offset; fewer bytes only at the end", async () => {
    await using source = await fileSource(join(dir, "file.bin"));
    const target = new Uint8Array(300_000);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: bytes.length }), fc.nat({ max: 300_000 }), async (offset, length) => {
        const view = target.subarray(0, length);
        const filled = await source.readInto(offset, view);
        const expected = bytes.subarray(offset, Math.min(offset + length, bytes.length));
        expect(filled).toBe(expected.length);
        expect(md5Hex(view.subarray(0, filled))).toBe(md5Hex(expected));
      }),
      { numRuns: 40 },
    );
  });
});
