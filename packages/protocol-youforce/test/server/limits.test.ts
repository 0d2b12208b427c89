/**
 * The real limits of the default reading, with streaming bodies: MB read as MiB (YF-SIZE-UNIT), so
 * 100 MiB of multipart file content are stored and 100 MiB + 1 refused with 413
 * (YF-MULTIPART-MAX-SIZE); resumable chunks of 9 MiB are accepted (the PowerShell client's 9 MiB
 * chunks) and 9 MiB + 1 refused (YF-RESUMABLE-CHUNK-SIZE, -LIMIT). The strict reading's decimal
 * limits are in readings.test.ts. The server runs in a child process so its peak memory can be
 * read: it must not grow with the file size.
 */
import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { kill, spawnServer } from "./child.ts";
import { auth, encoder, expectError, list, TOKEN } from "./helpers.ts";

const MB100 = 100 * 1024 * 1024;
const MB9 = 9 * 1024 * 1024;

let child: ChildProcess;
let base: string;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "partwise-yf-limits-"));
  ({ child, base } = await spawnServer(dataDir, {}));
});
afterAll(async () => {
  await kill(child);
  await rm(dataDir, { recursive: true, force: true });
});

/** `size` pseudo-random bytes as a stream of 1 MiB chunks, hashed as they are produced. */
function contentStream(
  size: number,
  seed: number,
): { stream: ReadableStream<Uint8Array>; md5: () => string } {
  const block = new Uint8Array(1 << 20).map((_, i) => (i * 2654435761 + seed) >>> 24);
  const hash = createHash("md5");
  let sent = 0;
  let index = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= size) return controller.close();
      const n = Math.min(block.length, size - sent);
      const chunk = block.slice(0, n);
      if (n >= 4) new DataView(chunk.buffer).setUint32(0, index++ ^ seed); // no two chunks alike
      hash.update(chunk);
      sent += n;
      controller.enqueue(chunk);
    },
  });
  return { stream, md5: () => hash.digest("hex") };
}

/** A multipart/related body around a streamed media part. */
function streamedUpload(
  size: number,
  seed: number,
  name: string,
): { body: ReadableStream<Uint8Array>; md5: () => string } {
  const content = contentStream(size, seed);
  const head = encoder.encode(
    `--b\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{"FileName":"${name}","BusinessTypeId":7100}\r\n--b\r\n\r\n`,
  );
  const tail = encoder.encode("\r\n--b--");
  const reader = content.stream.getReader();
  let state: "head" | "media" | "done" = "head";
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (state === "head") {
        state = "media";
        return controller.enqueue(head);
      }
      if (state === "done") return controller.close();
      const { done, value } = await reader.read();
      if (done) {
        state = "done";
        return controller.enqueue(tail);
      }
      controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { body, md5: content.md5 };
}

async function md5Of(response: Response): Promise<string> {
  const hash = createHash("md5");
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
  return hash.digest("hex");
}

/** Peak resident memory of the server process (Linux), in bytes. */
async function peakRss(): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${child.pid}/status`, "utf8");
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

function post(body: ReadableStream<Uint8Array>, uploadType = "multipart"): Promise<Response> {
  return fetch(`${base}/files?uploadType=${uploadType}`, {
    method: "POST",
    headers: { ...auth(TOKEN), "content-type": "multipart/related; boundary=b" },
    body,
    duplex: "half",
  } as RequestInit);
}

test("YF-MULTIPART-MAX-SIZE, YF-SIZE-UNIT: 100 MiB stream in and back byte-equal; 100 MiB + 1 are refused with 413; memory stays flat", async () => {
  // Warm up, so the baseline includes what any upload allocates.
  const warm = streamedUpload(2_000_000, 9, "warm.bin");
  expect((await post(warm.body)).status).toBe(201);
  const baseline = await peakRss();

  const upload = streamedUpload(MB100, 1, "hundred.bin");
  const response = await post(upload.body);
  const file = (await response.json()) as { id: string; size: number };
  expect(response.status).toBe(201);
  expect(file.size).toBe(MB100);
  const download = await fetch(`${base}/files/${file.id}?role=publisher`, { headers: auth(TOKEN) });
  expect(download.headers.get("content-length")).toBe(String(MB100));
  expect(await md5Of(download)).toBe(upload.md5());

  const tooBig = streamedUpload(MB100 + 1, 2, "over.bin");
  await expectError(await post(tooBig.body), 413, "YF-MULTIPART-MAX-SIZE");
  expect((await list(base)).body.data.map((d) => d.fileName).sort()).toEqual(["hundred.bin", "warm.bin"]);

  const peak = await peakRss();
  if (baseline !== undefined && peak !== undefined) expect(peak - baseline).toBeLessThan(80 * 1024 * 1024);
});

test("YF-RESUMABLE-CHUNK-SIZE, YF-SIZE-UNIT: chunks of 9 MiB (9,437,184 bytes) are accepted and of 9 MiB + 1 refused with 413", async () => {
  const first = streamedUpload(MB9, 3, "chunked.bin");
  const started = await post(first.body, "resumable");
  const { uploadToken } = (await started.json()) as { uploadToken: string };
  expect(started.status).toBe(201);
  await expectError(
    await post(streamedUpload(MB9 + 1, 4, "x.bin").body, "resumable"),
    413,
    "YF-RESUMABLE-CHUNK-SIZE",
  );

  const put = (position: number, content: ReadableStream<Uint8Array>, close = false) =>
    fetch(
      `${base}/files?uploadType=resumable&uploadToken=${uploadToken}&position=${position}${close ? "&close=true" : ""}`,
      {
        method: "PUT",
        headers: { ...auth(TOKEN), "content-type": "application/octet-stream" },
        body: content,
        duplex: "half",
      } as RequestInit,
    );
  const second = contentStream(MB9, 5);
  expect((await put(1, second.stream)).status).toBe(202);
  await expectError(await put(2, contentStream(MB9 + 1, 6).stream), 413, "YF-RESUMABLE-CHUNK-SIZE");
  const last = contentStream(1234, 7);
  const closed = await put(2, last.stream, true);
  const file = (await closed.json()) as { id: string; size: number; numChunks: number };
  expect(closed.status).toBe(201);
  expect(file).toMatchObject({ size: 2 * MB9 + 1234, numChunks: 3 });
  const download = await fetch(`${base}/files/${file.id}?role=publisher`, {
    headers: { ...auth(TOKEN), range: `bytes=${MB9}-` },
  });
  expect(download.status).toBe(206);
  const tail = createHash("md5");
  for await (const chunk of download.body as unknown as AsyncIterable<Uint8Array>) tail.update(chunk);
  const expected = createHash("md5");
  // Re-create chunks 1 and 2 to compare the downloaded tail (positions 1..2).
  for (const [size, seed] of [
    [MB9, 5],
    [1234, 7],
  ] as const) {
    const reader = contentStream(size, seed).stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      expected.update(value);
    }
  }
  expect(tail.digest("hex")).toBe(expected.digest("hex"));
});
