/**
 * The client killed with SIGKILL at a random point of a resumable upload with a file journal
 * (`fileJournal`, write-then-rename), then run again with the same journal: the upload finishes
 * byte-equal, with no second POST, and no chunk position the journal recorded as accepted is sent
 * again (the server's log is the witness). The client runs in a child process, the server here.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileJournal, fileSource, parseFaultSpec } from "@partwise/node";
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { upload } from "../../src/index.ts";
import {
  BT,
  chunkRequests,
  downloaded,
  posts,
  randomBytes,
  sameBytes,
  startHarness,
  TOKEN,
} from "./helpers.ts";

const CHUNK = 64 * 1024;
const CHUNKS = 12;
const packageDir = new URL("../../", import.meta.url).pathname;
const child = new URL("./fixtures/upload-child.ts", import.meta.url).pathname;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "partwise-yf-kill-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function spawnClient(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, ["--conditions=partwise-source", "--import", "tsx", child, ...args], {
    cwd: packageDir,
    stdio: ["ignore", "ignore", "inherit"],
  });
}

test("SIGKILL of the client at random points, rerun with the same journal: byte-equal, no journaled chunk re-sent", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 0, max: 30 }),
      async (after, extraMs) => {
        // Each chunk waits a little on the server, so the kill lands mid-upload.
        await using h = await startHarness({ faults: [parseFaultSpec("op=uploadChunk,delay=40")] });
        const bytes = randomBytes(CHUNKS * CHUNK + 17, after * 100 + extraMs);
        const file = join(dir, `kill-${after}-${extraMs}.bin`);
        const state = `${file}.state.json`;
        await writeFile(file, bytes);
        const first = spawnClient([h.base, TOKEN, file, state, String(CHUNK)]);
        const exited = once(first, "exit");
        const accepted = () => chunkRequests(h.log).filter((r) => r.status === 202).length;
        while (accepted() < after && first.exitCode === null) await new Promise((r) => setTimeout(r, 5));
        await new Promise((r) => setTimeout(r, extraMs));
        first.kill("SIGKILL");
        const [, signal] = (await exited) as [number | null, string | null];
        // The kill must land mid-upload, or the property tests nothing.
        expect(signal).toBe("SIGKILL");
        const journal = JSON.parse(await readFile(state, "utf8")) as { parts: Record<string, unknown> };
        // Runner part n is chunk position n - 1.
        const journaled = new Set(Object.keys(journal.parts).map((n) => Number(n) - 1));
        expect(journaled.size).toBeLessThan(CHUNKS + 1);
        const before = h.log.length;

        const source = await fileSource(file);
        try {
          const result = await upload(source, {
            client: h.client,
            businessTypeId: BT,
            name: "killed.bin",
            chunkSize: CHUNK,
            multipartThreshold: 0,
            concurrency: 2,
            journal: fileJournal(state),
            journalName: state,
          });
          expect(result).toMatchObject({ resumed: true, size: bytes.length, verified: true });
          const second = h.log.slice(before);
          expect(posts(second)).toHaveLength(0);
          const resent = chunkRequests(second)
            .map((r) => r.position)
            .filter((p) => journaled.has(p));
          expect(resent, `journaled ${[...journaled]}`).toEqual([]);
          expect(sameBytes(await downloaded(h.client, result.id), bytes)).toBe(true);
        } finally {
          await source.close();
        }
      },
    ),
    // Each run spawns a client (seconds on a loaded machine): the shared 30 s interrupt would stop
    // the property before its first run ends.
    { numRuns: 2, interruptAfterTimeLimit: 180_000 },
  );
}, 240_000);
