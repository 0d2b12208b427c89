/**
 * Malformed input — bad JSON, wrong types, truncated bodies, garbage requests, huge headers,
 * random junk on every route — gets a 4xx in the error envelope, never a 500 and never a crash.
 */
import { connect } from "node:net";
import type { ServerLogEntry } from "@partwise/node";
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { answer, bytesOf, Client, expectError, startServer, type TestServer } from "./helpers.ts";

let s: TestServer;
const log: ServerLogEntry[] = [];
beforeAll(async () => {
  s = await startServer({ log: (entry) => log.push(entry) });
});
afterAll(async () => {
  await s.close();
  expect(log.filter((entry) => entry.status === 500)).toEqual([]);
});

/** Sends raw bytes on a socket and returns whatever comes back before the server closes it. */
function rawExchange(url: string, payload: string | Uint8Array, endAfter = true): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(payload);
      if (endAfter) socket.end();
    });
    const chunks: Buffer[] = [];
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
    socket.on("error", () => resolve(Buffer.concat(chunks).toString("latin1")));
    socket.setTimeout(5000, () => socket.destroy());
  });
}

test("bad JSON, JSON that is not an object and wrongly typed values are refused with 400", async () => {
  const client = new Client(s.base, "malformed");
  const file = await client.initiate("1", "m.bin");
  const json = { ...client.headers, "content-type": "application/json" };
  for (const body of ["{", "[1,2]", "42", "null", '"complete"', '{"uploadstatus":', "\u0000\u0001"]) {
    await expectError(
      await fetch(`${s.base}/files/${file.Id}?uploadstatus=complete`, {
        method: "POST",
        headers: json,
        body,
      }),
      400,
      "BS-PARAMS-ANYWHERE",
    );
    await expectError(
      await fetch(`${s.base}/appresults/1/files?name=x&multipart=true`, {
        method: "POST",
        headers: json,
        body,
      }),
      400,
      "BS-PARAMS-ANYWHERE",
    );
  }
  await expectError(
    await fetch(`${s.base}/appresults/1/files?multipart=true`, {
      method: "POST",
      headers: json,
      body: '{"name":["a"]}',
    }),
    400,
    "BS-PARAMS-ANYWHERE",
  );
  await expectError(
    await fetch(`${s.base}/appresults/1/files?multipart=true`, {
      method: "POST",
      headers: json,
      body: '{"name":"a","directory":7}',
    }),
    400,
    "BS-PARAMS-ANYWHERE",
  );
  // A parameter body is bounded (1 MiB) and refused while it streams in.
  await expectError(
    await fetch(`${s.base}/appresults/1/files?name=x&multipart=true`, {
      method: "POST",
      headers: json,
      body: bytesOf(1024 * 1024 + 1),
    }),
    413,
    "BS-PARAMS-ANYWHERE",
  );
  await expectError(
    await fetch(`${s.base}/files/${file.Id}`, {
      method: "POST",
      headers: json,
      body: " ".repeat(1024 * 1024 + 1),
    }),
    413,
    "BS-PARAMS-ANYWHERE",
  );
  // Still usable afterwards.
  expect((await client.getFile(file.Id)).body.Response.UploadStatus).toBe("pending");
});

test("a JSON or form body without multipart is a file, even when it is not valid JSON", async () => {
  const client = new Client(s.base, "json-files");
  for (const [type, body] of [
    ["application/json", "{ not json"],
    ["application/json", '{"Name":"x.bin","MultiPart":false}'],
    ["application/x-www-form-urlencoded", "a=1&b=2"],
    ["application/json", `{"big":"${"x".repeat(1024 * 1024 + 10)}"}`],
  ] as const) {
    const response = await fetch(`${s.base}/appresults/2/files?name=data.json`, {
      method: "POST",
      headers: { ...client.headers, "content-type": type },
      body,
    });
    const { status, body: file } = await answer<{ Response: { Id: string; Size: number } }>(
      response,
      "FileResponse",
    );
    expect(status).toBe(201);
    expect(file.Response.Size).toBe(Buffer.byteLength(body));
    expect(Buffer.from(await client.download(file.Response.Id)).toString()).toBe(body);
  }
});

test("truncated bodies, garbage requests and huge headers never reach a 500 and never stop the server", async () => {
  const client = new Client(s.base, "truncated");
  const file = await client.initiate("3", "t.bin");
  const { host } = new URL(s.url);
  // A part whose body stops short of its Content-Length, then the client closes.
  await rawExchange(
    s.url,
    `PUT /v1pre3/files/${file.Id}/parts/1 HTTP/1.1\r\nHost: ${host}\r\nx-access-token: truncated\r\nContent-Length: 100\r\n\r\n0123456789`,
  );
  // A chunked body cut mid-chunk.
  await rawExchange(
    s.url,
    `PUT /v1pre3/files/${file.Id}/parts/2 HTTP/1.1\r\nHost: ${host}\r\nx-access-token: truncated\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc`,
  );
  // A body that stalls while the server is reading it, then the connection dies.
  await new Promise<void>((resolve) => {
    const { hostname, port } = new URL(s.url);
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `PUT /v1pre3/files/${file.Id}/parts/3 HTTP/1.1\r\nHost: ${host}\r\nx-access-token: truncated\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc`,
      );
      setTimeout(() => socket.destroy(), 100);
    });
    socket.on("close", () => resolve());
    socket.on("error", () => {});
  });
  // Garbage instead of HTTP.
  const garbage = await rawExchange(s.url, "\u0000\u00ff GARBAGE \r\n\r\n");
  expect(garbage).toMatch(/^HTTP\/1\.1 4\d\d/);
  // A header section past the 16 KiB limit.
  const huge = await rawExchange(
    s.url,
    `GET /v1pre3/files/1 HTTP/1.1\r\nHost: ${host}\r\nx-big: ${"a".repeat(20_000)}\r\n\r\n`,
  );
  expect(huge).toMatch(/^HTTP\/1\.1 4\d\d/);
  // The interrupted requests were answered 400 (to a client that is gone), not left hanging.
  const interrupted = () => log.filter((e) => e.path.startsWith(`/v1pre3/files/${file.Id}/parts/`));
  for (let i = 0; i < 300 && interrupted().length < 3; i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  expect(interrupted().map((e) => e.status)).toEqual([400, 400, 400]);
  // The interrupted parts left nothing: the upload has no part yet.
  await expectError(await client.statusRaw(file.Id, "complete"), 400, "BS-COMPLETE-EMPTY");
  await client.putPart(file.Id, 1, bytesOf(10));
  expect((await client.complete(file.Id)).Size).toBe(10);
});

test("unknown paths answer 404 and wrong methods 405, in the envelope", async () => {
  const headers = new Client(s.base, "paths").headers;
  for (const path of [
    "/",
    "/v1pre3",
    "/v1pre3/files",
    "/v1pre3/files/1/parts",
    "/v1pre3/appresults",
    "/v2/files/1",
    "/v1pre3/files/1/content/x",
  ])
    await expectError(await fetch(`${s.url}${path}`, { headers }), 404, "NotFound");
  for (const path of [
    "/v1pre3/files/abc",
    "/v1pre3/files/-1",
    "/v1pre3/files/99999999999999999999",
    "/v1pre3/files/..%2f..%2fetc",
  ])
    await expectError(await fetch(`${s.url}${path}`, { headers }), 404, "NotFound");
  await expectError(await fetch(`${s.base}/appresults/..%2F..%2Fx/files`, { headers }), 404, "NotFound");
  const cases: [string, string, string][] = [
    ["DELETE", "/files/1", "POST, GET, HEAD"],
    ["PUT", "/files/1", "POST, GET, HEAD"],
    ["GET", "/files/1/parts/1", "PUT"],
    ["POST", "/files/1/content", "GET, HEAD"],
    ["PATCH", "/appresults/1/files", "POST, GET, HEAD"],
  ];
  for (const [method, path, allow] of cases) {
    const response = await fetch(`${s.base}${path}`, { method, headers });
    expect(response.headers.get("allow")).toBe(allow);
    await expectError(response, 405, "MethodNotAllowed");
  }
  // Routes match case-insensitively and ignore a trailing slash, as ServiceStack's do.
  expect((await fetch(`${s.url}/V1PRE3/AppResults/4/Files/`, { headers })).status).toBe(200);
});

test("random junk on every route gets a non-500 answer in the envelope", async () => {
  const client = new Client(s.base, "junk");
  const file = await client.initiate("6", "junk.bin");
  const done = await client.simpleUpload("6", "done.bin", bytesOf(100));
  const junk = fc.string({ maxLength: 30 });
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("GET", "POST", "PUT", "DELETE", "HEAD"),
      fc.constantFrom(
        "/appresults/6/files",
        `/files/${file.Id}`,
        `/files/${file.Id}/parts/1`,
        `/files/${done.Id}/content`,
        "/files/{junk}",
        "/appresults/{junk}/files",
        `/files/${file.Id}/parts/{junk}`,
      ),
      junk,
      fc.array(
        fc.tuple(
          fc.constantFrom(
            "name",
            "directory",
            "multipart",
            "uploadstatus",
            "redirect",
            "Offset",
            "Limit",
            "SortBy",
            "signature",
            "expires",
          ),
          junk,
        ),
        {
          maxLength: 4,
        },
      ),
      fc.constantFrom(
        undefined,
        "application/json",
        "application/x-www-form-urlencoded",
        "text/plain",
        "garbage/!!",
        "",
      ),
      fc.option(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.json().map((j) => new TextEncoder().encode(j)),
        ),
        { nil: undefined },
      ),
      fc.constantFrom(
        undefined,
        "bytes=0-3",
        "bytes=-1",
        "bytes=9-2",
        "items=1-2",
        "bytes=0-1,3-4",
        "bytes=99999999999999999999-",
      ),
      fc.constantFrom(undefined, "", "abc", "1B2M2Y8AsgTpgAmY7PhCfg=="),
      async (method, template, piece, query, contentType, body, range, contentMd5) => {
        const path = template.replace("{junk}", encodeURIComponent(piece));
        const search = new URLSearchParams(query).toString();
        const headers: Record<string, string> = { ...client.headers };
        if (contentType !== undefined) headers["content-type"] = contentType;
        if (range !== undefined) headers.range = range;
        if (contentMd5 !== undefined) headers["content-md5"] = contentMd5;
        const withBody = body !== undefined && method !== "GET" && method !== "HEAD";
        const response = await fetch(`${s.base}${path}${search ? `?${search}` : ""}`, {
          method,
          headers,
          redirect: "manual",
          ...(withBody ? { body } : {}),
        });
        expect(response.status).toBeLessThan(500);
        if (response.status >= 400 && method !== "HEAD") await answer(response);
        else await response.arrayBuffer();
      },
    ),
    { numRuns: 150 },
  );
});
