/**
 * The typed client against the reference server over real sockets: one test per operation of
 * specs/youforce.yaml, the error classes (HTTP with envelope and rule, network, invalid response,
 * aborted, usage), the local file-name rules, and that no token ever reaches an error.
 */
import { describe, expect, test } from "vitest";
import {
  createYouforceClient,
  isYouforceError,
  ruleFromMessage,
  YOUFORCE_DENIED_EXTENSIONS,
  YouforceError,
} from "../../src/index.ts";
import { DEFAULT_DENIED_EXTENSIONS } from "../../src/server/index.ts";
import { BT, randomBytes, startHarness, TOKEN } from "../upload/helpers.ts";

const decoder = new TextDecoder();

/** Everything an error could leak through: message, stack, JSON and the cause chain. */
function leaks(error: unknown, secret: string): boolean {
  const seen: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    seen.push(String(e), (e as Error).stack ?? "", JSON.stringify(e) ?? "");
  }
  return seen.some((text) => text.includes(secret));
}

async function failure(promise: Promise<unknown>): Promise<YouforceError> {
  try {
    await promise;
  } catch (error) {
    expect(isYouforceError(error)).toBe(true);
    return error as YouforceError;
  }
  throw new Error("expected a failure");
}

describe("uploadFile (multipart) and downloadFile", () => {
  test("sends [S4]'s multipart/related body with the documented keys and answers the validated File", async () => {
    await using h = await startHarness();
    const bytes = randomBytes(70_001, 1);
    const file = await h.client.uploadFile({
      uploadType: "multipart",
      metadata: { fileName: "TestFile.txt", businessTypeId: BT, customMetadata: { source: "payroll" } },
      media: new Blob([bytes]),
    });
    expect(file).toMatchObject({
      name: "TestFile.txt",
      size: bytes.length,
      numChunks: 1,
      businessType: { id: BT },
    });
    const post = h.requests.find((r) => r.method === "POST")!;
    expect(post.url.searchParams.get("uploadType")).toBe("multipart");
    const contentType = post.headers.get("content-type")!;
    expect(contentType).toMatch(/^multipart\/related; boundary=[A-Za-z0-9_-]{32}; type="application\/json"$/);
    expect(post.headers.get("content-length")).not.toBeNull();
    expect(post.headers.get("authorization")).toBe(`Bearer ${TOKEN}`);
    expect(await (await h.client.downloadFile({ fileId: file.id, role: "publisher" })).bytes()).toEqual(
      bytes,
    );
  });

  test("the body is metadata first (application/json; charset=UTF-8, the vendor client's name/businesstypeid), media second", async () => {
    let captured: { contentType: string; body: Uint8Array } | undefined;
    const client = createYouforceClient({
      baseUrl: "http://127.0.0.1:9/v1.0",
      token: TOKEN,
      fetch: async (_url, init) => {
        captured = {
          contentType: new Headers(init?.headers).get("content-type")!,
          body: new Uint8Array(await new Response(init?.body as BodyInit).arrayBuffer()),
        };
        return Response.json(
          {
            id: "7ff1b498-169d-4048-8459-78f7bd7905a3",
            name: "a.txt",
            size: 3,
            creationDate: "2020-02-27T11:03:49.2033291Z",
            tenantId: "sandbox",
            businessType: { id: BT, name: "7100" },
            numChunks: 1,
          },
          { status: 201 },
        );
      },
    });
    await client.uploadFile({
      uploadType: "multipart",
      metadata: { fileName: "a.txt", businessTypeId: BT },
      media: new TextEncoder().encode("abc"),
    });
    const boundary = /boundary=([^;]+)/.exec(captured!.contentType)![1]!;
    const text = decoder.decode(captured!.body);
    expect(text.startsWith(`--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n`)).toBe(
      true,
    );
    expect(text).toContain(
      `{"name":"a.txt","businesstypeid":"7100"}\r\n--${boundary}\r\n\r\nabc\r\n--${boundary}--`,
    );
  });

  test("a Blob body (the browser path) is accepted the same", async () => {
    await using h = await startHarness();
    const client = createYouforceClient({ baseUrl: h.base, token: TOKEN, streamRequestBodies: false });
    const bytes = randomBytes(5000, 2);
    const file = await client.uploadFile({
      uploadType: "multipart",
      metadata: { fileName: "blob.bin", businessTypeId: BT },
      media: new Blob([bytes]),
    });
    expect(await (await client.downloadFile({ fileId: file.id })).bytes()).toEqual(bytes);
  });

  test("ranges: 206 with Content-Range, 416 naming YF-DOWNLOAD-RANGE; HEAD gives the length and ETag", async () => {
    await using h = await startHarness();
    const bytes = randomBytes(1000, 3);
    const file = await h.client.uploadFile({
      uploadType: "multipart",
      metadata: { fileName: "r.bin", businessTypeId: BT },
      media: bytes,
    });
    const part = await h.client.downloadFile({
      fileId: file.id,
      role: "publisher",
      range: { start: 10, end: 19 },
    });
    expect(part.status).toBe(206);
    expect(part.contentRange).toEqual({ start: 10, end: 19, size: 1000 });
    expect(await part.bytes()).toEqual(bytes.slice(10, 20));
    const tail = await h.client.downloadFile({ fileId: file.id, role: "publisher", range: { suffix: 5 } });
    expect(await tail.bytes()).toEqual(bytes.slice(995));
    const beyond = await failure(
      h.client.downloadFile({ fileId: file.id, role: "publisher", range: { start: 1000 } }),
    );
    expect(beyond).toMatchObject({
      code: "PW_YOUFORCE_HTTP",
      status: 416,
      rule: "YF-DOWNLOAD-RANGE",
      retryable: false,
    });
    const head = await h.client.headFile({ fileId: file.id, role: "publisher" });
    expect(head.contentLength).toBe(1000);
    expect(head.acceptRanges).toBe("bytes");
    expect(head.etag).toMatch(/^"[0-9a-f]{32}"$/);
  });
});

describe("uploadFile (resumable) and uploadChunk", () => {
  test("POST chunk 0 answers the token, PUT positions, close=true answers the File", async () => {
    await using h = await startHarness();
    const bytes = randomBytes(2500, 4);
    const session = await h.client.uploadFile({
      uploadType: "resumable",
      metadata: { fileName: "big.csv", businessTypeId: BT },
      media: bytes.slice(0, 1000),
    });
    expect(session.uploadToken).toMatch(/.+/);
    const middle = await h.client.uploadChunk({
      uploadToken: session.uploadToken,
      position: 1,
      body: bytes.slice(1000, 2000),
    });
    expect(middle).toMatchObject({ position: 1 });
    const file = await h.client.uploadChunk({
      uploadToken: session.uploadToken,
      position: 2,
      close: true,
      body: new Blob([bytes.slice(2000)]),
    });
    expect(file).toMatchObject({ size: 2500, numChunks: 3, name: "big.csv" });
    const put = h.requests.filter((r) => r.method === "PUT").at(-1)!;
    expect(Object.fromEntries(put.url.searchParams)).toEqual({
      uploadType: "resumable",
      uploadToken: session.uploadToken,
      position: "2",
      close: "true",
    });
    expect(await (await h.client.downloadFile({ fileId: file.id })).bytes()).toEqual(bytes);
  });

  test("closing with a missing position fails at once, naming YF-RESUMABLE-CLOSE", async () => {
    await using h = await startHarness();
    const session = await h.client.uploadFile({
      uploadType: "resumable",
      metadata: { fileName: "gap.bin", businessTypeId: BT },
      media: randomBytes(10, 5),
    });
    const error = await failure(
      h.client.uploadChunk({
        uploadToken: session.uploadToken,
        position: 2,
        close: true,
        body: randomBytes(10, 6),
      }),
    );
    expect(error).toMatchObject({
      code: "PW_YOUFORCE_HTTP",
      status: 400,
      rule: "YF-RESUMABLE-CLOSE",
      retryable: false,
    });
    expect(error.envelope).toMatchObject({ ErrorCode: "400", Exception: null });
    expect(error.message).toContain("[YF-RESUMABLE-CLOSE]");
    expect(error.message).not.toContain("(YF-RESUMABLE-CLOSE) [YF-RESUMABLE-CLOSE]");
  });

  test("an unknown token answers 404 naming YF-RESUMABLE-TOKEN", async () => {
    await using h = await startHarness();
    const error = await failure(
      h.client.uploadChunk({ uploadToken: crypto.randomUUID(), position: 1, body: randomBytes(1, 7) }),
    );
    expect(error).toMatchObject({ status: 404, rule: "YF-RESUMABLE-TOKEN", retryable: false });
  });
});

describe("listFiles and deleteFile", () => {
  test("role, paging, $filter and $orderBy reach the server; delete hides a file from this subscriber", async () => {
    await using h = await startHarness();
    for (const name of ["employee_a.csv", "employee_b.csv", "other.csv"])
      await h.client.uploadFile({
        uploadType: "multipart",
        metadata: { fileName: name, businessTypeId: BT },
        media: randomBytes(3, 8),
      });
    const mine = await h.client.listFiles({
      role: "publisher",
      pageSize: 2,
      pageIndex: 0,
      orderBy: "uploadDate asc",
    });
    expect(mine.count).toBe(3);
    expect(mine.data.map((f) => f.fileName)).toEqual(["employee_a.csv", "employee_b.csv"]);
    const filtered = await h.client.listFiles({
      role: "subscriber",
      filter: "startsWith(fileName, 'employee')",
    });
    expect(filtered.data.map((f) => f.fileName).sort()).toEqual(["employee_a.csv", "employee_b.csv"]);
    const target = filtered.data[0]!;
    await h.client.deleteFile({ fileId: target.fileId });
    const after = await h.client.listFiles({ role: "subscriber" });
    expect(after.data.map((f) => f.fileId)).not.toContain(target.fileId);
    const bad = await failure(h.client.listFiles({ role: "subscriber", filter: "fileName wibble 'x'" }));
    expect(bad).toMatchObject({ code: "PW_YOUFORCE_HTTP", status: 400, retryable: false });
    const del = h.requests.find((r) => r.method === "DELETE")!;
    expect(del.url.searchParams.get("role")).toBe("subscriber");
  });

  test("tenantId is sent as x-raet-tenant-id", async () => {
    await using h = await startHarness();
    const client = createYouforceClient({
      baseUrl: h.base,
      token: TOKEN,
      fetch: h.fetch,
      tenantId: "sandbox",
    });
    await client.listFiles({ role: "publisher" });
    await client.listFiles({ role: "publisher", tenantId: "other" });
    expect(h.requests.map((r) => r.headers.get("x-raet-tenant-id"))).toEqual(["sandbox", "other"]);
  });
});

describe("failures", () => {
  test("a wrong token: 401 with envelope and YF-AUTH, not retryable, and the token appears nowhere", async () => {
    await using h = await startHarness();
    const secret = "not-the-right-token-42";
    const client = createYouforceClient({ baseUrl: h.base, token: () => secret });
    const error = await failure(client.listFiles({ role: "publisher" }));
    expect(error).toMatchObject({
      code: "PW_YOUFORCE_HTTP",
      kind: "http",
      status: 401,
      rule: "YF-AUTH",
      retryable: false,
    });
    expect(error.operation).toBe("listFiles");
    expect(leaks(error, secret)).toBe(false);
    expect(leaks(error, TOKEN)).toBe(false);
  });

  test("a server that echoes the token in its message has it cut out", async () => {
    const client = createYouforceClient({
      baseUrl: "http://127.0.0.1:9/v1.0",
      token: TOKEN,
      fetch: async () =>
        Response.json(
          { CorrelationId: "rrt-1", Message: `bad token ${TOKEN}`, ErrorCode: "401", Exception: null },
          { status: 401 },
        ),
    });
    const error = await failure(client.listFiles({ role: "publisher" }));
    expect(leaks(error, TOKEN)).toBe(false);
    expect(error.message).toContain("[redacted]");
  });

  test("5xx, 429 and 499 are retryable with Retry-After; other 4xx are not", async () => {
    const answer = (status: number, headers: Record<string, string> = {}) =>
      createYouforceClient({
        baseUrl: "http://127.0.0.1:9/v1.0",
        token: TOKEN,
        fetch: async () =>
          Response.json(
            {
              CorrelationId: "rrt-1",
              Message: "Spike arrest violation; retry later (YF-RATE-LIMIT)",
              ErrorCode: String(status),
              Exception: null,
            },
            { status, headers },
          ),
      }).listFiles({ role: "publisher" });
    expect(await failure(answer(429, { "retry-after": "3" }))).toMatchObject({
      retryable: true,
      retryAfterMs: 3000,
      rule: "YF-RATE-LIMIT",
    });
    expect(await failure(answer(503))).toMatchObject({ retryable: true, status: 503 });
    expect(await failure(answer(499))).toMatchObject({ retryable: true });
    expect(await failure(answer(408))).toMatchObject({ retryable: true });
    expect(await failure(answer(403))).toMatchObject({ retryable: false });
  });

  test("a gateway error in another shape keeps the status and its message", async () => {
    const client = createYouforceClient({
      baseUrl: "http://127.0.0.1:9/v1.0",
      token: TOKEN,
      fetch: async () => Response.json({ error: { message: "gateway says no" } }, { status: 502 }),
    });
    const error = await failure(client.listFiles({ role: "publisher" }));
    expect(error).toMatchObject({
      status: 502,
      retryable: true,
      envelope: { error: { message: "gateway says no" } },
    });
    expect(error.message).toContain("gateway says no");
  });

  test("nobody listening is a retryable network error", async () => {
    const h = await startHarness();
    const base = h.base;
    await h.close();
    const error = await failure(
      createYouforceClient({ baseUrl: base, token: TOKEN }).listFiles({ role: "publisher" }),
    );
    expect(error).toMatchObject({ code: "PW_YOUFORCE_NETWORK", kind: "network", retryable: true });
  });

  test("an answer that does not match the spec is PW_YOUFORCE_INVALID_RESPONSE", async () => {
    const client = createYouforceClient({
      baseUrl: "http://127.0.0.1:9/v1.0",
      token: TOKEN,
      fetch: async () => Response.json({ data: "nope" }, { status: 200 }),
    });
    const error = await failure(client.listFiles({ role: "publisher" }));
    expect(error).toMatchObject({
      code: "PW_YOUFORCE_INVALID_RESPONSE",
      kind: "invalid-response",
      retryable: false,
    });
    const notJson = createYouforceClient({
      baseUrl: "http://127.0.0.1:9/v1.0",
      token: TOKEN,
      fetch: async () => new Response("<html>", { status: 201 }),
    });
    expect(
      await failure(
        notJson.uploadFile({
          uploadType: "multipart",
          metadata: { fileName: "a.txt", businessTypeId: 1 },
          media: new Uint8Array(1),
        }),
      ),
    ).toMatchObject({ code: "PW_YOUFORCE_INVALID_RESPONSE" });
  });

  test("an aborted call is PW_YOUFORCE_ABORTED, before or during the request", async () => {
    await using h = await startHarness();
    const early = new AbortController();
    early.abort();
    expect(await failure(h.client.listFiles({ role: "publisher", signal: early.signal }))).toMatchObject({
      code: "PW_YOUFORCE_ABORTED",
      kind: "aborted",
    });
    expect(h.requests).toHaveLength(0);
    const late = new AbortController();
    const media = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(1000));
        late.abort(new Error("stop"));
      },
    });
    expect(
      await failure(
        h.client.uploadFile({
          uploadType: "multipart",
          metadata: { fileName: "a.txt", businessTypeId: BT },
          media,
          signal: late.signal,
        }),
      ),
    ).toMatchObject({ code: "PW_YOUFORCE_ABORTED" });
  });
});

describe("local checks (no request is sent)", () => {
  test.each([
    ["pay slip #3.pdf", "YF-NAME-CHARSET"],
    ["ünïcode.txt", "YF-NAME-CHARSET"],
    ["", "YF-NAME-CHARSET"],
    ["setup.exe", "YF-NAME-EXTENSION"],
    ["SCRIPT.Ps1", "YF-NAME-EXTENSION"],
    ["trick.exe.", "YF-NAME-EXTENSION"],
    ["..", "YF-NAME-RESERVED"],
    ["CON", "YF-NAME-RESERVED"],
    ["nul.txt", "YF-NAME-RESERVED"],
  ])("file name %j is refused naming %s", async (fileName, rule) => {
    await using h = await startHarness();
    const error = await failure(
      h.client.uploadFile({
        uploadType: "multipart",
        metadata: { fileName, businessTypeId: BT },
        media: new Uint8Array(1),
      }),
    );
    expect(error).toMatchObject({ code: "PW_YOUFORCE_USAGE", kind: "usage", rule, retryable: false });
    expect(h.requests).toHaveLength(0);
  });

  test("positions, tokens, sizes and paging are checked before sending", async () => {
    await using h = await startHarness();
    const usage = { code: "PW_YOUFORCE_USAGE" };
    expect(
      await failure(h.client.uploadChunk({ uploadToken: "t", position: 0, body: new Uint8Array(1) })),
    ).toMatchObject({
      ...usage,
      rule: "YF-RESUMABLE-POSITION",
    });
    expect(
      await failure(h.client.uploadChunk({ uploadToken: "", position: 1, body: new Uint8Array(1) })),
    ).toMatchObject({
      ...usage,
      rule: "YF-RESUMABLE-TOKEN",
    });
    expect(
      await failure(h.client.uploadChunk({ uploadToken: "t", position: 1, body: new Uint8Array(9_000_001) })),
    ).toMatchObject({ ...usage, rule: "YF-RESUMABLE-CHUNK-SIZE" });
    expect(
      await failure(
        h.client.uploadFile({
          uploadType: "multipart",
          metadata: { fileName: "a.txt", businessTypeId: -1 },
          media: new Uint8Array(1),
        }),
      ),
    ).toMatchObject({ ...usage, rule: "YF-METADATA-BUSINESS-TYPE" });
    expect(await failure(h.client.listFiles({ role: "publisher", pageSize: 1001 }))).toMatchObject(usage);
    expect(h.requests).toHaveLength(0);
  });

  test("the default extension deny list is the reference server's", () => {
    expect([...YOUFORCE_DENIED_EXTENSIONS].sort()).toEqual([...DEFAULT_DENIED_EXTENSIONS].sort());
  });

  test("rule ids are read from server messages, the last one named", () => {
    expect(ruleFromMessage("File name 'x' has a forbidden extension .exe (YF-NAME-EXTENSION)")).toBe(
      "YF-NAME-EXTENSION",
    );
    expect(ruleFromMessage("… [MIME-LIMIT-PARTS]. The body has exactly two parts (YF-TWO-PARTS)")).toBe(
      "YF-TWO-PARTS",
    );
    expect(ruleFromMessage("An unexpected error occurred")).toBeUndefined();
    expect(new YouforceError("x", { kind: "usage", operation: "upload", retryable: false }).name).toBe(
      "YouforceError",
    );
  });
});
