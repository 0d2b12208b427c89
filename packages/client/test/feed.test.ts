import { md5, UploadSession } from "@partwise/engine";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { driveUpload } from "../src/drive.ts";
import { createPartFeed, fingerprintSource } from "../src/feed.ts";

const limits = { minPartSize: 8, maxPartSize: 64, maxParts: 1000, maxTotalSize: 64_000 };

async function* chunked(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const cut of cuts) {
    if (at >= bytes.length) break;
    yield bytes.slice(at, at + cut);
    at += cut;
  }
  if (at < bytes.length) yield bytes.slice(at);
}

describe("createPartFeed + driveUpload", () => {
  test("a Blob and a stream of the same bytes upload the same bytes, parts in order of number", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(fc.integer({ min: 1, max: 90 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        async (bytes, cuts, concurrency, asStream) => {
          const feed = createPartFeed(asStream ? chunked(bytes, cuts) : new Blob([bytes]), { limits });
          const session = new UploadSession({
            parts: feed.known,
            openEnded: feed.openEnded,
            concurrency,
            random: () => 0,
          });
          const received = new Map<number, Uint8Array>();
          let completed: number[] = [];
          await driveUpload({
            session,
            driver: {
              async sendPart(command) {
                const part = await feed.read(command.number);
                expect(part.md5).toEqual(await md5(part.bytes));
                received.set(command.number, part.bytes.slice());
                return `etag-${command.number}`;
              },
              async complete(command) {
                completed = command.parts.map((p) => p.number);
              },
              nextPart: () => feed.next(),
            },
            onPartAccepted: (n) => feed.release(n),
          });
          const joined = completed.flatMap((n) => [...received.get(n)!]);
          expect(Uint8Array.from(joined)).toEqual(bytes);
          expect(completed).toEqual([...completed].sort((a, b) => a - b));
        },
      ),
      { numRuns: 80 },
    );
  });

  test("fingerprints differ when the content at either end changes", async () => {
    const a = new Uint8Array(200_000).fill(1);
    const b = a.slice();
    b[199_999] = 2;
    const fa = await fingerprintSource(new Blob([a]));
    expect(fa.size).toBe(200_000);
    expect(fa.sample).not.toBe((await fingerprintSource(new Blob([b]))).sample);
    expect(fa.sample).toBe((await fingerprintSource(new Blob([a.slice()]))).sample);
  });
});
