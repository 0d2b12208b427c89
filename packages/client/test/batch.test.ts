/**
 * `uploadBatch` and the shared request slots, in-process over a small in-memory protocol (the
 * real-socket batches against the reference servers are in @partwise/cli's tests): one limit
 * across files, one state a rerun resumes from, one outcome per file.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type BatchState, BatchStateError, type BatchStore, uploadBatch } from "../src/batch.ts";
import { ClientError } from "../src/errors.ts";
import { runUpload } from "../src/runner/run.ts";
import { createRequestSlots, withSlot } from "../src/runner/slots.ts";
import type { Lookup, UploadSteps } from "../src/runner/steps.ts";

class MemError extends ClientError {
  readonly code = "PW_MEM";
}
const fail = (message: string) => new MemError(message, { kind: "usage", operation: "x", retryable: false });

/** A server in memory: uploads of parts, files; counts parts in flight over every upload. */
function memoryServer(options: { partDelay?: () => Promise<void>; stopAfterParts?: () => void } = {}) {
  const uploads = new Map<string, Map<number, Uint8Array>>();
  const files = new Map<string, Uint8Array>();
  let ids = 0;
  let inFlight = 0;
  const stats = { maxInFlight: 0, parts: 0 };
  const steps: UploadSteps<{ id: string }, { id: string; size: number }> = {
    protocol: "memory",
    limits: { minPartSize: 1, maxPartSize: 1 << 20, maxParts: 10_000, maxTotalSize: 1 << 30 },
    preferredPartSize: 100,
    concurrency: 4,
    async start() {
      const id = `u${++ids}`;
      uploads.set(id, new Map());
      return { handle: { id } };
    },
    async sendPart(handle, part, ctx) {
      inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
      try {
        await (options.partDelay?.() ?? Promise.resolve());
        if (ctx.signal.aborted) throw ctx.signal.reason;
        uploads.get(handle.id)?.set(part.number, part.bytes.slice());
        stats.parts += 1;
        options.stopAfterParts?.();
        return part.md5Hex;
      } finally {
        inFlight -= 1;
      }
    },
    async complete(handle) {
      const parts = uploads.get(handle.id);
      if (!parts) throw fail("no upload");
      const numbers = [...parts.keys()].sort((a, b) => a - b);
      const bytes = new Uint8Array(numbers.reduce((s, n) => s + (parts.get(n)?.length ?? 0), 0));
      let at = 0;
      for (const n of numbers) {
        bytes.set(parts.get(n) as Uint8Array, at);
        at += (parts.get(n) as Uint8Array).length;
      }
      const id = `f${++ids}`;
      files.set(id, bytes);
      return { id, size: bytes.length };
    },
    async lookup(handle): Promise<Lookup<{ id: string; size: number }>> {
      return handle && uploads.has(handle.id) ? { state: "open" } : { state: "gone" };
    },
    async verify(result, expected) {
      return files.get(result.id)?.length === expected.size;
    },
    parseHandle: (value) => value as { id: string },
    parseResult: (value) => value as { id: string; size: number },
  };
  return { steps, files, stats };
}

const errors = {
  usage: (message: string) => fail(message),
  aborted: (_reason: unknown, paused: boolean) => fail(paused ? "paused" : "aborted"),
  corrupt: (message: string) => fail(message),
};

function memoryStore(): BatchStore & { current: BatchState | undefined; saves: number } {
  const store = {
    current: undefined as BatchState | undefined,
    saves: 0,
    async load() {
      return store.current === undefined ? undefined : structuredClone(store.current);
    },
    async save(state: BatchState) {
      store.saves += 1;
      store.current = structuredClone(state);
    },
    async remove() {
      store.current = undefined;
    },
  };
  return store;
}

const bytesOf = (size: number, seed: number) =>
  Uint8Array.from({ length: size }, (_, i) => (i * 13 + seed) & 0xff);

describe("request slots", () => {
  test("never more holders than the limit, every waiter served, an aborted waiter leaves no slot taken", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.record({ hold: fc.nat(5), abort: fc.boolean() }), { minLength: 1, maxLength: 20 }),
        async (limit, tasks) => {
          const slots = createRequestSlots(limit);
          let max = 0;
          let served = 0;
          const controllers = tasks.map(() => new AbortController());
          const runs = tasks.map((task, i) =>
            withSlot(slots, (controllers[i] as AbortController).signal, async () => {
              max = Math.max(max, slots.inUse);
              for (let t = 0; t < task.hold; t++) await Promise.resolve();
              served += 1;
            }).catch(() => "aborted"),
          );
          // Waiters marked to abort give up while others hold the slots.
          tasks.forEach((task, i) => {
            if (task.abort && i >= limit) controllers[i]?.abort(new Error("stop"));
          });
          const results = await Promise.all(runs);
          expect(max).toBeLessThanOrEqual(limit);
          expect(served + results.filter((r) => r === "aborted").length).toBe(tasks.length);
          expect(slots.inUse).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("uploadBatch", () => {
  test("parts of several files share one limit: no more in flight than `concurrency`, whatever each file's own", async () => {
    const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1));
    const server = memoryServer({ partDelay: tick });
    const files = [0, 1, 2].map((i) => ({ key: `f${i}`, size: 450 + i, bytes: bytesOf(450 + i, i) }));
    const { outcomes } = await uploadBatch({
      files,
      concurrency: 2,
      upload: async (file, ctx) =>
        (
          await runUpload({
            source: new Blob([file.bytes]),
            steps: server.steps,
            errors,
            slots: ctx.slots,
            signal: ctx.signal,
            onProgress: ctx.onProgress,
          })
        ).result,
    });
    expect(outcomes.map((o) => o.status)).toEqual(["uploaded", "uploaded", "uploaded"]);
    expect(server.stats.maxInFlight).toBe(2);
    for (const [i, o] of outcomes.entries())
      if (o.status === "uploaded") expect(server.files.get(o.result.id)).toEqual(files[i]?.bytes);
  });

  test("one state: a rerun skips finished files, retries the failed one, resumes the paused one from its parts", async () => {
    const store = memoryStore();
    const controller = new AbortController();
    let partsBeforeStop = 3;
    const server = memoryServer({
      stopAfterParts: () => {
        partsBeforeStop -= 1;
        if (partsBeforeStop === 0) controller.abort(new Error("Ctrl-C"));
      },
    });
    let broken = true;
    const files = [
      { key: "bad", size: 10, mtimeMs: 1 },
      { key: "small", size: 50, mtimeMs: 1 },
      { key: "big", size: 1000, mtimeMs: 1 },
      { key: "later", size: 20, mtimeMs: 1 },
    ];
    const uploadedKeys: string[] = [];
    const run = (signal?: AbortSignal) =>
      uploadBatch({
        files,
        concurrency: 1,
        state: store,
        target: { where: "here" },
        signal,
        upload: async (file, ctx) => {
          uploadedKeys.push(file.key);
          if (file.key === "bad" && broken) throw new Error("cannot read bad: EACCES");
          return (
            await runUpload({
              source: new Blob([bytesOf(file.size, file.size)]),
              steps: server.steps,
              errors,
              journal: ctx.journal,
              slots: ctx.slots,
              signal: ctx.signal,
            })
          ).result;
        },
      });
    const first = await run(controller.signal);
    expect(first.interrupted).toBe(true);
    expect(first.outcomes.map((o) => o.status)).toEqual(["failed", "uploaded", "interrupted", "not-started"]);
    expect(store.current?.files.big?.journal).toBeDefined();
    const partsFirst = server.stats.parts;

    broken = false;
    uploadedKeys.length = 0;
    const second = await run();
    expect(second.outcomes.map((o) => o.status)).toEqual(["uploaded", "skipped", "uploaded", "uploaded"]);
    expect(uploadedKeys).toEqual(["bad", "big", "later"]);
    // `big` (10 parts) sent only the parts the first run had not had accepted.
    const bigParts = server.stats.parts - partsFirst - 1 - 1;
    expect(bigParts).toBeLessThan(10);
    expect(store.current?.files.big?.journal).toBeUndefined();

    // The state stays: a third run uploads nothing, unless a file changed (size or time).
    uploadedKeys.length = 0;
    files[3] = { key: "later", size: 20, mtimeMs: 2 };
    const third = await run();
    expect(third.outcomes.map((o) => o.status)).toEqual(["skipped", "skipped", "skipped", "uploaded"]);
    expect(uploadedKeys).toEqual(["later"]);
  });

  test("a state written for another target is refused before anything is uploaded", async () => {
    const store = memoryStore();
    const files = [{ key: "a", size: 1 }];
    await uploadBatch({ files, state: store, target: { project: "p1" }, upload: async () => ({ id: "x" }) });
    let called = false;
    await expect(
      uploadBatch({
        files,
        state: store,
        stateName: "s.json",
        target: { project: "p2" },
        upload: async () => {
          called = true;
          return { id: "y" };
        },
      }),
    ).rejects.toThrow(BatchStateError);
    expect(called).toBe(false);
  });
});
