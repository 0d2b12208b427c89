/**
 * Malformed input — garbage bodies, truncated bodies, bad JSON, odd query values, huge headers,
 * connections cut mid-body — gets a 4xx in the error envelope, never a 500 and never a crash.
 */
import { connect } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import {
  auth,
  expectError,
  list,
  putChunk,
  relatedBody,
  startResumable,
  startServer,
  type TestServer,
  uploadOk,
} from "./helpers.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ multipartMaxSize: 8192, chunkMaxSize: 4096 });
});
afterAll(() => server.close());

test("garbage bodies and content types on POST /files answer 4xx with the envelope", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 2000 }),
      fc.oneof(
        fc.constant("multipart/related; boundary=b"),
        fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, "")),
      ),
      fc.constantFrom("multipart", "resumable", "", "x"),
      async (body, contentType, uploadType) => {
        const response = await fetch(`${server.base}/files?uploadType=${uploadType}`, {
          method: "POST",
          headers: { ...auth(), "content-type": contentType },
          body,
        });
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        await expectError(response, response.status);
      },
    ),
    { numRuns: 60 },
  );
});

test("every truncation and every single-byte corruption of a valid body answers 201 or a 4xx envelope", async () => {
  const whole = relatedBody("some file content", {
    boundary: "b",
    metadata: { FileName: "t.txt", BusinessTypeId: 1 },
  });
  await fc.assert(
    fc.asyncProperty(
      fc.nat({ max: whole.length }),
      fc.option(fc.tuple(fc.nat({ max: whole.length - 1 }), fc.integer({ min: 0, max: 255 }))),
      async (cut, flip) => {
        const body = whole.slice(0, cut);
        if (flip && flip[0] < body.length) body[flip[0]] = flip[1];
        const response = await fetch(`${server.base}/files?uploadType=multipart`, {
          method: "POST",
          headers: { ...auth(), "content-type": "multipart/related; boundary=b" },
          body,
        });
        if (response.status === 201) await response.body?.cancel();
        else await expectError(response, response.status);
        expect(response.status).toBeLessThan(500);
      },
    ),
    { numRuns: 80 },
  );
});

test("odd query values and paths answer 4xx envelopes", async () => {
  const token = await startResumable(server.base, "zero");
  const cases: [string, string, number][] = [
    ["PUT", `/files?uploadType=resumable&uploadToken=${token}&position=1e3`, 400],
    ["PUT", `/files?uploadType=multipart&uploadToken=${token}&position=1`, 400],
    ["PUT", `/files?uploadType=resumable&uploadToken=%00%ff&position=1`, 404],
    ["PUT", `/files?uploadType=resumable&position=1`, 400],
    ["GET", "/files", 400],
    ["GET", "/files?role=admin", 400],
    ["GET", "/files?role=publisher&pageSize=0", 400],
    ["GET", "/files?role=publisher&pageSize=1001", 400],
    ["GET", "/files?role=publisher&pageIndex=-1", 400],
    ["GET", "/files?role=publisher&pageIndex=abc", 400],
    ["GET", "/files?role=publisher&$orderBy=fileName", 400],
    ["GET", "/files?role=publisher&$filter=fileName eq", 400],
    ["GET", "/files?role=publisher&$filter=status eq 'all'", 400],
    ["GET", "/files?role=publisher&$filter=(fileName eq 'a'", 400],
    ["GET", "/files?role=publisher&$filter=fileName eq 'a' xor fileName eq 'b'", 400],
    ["GET", "/files?role=publisher&$filter=uploadDate gt yesterday", 400],
    ["GET", "/files?role=publisher&$filter=businessType eq 'abc'", 400],
    ["GET", "/files?role=publisher&$filter=startsWith(uploadDate,'a')", 400],
    ["GET", `/files?role=publisher&$filter=${"(".repeat(100)}fileName eq 'a'${")".repeat(100)}`, 400],
    ["GET", `/files?role=publisher&$filter=${"a".repeat(5000)}`, 400],
    ["GET", "/files/not-a-guid?role=publisher", 404],
    ["GET", `/files/%E0%A4%A?role=publisher`, 404],
    ["GET", `/files/${crypto.randomUUID()}?role=owner`, 400],
    ["DELETE", `/files/${crypto.randomUUID()}?role=nobody`, 400],
  ];
  for (const [method, path, status] of cases)
    await expectError(
      await fetch(`${server.base}${path}`, {
        method,
        headers: auth(),
        ...(method === "PUT" ? { body: "x" } : {}),
      }),
      status,
    );
  expect((await putChunk(server.base, token, 1, "x", { close: true })).status).toBe(201);
});

test("a connection cut mid-body stores nothing and the server keeps serving", async () => {
  const url = new URL(server.base);
  const before = (await list(server.base)).body.count;
  const head = relatedBody("", { boundary: "b", metadata: { FileName: "cut.txt", BusinessTypeId: 1 } });
  await new Promise<void>((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(
        `POST /v1.0/files?uploadType=multipart HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer alice\r\nContent-Type: multipart/related; boundary=b\r\nContent-Length: 100000\r\n\r\n`,
      );
      socket.write(head.slice(0, head.length - 8));
      setTimeout(() => socket.destroy(), 20);
    });
    socket.on("close", () => resolve());
    socket.on("error", reject);
  });
  expect((await list(server.base)).body.count).toBe(before);
  await uploadOk(server.base, "still serving");
});

test("a client that goes away mid-body is answered 400 (in the log), never 500, for a chunk and a multipart upload", async () => {
  const entries: { op: string | undefined; status: number | "reset" }[] = [];
  await using logged = await startServer({ log: (entry) => entries.push(entry) });
  const token = await startResumable(logged.base, "chunk zero");
  const url = new URL(logged.base);
  const cut = (head: string, body: Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(head);
        socket.write(body, () => setTimeout(() => socket.destroy(), 20));
      });
      socket.on("close", () => resolve());
      socket.on("error", reject);
    });
  const authorization = auth().authorization;
  await cut(
    `PUT /v1.0/files?uploadType=resumable&uploadToken=${token}&position=1 HTTP/1.1\r\nHost: x\r\nAuthorization: ${authorization}\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n`,
    new Uint8Array(5000).fill(7),
  );
  const head = relatedBody("", { boundary: "b", metadata: { FileName: "cut.txt", BusinessTypeId: 1 } });
  await cut(
    `POST /v1.0/files?uploadType=multipart HTTP/1.1\r\nHost: x\r\nAuthorization: ${authorization}\r\nContent-Type: multipart/related; boundary=b\r\nContent-Length: 100000\r\n\r\n`,
    head.slice(0, head.length - 8),
  );
  for (let tries = 0; entries.length < 3 && tries < 500; tries++) await new Promise((r) => setTimeout(r, 10));
  // The two cut requests may finish in either order; each must be a 400.
  expect(entries.map((entry) => `${entry.op} ${entry.status}`).sort()).toEqual(
    ["uploadChunk 400", "uploadFile 201", "uploadFile 400"].sort(),
  );
  // Nothing of either was kept: the session still closes with the chunk at position 1 sent whole.
  expect((await putChunk(logged.base, token, 1, "one", { close: true })).status).toBe(201);
});

test("a huge request header section is refused, not a crash", async () => {
  const response = await fetch(`${server.base}/files?role=publisher`, {
    headers: { ...auth(), "x-filler": "a".repeat(64 * 1024) },
  }).catch(() => undefined);
  if (response) {
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  }
  expect((await fetch(`${server.base}/files?role=publisher`, { headers: auth() })).status).toBe(200);
});
