/**
 * The real BaseSpace limits, once, with streaming bodies (generated as they are sent, never held
 * whole): 25 MiB = 26,214,400 bytes is the largest part (BS-PART-MAX-SIZE) and 5 MiB = 5,242,880
 * bytes the smallest non-final one (BS-PART-MIN-SIZE), from `basespaceServerLimits`.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import { basespaceServerLimits } from "../../src/index.ts";
import { Client, expectError, startServer, streamingBody, type TestServer } from "./helpers.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ limits: basespaceServerLimits });
});
afterAll(async () => {
  await s.close();
});

const MiB = 1024 * 1024;

async function md5OfStream(response: Response): Promise<{ hex: string; size: number }> {
  const hash = createHash("md5");
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { hex: hash.digest("hex"), size };
}

function md5OfFill(size: number, fill: number): string {
  const hash = createHash("md5");
  const chunk = new Uint8Array(64 * 1024).fill(fill);
  for (let left = size; left > 0; left -= chunk.length)
    hash.update(chunk.subarray(0, Math.min(left, chunk.length)));
  return hash.digest("hex");
}

test("BS-PART-MAX-SIZE: 26,214,400 bytes are accepted; 26,214,401 are refused with 413 while streaming, nothing stored", async () => {
  expect(basespaceServerLimits.maxPartSize).toBe(26_214_400);
  const client = new Client(s.base, "real-max");
  const file = await client.initiate("1", "max.bin");
  const accepted = await client.putPartRaw(file.Id, 1, streamingBody(25 * MiB, 1));
  expect(accepted.status).toBe(200);
  const part = (await accepted.json()) as { Response: { ETag: string; Size: number } };
  expect(part.Response).toEqual({ Number: 1, ETag: md5OfFill(25 * MiB, 1), Size: 25 * MiB });
  // Streamed without Content-Length: the server cannot know the size before the bytes pass the limit.
  await expectError(
    await client.putPartRaw(file.Id, 1, streamingBody(25 * MiB + 1, 2)),
    413,
    "BS-PART-MAX-SIZE",
  );
  // With a Content-Length that says so: refused before the body is read.
  await expectError(
    await client.putPartRaw(file.Id, 2, streamingBody(25 * MiB + 1, 3), {
      "content-length": String(25 * MiB + 1),
    }),
    413,
    "BS-PART-MAX-SIZE",
  );
  const done = await client.complete(file.Id);
  expect(done.Size).toBe(25 * MiB);
  const back = await md5OfStream(
    await fetch(`${s.base}/files/${file.Id}/content?redirect=false`, { headers: client.headers }),
  );
  expect(back).toEqual({ hex: md5OfFill(25 * MiB, 1), size: 25 * MiB });
});

test("BS-PART-MIN-SIZE: a 5,242,879-byte non-final part blocks completion; 5,242,880 + 1 byte completes", async () => {
  expect(basespaceServerLimits.minPartSize).toBe(5_242_880);
  const client = new Client(s.base, "real-min");
  const file = await client.initiate("2", "min.bin");
  expect((await client.putPartRaw(file.Id, 1, streamingBody(5 * MiB - 1, 4))).status).toBe(200);
  expect((await client.putPartRaw(file.Id, 2, streamingBody(1, 5))).status).toBe(200);
  await expectError(await client.statusRaw(file.Id, "complete"), 400, "BS-PART-MIN-SIZE");
  expect((await client.putPartRaw(file.Id, 1, streamingBody(5 * MiB, 4))).status).toBe(200);
  const done = await client.complete(file.Id);
  expect(done.Size).toBe(5 * MiB + 1);
  const expected = createHash("md5");
  const fill = new Uint8Array(64 * 1024).fill(4);
  for (let left = 5 * MiB; left > 0; left -= fill.length)
    expected.update(fill.subarray(0, Math.min(left, fill.length)));
  expected.update(new Uint8Array([5]));
  const back = await md5OfStream(
    await fetch(`${s.base}/files/${file.Id}/content?redirect=false`, { headers: client.headers }),
  );
  expect(back).toEqual({ hex: expected.digest("hex"), size: 5 * MiB + 1 });
});
