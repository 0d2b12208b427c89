/**
 * The runner against a scripted protocol (tus-js-client's approach: a transport whose every
 * answer is chosen by the test), so that the orderings faults produce — a status, a reset before
 * the server stored anything, an answer lost after it did, a corrupted body — are all tried, in
 * every request: start, parts, completion, look-up, verification.
 */
import { md5, toHex } from "@partwise/engine";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ClientError } from "../src/errors.ts";
import { memoryJournal } from "../src/journal.ts";
import type { RunJournal } from "../src/runner/journal-state.ts";
import { GaveUpError } from "../src/runner/retry.ts";
import { AbortUpload, type RunErrors, runUpload } from "../src/runner/run.ts";
import type { Lookup, UploadSteps } from "../src/runner/steps.ts";

class ScriptError extends ClientError {
  readonly code = "PW_SCRIPT";
}
const failure = (message: string, retryable: boolean) =>
  new ScriptError(message, { kind: "http", operation: "x", retryable });

type Outcome = "ok" | "status" | "reset" | "drop" | "corrupt";

/** A clock on which every timer fires at once, time jumping forward by its delay. */
function virtualClock() {
  let now = 1_000_000;
  return {
    now: () => now,
    setTimer(ms: number, fn: () => void) {
      const handle = setTimeout(() => {
        now += Math.max(0, ms);
        fn();
      }, 0);
      return () => clearTimeout(handle);
    },
  };
}

interface File {
  readonly id: string;
  readonly bytes: Uint8Array;
  readonly upload: string;
}

/** An in-memory server whose answers follow `script` (cycled), request by request. */
function scriptedServer(script: readonly Outcome[], options: { partEtags: boolean; firstLast: boolean }) {
  let at = 0;
  const next = (): Outcome => script[at++ % script.length] ?? "ok";
  const uploads = new Map<string, { parts: Map<number, Uint8Array>; done?: File; aborted?: boolean }>();
  const files = new Map<string, File>();
  const log: string[] = [];
  /** For each part sent (start and completion included), whether it came with its MD5. */
  const hashed: boolean[] = [];
  let ids = 0;
  /** Runs `apply` as the server would under the next outcome. */
  const serve = async <T>(what: string, body: Uint8Array | undefined, apply: (body?: Uint8Array) => T) => {
    const outcome = next();
    log.push(`${what}:${outcome}`);
    await Promise.resolve();
    if (outcome === "status") throw failure(`${what}: 503`, true);
    if (outcome === "reset") throw failure(`${what}: reset`, true);
    let received = body;
    if (outcome === "corrupt" && body && body.length > 0) {
      received = body.slice();
      received[0] = (received[0] ?? 0) ^ 0xff;
    }
    const answer = apply(received);
    if (outcome === "drop") throw failure(`${what}: answer lost`, true);
    return answer;
  };
  const assemble = (upload: { parts: Map<number, Uint8Array> }) => {
    const numbers = [...upload.parts.keys()].sort((a, b) => a - b);
    const size = numbers.reduce((sum, n) => sum + (upload.parts.get(n)?.length ?? 0), 0);
    const out = new Uint8Array(size);
    let offset = 0;
    for (const n of numbers) {
      const part = upload.parts.get(n) as Uint8Array;
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  };
  const steps: UploadSteps<{ id: string }, File, boolean> = {
    protocol: "scripted",
    limits: { minPartSize: 1, maxPartSize: 1 << 20, maxParts: 10_000, maxTotalSize: 1 << 30 },
    preferredPartSize: 100,
    concurrency: 3,
    startSendsFirstPart: options.firstLast,
    completeSendsLastPart: options.firstLast,
    needsFileMd5: !options.partEtags || options.firstLast,
    // Without part ETags nothing checks a part's MD5 (as YouForce's chunks): parts need none.
    hashParts: options.partEtags,
    async start(first) {
      if (first) hashed.push(first.md5 !== undefined);
      return serve("start", first?.bytes, (body) => {
        const id = `u${++ids}`;
        uploads.set(id, { parts: new Map(first && body ? [[1, body]] : []) });
        return { handle: { id } };
      });
    },
    async sendPart(handle, part) {
      hashed.push(part.md5 !== undefined);
      const stored = await serve(`part${part.number}`, part.bytes, (body) => {
        const upload = uploads.get(handle.id);
        if (!upload || upload.done || upload.aborted) throw failure("no such upload", false);
        upload.parts.set(part.number, body as Uint8Array);
        return body as Uint8Array;
      });
      if (!options.partEtags) return part.md5Hex ?? "";
      const etag = toHex(await md5(stored));
      if (etag !== part.md5Hex) throw failure(`part ${part.number}: ETag differs`, true);
      return etag;
    },
    async complete(handle, parts, last) {
      if (last) hashed.push(last.md5 !== undefined);
      return serve("complete", last?.bytes, (body) => {
        const upload = uploads.get(handle.id);
        if (!upload || upload.done || upload.aborted) throw failure("complete: no such upload", false);
        if (last && body) upload.parts.set(last.number, body);
        for (const p of parts) if (!upload.parts.has(p.number)) throw failure("a part is missing", false);
        const file = { id: `f${++ids}`, bytes: assemble(upload), upload: handle.id };
        upload.done = file;
        files.set(file.id, file);
        return file;
      });
    },
    async lookup(handle): Promise<Lookup<File>> {
      return serve("lookup", undefined, () => {
        const upload = handle && uploads.get(handle.id);
        if (!upload || upload.aborted) return { state: "gone" as const };
        if (upload.done) return { state: "completed" as const, result: upload.done };
        return { state: "open" as const };
      });
    },
    async verify(result, expected) {
      return serve("verify", undefined, () => {
        const stored = files.get(result.id);
        if (!stored || stored.bytes.length !== expected.size) return false;
        return true;
      }).then(async (sizeOk) => {
        const stored = files.get(result.id);
        if (!sizeOk || !stored) return false;
        if (expected.md5 !== undefined) return toHex(await md5(stored.bytes)) === expected.md5;
        return true;
      });
    },
    async discard(result) {
      await serve("discard", undefined, () => files.delete(result.id));
    },
    async abort(handle) {
      const upload = uploads.get(handle.id);
      if (upload) upload.aborted = true;
    },
    parseHandle: (value) => value as { id: string },
    parseResult: (value) => ({
      ...(value as File),
      bytes: new Uint8Array(Object.values((value as File).bytes)),
    }),
  };
  return { steps, files, uploads, log, hashed };
}

const errors: RunErrors = {
  usage: (message) => failure(message, false),
  aborted: (_reason, paused) => failure(paused ? "paused" : "aborted", false),
  corrupt: (message) => failure(message, false),
};

const bytesOf = (size: number, seed: number) => {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed * 7) & 0xff;
  return out;
};

const outcome = fc.constantFrom<Outcome>("ok", "ok", "ok", "ok", "status", "reset", "drop", "corrupt");

describe("runUpload over a scripted protocol", () => {
  test("resolves only with the source's bytes stored, one visible file, whatever the faults; reruns with the journal finish the job", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(outcome, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 950 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 6 }),
        async (script, size, partEtags, firstLast, retries) => {
          const server = scriptedServer(script, { partEtags, firstLast });
          const source = new Blob([bytesOf(size, script.length)]);
          const journal = memoryJournal();
          const clock = virtualClock();
          let stored: File | undefined;
          for (let run = 0; run < 12 && stored === undefined; run++) {
            try {
              const done = await runUpload({
                source,
                steps: server.steps,
                errors,
                journal,
                retry: { retries },
                clock,
                random: () => 0.5,
              });
              stored = done.result;
            } catch (error) {
              expect(error instanceof ScriptError || error instanceof GaveUpError, String(error)).toBe(true);
            }
          }
          const expected = new Uint8Array(await source.arrayBuffer());
          if (stored === undefined) return; // every run failed: nothing claimed
          const file = server.files.get(stored.id);
          expect(file, `log ${server.log.join(" ")}`).toBeDefined();
          expect(Buffer.compare(Buffer.from(file?.bytes ?? []), Buffer.from(expected))).toBe(0);
          expect(server.files.size, "a corrupt copy stayed visible or a duplicate was made").toBe(1);
          expect(journal.current, "the journal is removed once verified").toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });

  test("with enough retries, one run survives any script that eventually answers", async () => {
    await fc.assert(
      fc.asyncProperty(
        // Corruption is property 1's: a corrupted start or close chunk may recur on every upload.
        fc.array(fc.constantFrom<Outcome>("ok", "status", "reset", "drop"), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 700 }),
        fc.boolean(),
        async (script, size, firstLast) => {
          // "ok" as the script's last word guarantees progress (the cycle always reaches it).
          const server = scriptedServer([...script, "ok", "ok", "ok"], { partEtags: true, firstLast });
          const source = new Blob([bytesOf(size, 3)]);
          const done = await runUpload({
            source,
            steps: server.steps,
            errors,
            retry: { retries: 200, retryForMs: 1e12 },
            clock: virtualClock(),
            random: () => 0.5,
          });
          const file = server.files.get(done.result.id);
          expect(Buffer.compare(Buffer.from(file?.bytes ?? []), Buffer.from(bytesOf(size, 3)))).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  test("steps with hashParts: false get parts without their MD5 unless a journal records them; the whole-file MD5 still verifies", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<Outcome>("ok", "status", "reset", "drop", "corrupt"), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.integer({ min: 1, max: 700 }),
        fc.boolean(),
        fc.boolean(),
        async (script, size, firstLast, journaled) => {
          // The cycle is long enough that a corrupted part recurs in no re-upload the runner makes.
          const quiet = Array.from({ length: 200 }, (): Outcome => "ok");
          const server = scriptedServer([...script, ...quiet], { partEtags: false, firstLast });
          const source = new Blob([bytesOf(size, 5)]);
          const done = await runUpload({
            source,
            steps: server.steps,
            errors,
            ...(journaled ? { journal: memoryJournal() } : {}),
            retry: { retries: 200, retryForMs: 1e12 },
            clock: virtualClock(),
            random: () => 0.5,
          });
          const file = server.files.get(done.result.id);
          expect(Buffer.compare(Buffer.from(file?.bytes ?? []), Buffer.from(bytesOf(size, 5)))).toBe(0);
          expect(server.hashed.length).toBeGreaterThan(0);
          expect(new Set(server.hashed), `parts hashed with journal=${journaled}`).toEqual(
            new Set([journaled]),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  test("a rerun after a completion whose answer was lost finds the file and uploads nothing", async () => {
    const server = scriptedServer(["ok"], { partEtags: true, firstLast: false });
    const journal = memoryJournal();
    const source = new Blob([bytesOf(450, 1)]);
    // First run: every request fails after the completion is applied.
    const complete = server.steps.complete;
    let failed = false;
    const steps = {
      ...server.steps,
      async complete(...args: Parameters<typeof complete>) {
        await complete(...args);
        failed = true;
        throw failure("answer lost", false);
      },
      lookup: async () => {
        throw failure("look-up refused", false);
      },
    };
    await expect(runUpload({ source, steps, errors, journal, clock: virtualClock() })).rejects.toThrow();
    expect(failed).toBe(true);
    expect((journal.current as RunJournal | undefined)?.stage).toBe("completing");
    const before = server.log.length;
    const done = await runUpload({ source, steps: server.steps, errors, journal, clock: virtualClock() });
    expect(server.files.size).toBe(1);
    expect(done.resumed).toBe(true);
    expect(server.log.slice(before).filter((l) => l.startsWith("part"))).toEqual([]);
  });

  test("a signal with a journal pauses (journal and server upload kept); AbortUpload aborts", async () => {
    for (const reason of [new Error("interrupt"), new AbortUpload()]) {
      const server = scriptedServer(["ok"], { partEtags: true, firstLast: false });
      const journal = memoryJournal();
      const controller = new AbortController();
      const steps = {
        ...server.steps,
        async sendPart(...args: Parameters<typeof server.steps.sendPart>) {
          if (args[1].number === 3) controller.abort(reason);
          return server.steps.sendPart(...args);
        },
      };
      const run = runUpload({
        source: new Blob([bytesOf(900, 2)]),
        steps,
        errors,
        journal,
        signal: controller.signal,
        clock: virtualClock(),
      });
      const paused = !(reason instanceof AbortUpload);
      await expect(run).rejects.toThrow(paused ? "paused" : "aborted");
      const upload = [...server.uploads.values()][0];
      expect(upload?.aborted === true).toBe(!paused);
      expect(journal.current !== undefined).toBe(paused);
    }
  });

  test("a changed source is refused, naming the journal", async () => {
    const server = scriptedServer(["ok"], { partEtags: true, firstLast: false });
    const journal = memoryJournal();
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await runUpload({
      source: new Blob([bytesOf(500, 1)]),
      steps: server.steps,
      errors,
      journal,
      signal: controller.signal,
    }).catch(() => {});
    await journal.save({ ...(journal.current as NonNullable<typeof journal.current>) });
    await expect(
      runUpload({
        source: new Blob([bytesOf(500, 2)]),
        steps: server.steps,
        errors,
        journal,
        journalName: "state.json",
      }),
    ).rejects.toThrow(/source changed since the journal state\.json/);
  });
});
