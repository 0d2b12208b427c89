/**
 * The typed client against the reference server over real sockets: every operation of
 * specs/basespace.yaml, validated answers, and every failure kind as a `BasespaceError` with its
 * code, status, envelope, rule and retry verdict — and never the token.
 */
import { inspect } from "node:util";
import { isRetryableStatus } from "@partwise/client";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  type BasespaceClient,
  BasespaceError,
  createBasespaceClient,
  isBasespaceError,
} from "../../src/index.ts";
import { bytesOf, md5Hex, serve, type TestServer, TOKEN } from "../upload/support.ts";

let s: TestServer;
beforeAll(async () => {
  s = await serve();
});
afterAll(() => s.close());

/** Everything an error exposes, as a log line or report would print it. */
function everythingIn(error: unknown): string {
  return [
    String(error),
    JSON.stringify(error),
    inspect(error, { depth: 10, showHidden: true }),
    String((error as Error).stack),
  ].join("\n");
}

async function failure(promise: Promise<unknown>): Promise<BasespaceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BasespaceError);
  expect(everythingIn(error)).not.toContain(TOKEN);
  return error as BasespaceError;
}

/** A client whose transport answers every request with `respond`. */
function scripted(respond: (request: Request) => Response | Promise<Response>): BasespaceClient {
  return createBasespaceClient({
    baseUrl: "http://basespace.test/v1pre3",
    token: TOKEN,
    fetch: async (input, init) => respond(new Request(input, init)),
  });
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

describe("operations", () => {
  test("simple upload, multipart initiate/part/complete, getFile, list and every content form", async () => {
    const client = s.client;
    const small = bytesOf(100, 3);
    const simple = await client.createAppResultFile({
      appResultId: "10",
      name: "notes.txt",
      directory: "run1",
      contentType: "text/plain",
      body: small,
    });
    expect(simple.Response).toMatchObject({ UploadStatus: "complete", Size: 100, Path: "run1/notes.txt" });
    expect(simple.Response.ContentType).toBe("text/plain");

    const init = await client.createAppResultFile({ appResultId: "10", name: "big.bin", multipart: true });
    expect(init.Response).toMatchObject({ UploadStatus: "pending", Size: 0, Path: "big.bin" });
    const fileId = init.Response.Id;
    const one = bytesOf(64, 4);
    const two = bytesOf(10, 5);
    const part2 = await client.uploadFilePart({ fileId, partNumber: 2, body: two });
    const part1 = await client.uploadFilePart({ fileId, partNumber: 1, body: one });
    expect(part1.Response).toEqual({ Number: 1, ETag: md5Hex(one), Size: 64 });
    expect(part2.Response.ETag).toBe(md5Hex(two));
    const done = await client.setFileUploadStatus({ fileId, uploadstatus: "complete" });
    expect(done.Response).toMatchObject({ UploadStatus: "complete", Size: 74 });
    expect((await client.getFile({ fileId })).Response.Size).toBe(74);

    const list = await client.listAppResultFiles({ appResultId: "10", SortBy: "Name", SortDir: "Asc" });
    expect(list.Response.Items.map((f) => f.Name)).toEqual(["big.bin", "notes.txt"]);

    const whole = new Uint8Array([...one, ...two]);
    expect(await (await client.getFileContent({ fileId, redirect: "false" })).bytes()).toEqual(whole);
    const ranged = await client.getFileContent({ fileId, redirect: "false", range: "bytes=60-69" });
    expect(ranged.status).toBe(206);
    expect(ranged.contentRange).toBe("bytes 60-69/74");
    expect(await ranged.bytes()).toEqual(whole.subarray(60, 70));
    const meta = await client.getFileContent({ fileId, redirect: "meta" });
    expect(meta.Response.HrefContent).toMatch(/^http:\/\/.*signature=/);
    // redirect=true (the default): 302 to signed storage, followed without the token.
    expect(await (await client.getFileContent({ fileId })).bytes()).toEqual(whole);
  });

  test("a redirect to storage is followed without the token; API requests carry it in a header only", async () => {
    const seen: { url: string; headers: Headers }[] = [];
    const client = createBasespaceClient({
      baseUrl: s.base,
      token: TOKEN,
      fetch: async (input, init) => {
        const request = new Request(input, init);
        seen.push({ url: request.url, headers: request.headers });
        return fetch(request);
      },
    });
    const file = await client.createAppResultFile({ appResultId: "11", name: "r.bin", body: bytesOf(5) });
    await (await client.getFileContent({ fileId: file.Response.Id })).bytes();
    const [create, api, storage] = seen;
    expect(create?.headers.get("x-access-token")).toBe(TOKEN);
    expect(api?.headers.get("x-access-token")).toBe(TOKEN);
    expect(storage?.url).toContain("signature=");
    expect(storage?.headers.get("x-access-token")).toBeNull();
    expect(storage?.headers.get("authorization")).toBeNull();
    for (const { url } of seen) expect(url).not.toContain(TOKEN);
  });

  test('tokenCarrier "bearer" sends Authorization: Bearer', async () => {
    const headers: Headers[] = [];
    const client = createBasespaceClient({
      baseUrl: s.base,
      token: TOKEN,
      tokenCarrier: "bearer",
      fetch: async (input, init) => {
        const request = new Request(input, init);
        headers.push(request.headers);
        return fetch(request);
      },
    });
    const file = await client.createAppResultFile({ appResultId: "12", name: "b.bin", body: bytesOf(3) });
    expect(file.Response.Size).toBe(3);
    expect(headers[0]?.get("authorization")).toBe(`Bearer ${TOKEN}`);
    expect(headers[0]?.get("x-access-token")).toBeNull();
  });
});

describe("failures", () => {
  test("an unknown token: PW_BASESPACE_HTTP 401 naming BS-AUTH, not retryable, token nowhere", async () => {
    const wrong = `${TOKEN}-wrong`;
    const client = createBasespaceClient({ baseUrl: s.base, token: wrong });
    const error = await failure(client.getFile({ fileId: "1" }));
    expect(error).toMatchObject({
      code: "PW_BASESPACE_HTTP",
      status: 401,
      rule: "BS-AUTH",
      retryable: false,
    });
    expect(error.kind).toBe("http");
    expect(error.operation).toBe("getFile");
    expect(everythingIn(error)).not.toContain(wrong);
  });

  test("404 keeps the envelope and the server's code; no rule when the code is not a rule id", async () => {
    const error = await failure(s.client.getFile({ fileId: "999999" }));
    expect(error).toMatchObject({
      code: "PW_BASESPACE_HTTP",
      status: 404,
      serverCode: "NotFound",
      retryable: false,
    });
    expect(error.rule).toBeUndefined();
    expect(error.envelope).toMatchObject({ ResponseStatus: { ErrorCode: "NotFound" } });
  });

  test("a Content-MD5 mismatch (BS-PART-MD5) is retryable: the part was corrupted in transit", async () => {
    const init = await s.client.createAppResultFile({ appResultId: "13", name: "m.bin", multipart: true });
    const error = await failure(
      s.client.uploadFilePart({
        fileId: init.Response.Id,
        partNumber: 1,
        body: bytesOf(10),
        contentMd5: "9mvo6qaA+FL1sbsIn1tnTg==",
      }),
    );
    expect(error).toMatchObject({
      code: "PW_BASESPACE_HTTP",
      status: 400,
      rule: "BS-PART-MD5",
      retryable: true,
    });
  });

  test("a rule broken at completion (BS-COMPLETE-EMPTY) is not retryable", async () => {
    const init = await s.client.createAppResultFile({ appResultId: "13", name: "e.bin", multipart: true });
    const error = await failure(
      s.client.setFileUploadStatus({ fileId: init.Response.Id, uploadstatus: "complete" }),
    );
    expect(error).toMatchObject({ status: 400, rule: "BS-COMPLETE-EMPTY", retryable: false });
    expect(error.message).toContain("BS-COMPLETE-EMPTY");
  });

  test("retryable follows @partwise/client's policy for every status, BS-PART-MD5 aside; Retry-After is read", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 400, max: 599 }),
        fc.constantFrom(undefined, "BS-PART-MD5", "BS-PART-NUMBER", "NotFound"),
        fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
        fc.boolean(),
        async (status, code, retryAfter, bare) => {
          const client = scripted(() =>
            json(
              code === undefined
                ? { oops: true }
                : bare
                  ? { ErrorCode: code, MessageFormatted: "nope" }
                  : { ResponseStatus: { ErrorCode: code, Message: "nope" } },
              status,
              retryAfter === undefined ? {} : { "retry-after": String(retryAfter) },
            ),
          );
          const error = await failure(client.getFile({ fileId: "1" }));
          const rule = code?.startsWith("BS-") ? code : undefined;
          expect(error.code).toBe("PW_BASESPACE_HTTP");
          expect(error.status).toBe(status);
          expect(error.rule).toBe(rule);
          expect(error.serverCode).toBe(code);
          expect(error.retryable).toBe(isRetryableStatus(status) || rule === "BS-PART-MD5");
          expect(error.retryAfterMs).toBe(retryAfter === undefined ? undefined : retryAfter * 1000);
        },
      ),
      { numRuns: 60 },
    );
  });

  test("a success status carrying an error envelope is an error (the Python SDK's reading)", async () => {
    const client = scripted(() => json({ ResponseStatus: { ErrorCode: "BS-AUTH", Message: "no" } }, 200));
    const error = await failure(client.getFile({ fileId: "1" }));
    expect(error).toMatchObject({ code: "PW_BASESPACE_HTTP", status: 200, rule: "BS-AUTH" });
  });

  test("answers that break the spec are PW_BASESPACE_INVALID_RESPONSE", async () => {
    const file = { Id: "1", Name: "x" };
    for (const answer of [
      () => json({ Response: file }), // File misses required fields
      () => new Response("<html>", { status: 200 }), // not JSON
      () => json({ Response: {} }, 202), // undocumented status
      () => new Response(null, { status: 302, headers: { location: "http://elsewhere/" } }), // API redirect
    ]) {
      const error = await failure(scripted(answer).getFile({ fileId: "1" }));
      expect(error.code).toBe("PW_BASESPACE_INVALID_RESPONSE");
      expect(error.retryable).toBe(false);
    }
    const part = scripted(() => json({ Response: { Number: 1, ETag: "NOT-HEX", Size: 1 } }));
    const error = await failure(part.uploadFilePart({ fileId: "1", partNumber: 1, body: bytesOf(1) }));
    expect(error.code).toBe("PW_BASESPACE_INVALID_RESPONSE");
    expect(error.message).toContain("/Response/ETag");
  });

  test("no answer: PW_BASESPACE_NETWORK, retryable, with a scrubbed cause", async () => {
    const closed = await serve();
    const base = closed.base;
    await closed.close();
    const client = createBasespaceClient({ baseUrl: base, token: TOKEN });
    const error = await failure(client.getFile({ fileId: "1" }));
    expect(error).toMatchObject({ code: "PW_BASESPACE_NETWORK", retryable: true, kind: "network" });
    expect(error.status).toBeUndefined();
    expect(error.cause).toBeInstanceOf(Error);
  });

  test("a network error whose message names the token is scrubbed", async () => {
    const client = scripted(() => {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error(`socket closed while sending x-access-token: ${TOKEN}`), {
          code: "ECONNRESET",
        }),
      });
    });
    const error = await failure(client.getFile({ fileId: "1" }));
    expect(error).toMatchObject({ code: "PW_BASESPACE_NETWORK", retryable: true });
    expect((error.cause as Error & { cause: { code: string } }).cause.code).toBe("ECONNRESET");
  });

  test("the caller's signal: PW_BASESPACE_ABORTED", async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await failure(s.client.getFile({ fileId: "1" }, { signal: controller.signal }));
    expect(error).toMatchObject({ code: "PW_BASESPACE_ABORTED", kind: "aborted", retryable: false });
  });

  test("bad client options: PW_BASESPACE_USAGE", () => {
    for (const options of [
      { baseUrl: "not a url", token: TOKEN },
      { baseUrl: "ftp://host/v1pre3", token: TOKEN },
      { baseUrl: `http://host/v1pre3?access_token=${TOKEN}`, token: TOKEN },
      { baseUrl: "http://host/v1pre3", token: "" },
    ]) {
      let thrown: unknown;
      try {
        createBasespaceClient(options);
      } catch (error) {
        thrown = error;
      }
      expect(isBasespaceError(thrown)).toBe(true);
      expect((thrown as BasespaceError).code).toBe("PW_BASESPACE_USAGE");
      expect(everythingIn(thrown)).not.toContain(TOKEN);
    }
  });

  test("isBasespaceError recognises the class by its brand and code, not by instanceof", () => {
    const error = new BasespaceError("x", { kind: "network", operation: "getFile", retryable: true });
    expect(isBasespaceError(error)).toBe(true);
    expect(isBasespaceError(new Error("x"))).toBe(false);
    expect(isBasespaceError({ code: "PW_BASESPACE_HTTP" })).toBe(false);
    expect(error.name).toBe("BasespaceError");
  });
});
