import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerLogEntry } from "@partwise/node";
import { createBasespaceServer } from "@partwise/protocol-basespace/server";
import { createCavaticaServer } from "@partwise/protocol-cavatica/server";
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { partwise, runPartwise } from "./helpers.ts";

// Crash and resume (issue 5): `partwise upload --state FILE` is killed with SIGKILL at a random
// point and rerun with the same state; the upload completes byte-equal, and no part that the
// journal had recorded as accepted is sent again (the server's log is the witness).

const MiB = 1024 * 1024;
const TOKEN = "crash-token";
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "partwise-crash-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const PROTOCOLS = {
  basespace: {
    create: createBasespaceServer,
    basePath: "/v1pre3",
    flags: ["--app-result", "5"],
    part: (e: ServerLogEntry) =>
      e.op === "uploadFilePart" && e.status === 200 ? Number(/\/parts\/(\d+)/.exec(e.path)?.[1]) : undefined,
    download: async (base: string, id: string) =>
      fetch(`${base}/files/${id}/content?redirect=false`, { headers: { "x-access-token": TOKEN } }),
  },
  cavatica: {
    create: createCavaticaServer,
    basePath: "/v2",
    flags: ["--project", "crash/test"],
    part: (e: ServerLogEntry) =>
      e.op === "storagePutPart" && e.status === 200 ? Number(/\/parts\/(\d+)/.exec(e.path)?.[1]) : undefined,
    download: async (base: string, id: string) => {
      const info = (await (
        await fetch(`${base}/files/${id}/download_info`, { headers: { "x-sbg-auth-token": TOKEN } })
      ).json()) as {
        url: string;
      };
      return fetch(info.url);
    },
  },
} as const;

test.each(Object.keys(PROTOCOLS) as (keyof typeof PROTOCOLS)[])(
  "%s: SIGKILL at random points, rerun with the same --state, byte-equal and no journaled part re-sent",
  async (protocol) => {
    const p = PROTOCOLS[protocol];
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 40 }),
        async (afterParts, extraMs) => {
          const log: ServerLogEntry[] = [];
          const server = await p.create({ tokens: [TOKEN], log: (e) => log.push(e) });
          try {
            const base = `${(await server.listen()).url}${p.basePath}`;
            const bytes = randomBytes(8 * 5 * MiB + 99);
            const file = join(dir, `${protocol}-${afterParts}-${extraMs}.bin`);
            const state = `${file}.state.json`;
            await writeFile(file, bytes);
            const args = [
              "upload",
              file,
              "--protocol",
              protocol,
              "--base-url",
              base,
              ...p.flags,
              "--part-size",
              String(5 * MiB),
              "--concurrency",
              "2",
              "--state",
              state,
              "--json",
            ];

            const first = partwise(args, { PARTWISE_TOKEN: TOKEN });
            first.stdout.resume();
            first.stderr.resume();
            const accepted = () => log.map(p.part).filter((n) => n !== undefined).length;
            while (accepted() < afterParts && first.exitCode === null)
              await new Promise((r) => setTimeout(r, 5));
            await new Promise((r) => setTimeout(r, extraMs));
            first.kill("SIGKILL");
            const [, signal] = await once(first, "exit");
            // The kill must land mid-upload, or the property tests nothing.
            expect(signal).toBe("SIGKILL");
            const journal = JSON.parse(await readFile(state, "utf8").catch(() => "{}")) as {
              parts?: Record<string, unknown>;
            };
            const journaled = new Set(Object.keys(journal.parts ?? {}).map(Number));
            expect(journaled.size).toBeLessThan(8);
            const before = log.length;

            const second = await runPartwise(args, { PARTWISE_TOKEN: TOKEN });
            expect(second.code, second.stderr).toBe(0);
            const result = JSON.parse(second.stdout) as { id: string; size: number };
            expect(result.size).toBe(bytes.length);
            const resent = log
              .slice(before)
              .map(p.part)
              .filter((n): n is number => n !== undefined && journaled.has(n));
            expect(resent, `journaled ${[...journaled]}`).toEqual([]);
            const download = Buffer.from(await (await p.download(base, result.id)).arrayBuffer());
            expect(download.equals(bytes)).toBe(true);
          } finally {
            await server.close();
          }
        },
      ),
      // Each run spawns the command twice (many seconds on a loaded machine): the shared 30 s
      // interrupt would stop the property before its first run ends ("interrupted after 0 tests").
      { numRuns: 3, interruptAfterTimeLimit: 180_000 },
    );
  },
  240_000,
);
