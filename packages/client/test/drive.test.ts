import { type SendPartCommand, UploadSession } from "@partwise/engine";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { Clock } from "../src/clock.ts";
import { driveUpload, type UploadDriver } from "../src/drive.ts";

/** A clock whose timers fire only when the test advances it. */
function fakeClock(): Clock & { advance(): boolean; pending(): number } {
  let now = 0;
  let timers: { at: number; fn: () => void }[] = [];
  return {
    now: () => now,
    setTimer(ms, fn) {
      const timer = { at: now + ms, fn };
      timers.push(timer);
      return () => {
        timers = timers.filter((t) => t !== timer);
      };
    },
    advance() {
      const next = timers.sort((a, b) => a.at - b.at).shift();
      if (!next) return false;
      now = Math.max(now, next.at);
      next.fn();
      return true;
    },
    pending: () => timers.length,
  };
}

const parts = (n: number) => Array.from({ length: n }, (_, i) => ({ number: i + 1, size: 10 + i }));
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

class Retryable extends Error {}

describe("driveUpload", () => {
  test("under any interleaving and retryable failures, keeps the concurrency bound, completes once with every ETag, and journals each part before the session records it", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        async (s, count, concurrency, failures) => {
          const clock = fakeClock();
          let active = 0;
          let maxActive = 0;
          let attempt = 0;
          const journal: number[] = [];
          const completes: { number: number; etag: string }[][] = [];
          const driver: UploadDriver = {
            async sendPart(command: SendPartCommand) {
              active++;
              maxActive = Math.max(maxActive, active);
              // The scheduler decides when each request "answers", so any interleaving is tried.
              await s.schedule(Promise.resolve(), `part ${command.number}`);
              active--;
              if (failures[attempt++ % failures.length]) throw new Retryable(`part ${command.number} failed`);
              return `etag-${command.number}`;
            },
            async complete(command) {
              await s.schedule(Promise.resolve(), "complete");
              completes.push([...command.parts]);
            },
            classify: (error) => ({ retryable: error instanceof Retryable }),
          };
          const session = new UploadSession({
            parts: parts(count),
            concurrency,
            retry: { maxRetriesPerPart: 1000, baseDelayMs: 10, maxDelayMs: 40 },
            random: () => 0.5,
          });
          let done = false;
          const run = driveUpload({
            session,
            driver,
            clock,
            onPartAccepted: (n) => {
              journal.push(n);
              expect(session.progress.partsDone).toBe(journal.length - 1);
            },
          }).then(() => {
            done = true;
          });
          for (let i = 0; i < 10_000 && !done; i++) {
            if (s.count() > 0) await s.waitOne();
            else if (!clock.advance()) await tick();
          }
          await run;
          expect(maxActive).toBeLessThanOrEqual(concurrency);
          expect(completes).toHaveLength(1);
          expect(completes[0]).toEqual(
            parts(count).map((p) => ({ number: p.number, etag: `etag-${p.number}` })),
          );
          expect([...journal].sort((a, b) => a - b)).toEqual(parts(count).map((p) => p.number));
        },
      ),
      { numRuns: 60 },
    );
  });

  test("a non-retryable failure rejects with that error, aborts on the server once and sends nothing more", async () => {
    const sent: number[] = [];
    let aborts = 0;
    const rule = new Error("BS-PART-NUMBER");
    const driver: UploadDriver = {
      async sendPart(command) {
        sent.push(command.number);
        if (command.number === 2) throw rule;
        return "e";
      },
      async complete() {
        throw new Error("must not complete");
      },
      async abortUpload() {
        aborts++;
      },
      classify: () => ({ retryable: false }),
    };
    const session = new UploadSession({ parts: parts(6), concurrency: 2, random: () => 0 });
    await expect(driveUpload({ session, driver })).rejects.toBe(rule);
    await tick();
    expect(aborts).toBe(1);
    expect(sent.length).toBeLessThanOrEqual(3);
    expect(session.state).toBe("failed");
  });

  test("an AbortSignal cancels requests in flight, aborts on the server and rejects with the reason", async () => {
    const controller = new AbortController();
    const signals: AbortSignal[] = [];
    let aborts = 0;
    const driver: UploadDriver = {
      sendPart(_command, signal) {
        signals.push(signal);
        return new Promise((_resolve, reject) =>
          signal.addEventListener("abort", () => reject(signal.reason)),
        );
      },
      async complete() {},
      async abortUpload() {
        aborts++;
      },
    };
    const session = new UploadSession({ parts: parts(5), concurrency: 3, random: () => 0 });
    const run = driveUpload({ session, driver, signal: controller.signal });
    await tick();
    const reason = new Error("user cancelled");
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    expect(signals).toHaveLength(3);
    expect(signals.every((s) => s.aborted)).toBe(true);
    expect(aborts).toBe(1);
    expect(session.state).toBe("aborted");
  });

  test("a journal that cannot record a part fails the upload instead of going on without resume data", async () => {
    const session = new UploadSession({ parts: parts(2), concurrency: 1, random: () => 0 });
    const driver: UploadDriver = { sendPart: async () => "e", complete: async () => {} };
    const disk = new Error("ENOSPC");
    await expect(
      driveUpload({
        session,
        driver,
        onPartAccepted: () => {
          throw disk;
        },
      }),
    ).rejects.toBe(disk);
  });

  test("an already aborted signal sends nothing", async () => {
    const controller = new AbortController();
    controller.abort(new Error("early"));
    let sent = 0;
    const driver: UploadDriver = {
      sendPart: async () => {
        sent++;
        return "e";
      },
      complete: async () => {},
    };
    await expect(
      driveUpload({
        session: new UploadSession({ parts: parts(2), random: () => 0 }),
        driver,
        signal: controller.signal,
      }),
    ).rejects.toThrow("early");
    expect(sent).toBe(0);
  });
});
