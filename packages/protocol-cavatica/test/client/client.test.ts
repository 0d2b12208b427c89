/**
 * The typed client against the reference server over real sockets: every operationId of
 * specs/cavatica.yaml, validated responses, and failures as `CavaticaError` with a stable code,
 * the status, the envelope, the rule id and the retry decision.
 */
import type { FetchLike } from "@partwise/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  type CavaticaClient,
  CavaticaError,
  createCavaticaClient,
  isCavaticaError,
  type PartUrl,
  ruleOf,
  successCodesOf,
  unquoteEtag,
} from "../../src/index.ts";
import {
  bytesOf,
  type Cavatica,
  entries,
  md5Hex,
  OTHER_TOKEN,
  type Recorded,
  recordingFetch,
  SMALL_LIMITS,
  startCavatica,
  TOKEN,
  uniqueName,
} from "../upload/helpers.ts";

/** A fetch that answers every request with this response. */
const answering =
  (status: number, body: string, headers: Record<string, string> = {}): FetchLike =>
  async () =>
    new Response(status === 204 ? null : body, {
      status,
      headers: { "content-type": "application/json", ...headers },
    });

async function caught(promise: Promise<unknown>): Promise<CavaticaError> {
  try {
    await promise;
  } catch (error) {
    expect(isCavaticaError(error), String(error)).toBe(true);
    return error as CavaticaError;
  }
  throw new Error("expected a rejection");
}

/** No token, in any form, in an error's message, cause chain or JSON. */
function expectNoSecrets(error: unknown, ...secrets: string[]): void {
  const seen: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    seen.push(String((e as { message?: unknown }).message), String((e as { stack?: unknown }).stack));
  }
  seen.push(JSON.stringify(error));
  for (const text of seen) for (const secret of secrets) expect(text).not.toContain(secret);
}

describe("CAVATICA client against the reference server", () => {
  let h: Cavatica;
  beforeAll(async () => {
    h = await startCavatica({ limits: SMALL_LIMITS });
  });
  afterAll(() => h.close());

  test("every operation of the flow, typed and validated, reads back byte-equal (CV-PART-URL, CV-COMPLETE-FILE)", async () => {
    const requests: Recorded[] = [];
    const client = createCavaticaClient({
      baseUrl: h.baseUrl,
      token: TOKEN,
      limits: SMALL_LIMITS,
      fetch: recordingFetch(requests),
    });
    const name = uniqueName("flow");
    const bytes = bytesOf(2500, 7);
    const init = await client.initUpload({
      project: "alice/flow",
      name,
      size: bytes.length,
      part_size: 1024,
    });
    expect(init).toMatchObject({
      project: "alice/flow",
      name,
      size: 2500,
      part_size: 1024,
      parallel_uploads: true,
    });

    const listed = await client.listUploads();
    expect(listed.items.map((item) => item.upload_id)).toContain(init.upload_id);

    const reports = [];
    for (const [number, from, to] of [
      [1, 0, 1024],
      [2, 1024, 2048],
      [3, 2048, 2500],
    ] as const) {
      const partUrl = await client.getPartUrl(init.upload_id, number);
      expect(successCodesOf(partUrl)).toEqual([200]);
      const stored = await client.storagePutPart(partUrl, bytes.subarray(from, to));
      expect(stored.status).toBe(200);
      expect(stored.etag).toBe(md5Hex(bytes.subarray(from, to)));
      expect(stored.headers).toEqual({ ETag: md5Hex(bytes.subarray(from, to)) });
      reports.push({ part_number: number, response: { headers: stored.headers } });
    }
    // One part alone (reportPart), the others in a batch (reportParts).
    expect(await client.reportPart(init.upload_id, reports[0]!)).toEqual({
      href: `${h.baseUrl}/upload/multipart/${init.upload_id}`,
      ...reports[0],
    });
    const batch = await client.reportParts(init.upload_id, { parts: reports.slice(1) });
    expect(batch.parts).toEqual(reports.slice(1));

    const details = await client.getUpload(init.upload_id, { list_parts: true });
    expect(details.uploaded_parts_count).toBe(3);
    expect(details.parts?.map((p) => p.part_number)).toEqual([1, 2, 3]);
    expect((await client.getUpload(init.upload_id)).parts).toBeUndefined();

    const file = await client.completeUpload(init.upload_id);
    expect(file).toMatchObject({ name, size: 2500, project: "alice/flow", type: "file" });
    expect(await client.getFile(file.id)).toEqual(file);
    const info = await client.getDownloadInfo(file.id);
    expect(await client.storageGetFile(info)).toEqual(bytes);
    expect(await client.storageGetFile(info.url, { range: "bytes=1000-1099" })).toEqual(
      bytes.subarray(1000, 1100),
    );

    // The token goes to the API only, never to storage; parts carry a known Content-Length.
    const storage = requests.filter((r) => r.url.includes("/storage/"));
    expect(storage).toHaveLength(5);
    for (const request of storage) {
      expect(request.headers.has("x-sbg-auth-token")).toBe(false);
      expect(request.headers.has("authorization")).toBe(false);
    }
    expect(storage.filter((r) => r.method === "PUT").map((r) => r.bodyLength)).toEqual([1024, 1024, 452]);
    for (const request of requests.filter((r) => !r.url.includes("/storage/")))
      expect(request.headers.get("x-sbg-auth-token")).toBe(TOKEN);
  });

  test("abortUpload answers 204; afterwards the upload is 404 with code 8003 (CV-ABORT)", async () => {
    const init = await h.client.initUpload(
      { parent: "folder1", name: uniqueName("abort") },
      { overwrite: true },
    );
    expect(init.parent).toBe("folder1");
    await expect(h.client.abortUpload(init.upload_id)).resolves.toBeUndefined();
    const error = await caught(h.client.getUpload(init.upload_id));
    expect(error).toMatchObject({
      code: "PW_CAVATICA_HTTP",
      kind: "http",
      status: 404,
      platformCode: 8003,
      retryable: false,
      operation: "getUpload",
    });
    expect(error.envelope?.status).toBe(404);
    expect(error.rule).toMatch(/^CV-/);
  });

  test("a 4xx names its rule and is not retryable (CV-PART-NUMBER, code 8012)", async () => {
    const init = await h.client.initUpload({ project: "alice/rules", name: uniqueName("rule") });
    const error = await caught(h.client.getPartUrl(init.upload_id, 10_001));
    expect(error).toMatchObject({
      code: "PW_CAVATICA_HTTP",
      status: 400,
      platformCode: 8012,
      retryable: false,
    });
    expect(error.rule).toBe("CV-PART-NUMBER");
    expect(error.message).toContain("CV-PART-NUMBER");
    expect(error.side).toBe("remote");
    const target = await caught(h.client.initUpload({ project: "alice/rules", parent: "x", name: "n" }));
    expect(target).toMatchObject({ status: 400, platformCode: 5031, rule: "CV-INIT-TARGET" });
  });

  test("a wrong token is 401 (CV-AUTH) and appears in no error", async () => {
    const secret = "wrong-token-SECRET-42";
    const client = createCavaticaClient({ baseUrl: h.baseUrl, token: secret });
    const error = await caught(client.listUploads());
    expect(error).toMatchObject({ status: 401, platformCode: 90001, rule: "CV-AUTH", retryable: false });
    expectNoSecrets(error, secret);
  });

  test("another token's upload is 404 (CV-AUTH-ISOLATION)", async () => {
    const init = await h.client.initUpload({ project: "alice/iso", name: uniqueName("iso") });
    const bob = createCavaticaClient({ baseUrl: h.baseUrl, token: OTHER_TOKEN });
    expect((await caught(bob.getUpload(init.upload_id))).status).toBe(404);
    expect((await bob.listUploads()).items.map((i) => i.upload_id)).not.toContain(init.upload_id);
  });

  test("a part_size below the spec's 5 MiB is an invalid response unless the client is told the server's limits", async () => {
    const strict = createCavaticaClient({ baseUrl: h.baseUrl, token: TOKEN });
    const error = await caught(
      strict.initUpload({ project: "alice/l", name: uniqueName(), part_size: 1024 }),
    );
    expect(error).toMatchObject({ code: "PW_CAVATICA_INVALID_RESPONSE", kind: "invalid-response" });
    expect(error.message).toContain("part_size");
    const relaxed = await h.client.initUpload({ project: "alice/l", name: uniqueName(), part_size: 1024 });
    expect(relaxed.part_size).toBe(1024);
  });

  test("storage: a signed URL that was altered is 403 (CV-PART-URL-SIGNATURE), not retryable, and no token is sent", async () => {
    const init = await h.client.initUpload({ project: "alice/sig", name: uniqueName() });
    const partUrl = await h.client.getPartUrl(init.upload_id, 1);
    const tampered: PartUrl = {
      ...partUrl,
      url: partUrl.url.replace(/signature=([0-9a-f])/, (_, c) => `signature=${c === "0" ? "1" : "0"}`),
    };
    const error = await caught(h.client.storagePutPart(tampered, bytesOf(10)));
    expect(error).toMatchObject({ status: 403, operation: "storagePutPart", retryable: false });
    expect(error.rule).toBe("CV-PART-URL-SIGNATURE");
    expect(error.message).not.toContain("signature=");
  });
});

describe("CAVATICA client failures without a server", () => {
  const base = "http://127.0.0.1:9/v2";

  test("a refused connection is a retryable network error without the token", async () => {
    const secret = "network-token-SECRET";
    const error = await caught(createCavaticaClient({ baseUrl: base, token: secret }).listUploads());
    expect(error).toMatchObject({
      code: "PW_CAVATICA_NETWORK",
      kind: "network",
      retryable: true,
      status: undefined,
    });
    expectNoSecrets(error, secret);
  });

  test("5xx and 429 are retryable, 429 honours Retry-After and else X-RateLimit-Reset", async () => {
    const envelope = (status: number, code: number) =>
      JSON.stringify({ status, code, message: "busy", more_info: "https://docs.sevenbridges.com" });
    const at = (fetch: FetchLike) =>
      createCavaticaClient({ baseUrl: base, token: TOKEN, fetch }).listUploads();
    expect(await caught(at(answering(503, envelope(503, 90005))))).toMatchObject({
      retryable: true,
      status: 503,
    });
    expect(await caught(at(answering(408, "")))).toMatchObject({ retryable: true, envelope: undefined });
    expect(await caught(at(answering(429, envelope(429, 1000), { "retry-after": "7" })))).toMatchObject({
      retryable: true,
      retryAfterMs: 7000,
    });
    const reset = Math.floor(Date.now() / 1000) + 30;
    const rateLimited = await caught(
      at(answering(429, envelope(429, 1000), { "x-ratelimit-reset": String(reset) })),
    );
    expect(rateLimited.retryAfterMs).toBeGreaterThan(20_000);
    expect(rateLimited.retryAfterMs).toBeLessThanOrEqual(30_000);
    expect(await caught(at(answering(404, envelope(404, 90003))))).toMatchObject({ retryable: false });
  });

  test("409 with code 8008 ('failed to reserve part; retry') is retryable; other 409s are not", async () => {
    const conflict = (code: number) =>
      JSON.stringify({ status: 409, code, message: "conflict", more_info: "https://docs.sevenbridges.com" });
    const client = (code: number) =>
      createCavaticaClient({ baseUrl: base, token: TOKEN, fetch: answering(409, conflict(code)) });
    expect(await caught(client(8008).getPartUrl("u", 1))).toMatchObject({
      retryable: true,
      platformCode: 8008,
    });
    expect(await caught(client(8007).completeUpload("u"))).toMatchObject({
      retryable: false,
      platformCode: 8007,
    });
  });

  test("a gateway error body with a string status is still an envelope (CV-ERROR-ENVELOPE)", async () => {
    const client = createCavaticaClient({
      baseUrl: base,
      token: TOKEN,
      fetch: answering(404, JSON.stringify({ status: "NOT_FOUND", message: "HTTP 404 Not Found" })),
    });
    const error = await caught(client.getFile("f"));
    expect(error.envelope).toEqual({ status: "NOT_FOUND", message: "HTTP 404 Not Found" });
    expect(error.platformCode).toBeUndefined();
  });

  test("answers that do not match the spec are invalid responses", async () => {
    const invalid = (body: string) =>
      createCavaticaClient({ baseUrl: base, token: TOKEN, fetch: answering(200, body) });
    const missing = await caught(invalid(JSON.stringify({ items: [{ name: "x" }] })).listUploads());
    expect(missing).toMatchObject({
      code: "PW_CAVATICA_INVALID_RESPONSE",
      retryable: false,
      operation: "listUploads",
    });
    expect((await caught(invalid("<html>").getFile("f"))).code).toBe("PW_CAVATICA_INVALID_RESPONSE");
    // reportParts: the docs show no body, so an empty one reads as {}.
    expect(await invalid("").reportParts("u", { parts: [] })).toEqual({});
  });

  test("an aborted call is PW_CAVATICA_ABORTED", async () => {
    const controller = new AbortController();
    controller.abort(new Error("user gave up"));
    const error = await caught(
      createCavaticaClient({ baseUrl: base, token: TOKEN }).listUploads({ signal: controller.signal }),
    );
    expect(error).toMatchObject({ code: "PW_CAVATICA_ABORTED", kind: "aborted", retryable: false });
  });

  test("usage errors: no token, no URL", () => {
    expect(() => createCavaticaClient({ baseUrl: base, token: " " })).toThrow(CavaticaError);
    expect(() => createCavaticaClient({ baseUrl: "ftp://x", token: TOKEN })).toThrow(/baseUrl/);
  });

  test("storagePutPart follows the part URL: method, headers verbatim, its success codes and report headers", async () => {
    const seen: { method: string; headers: Headers }[] = [];
    const fetch: FetchLike = async (_input, init) => {
      seen.push({ method: init?.method ?? "GET", headers: new Headers(init?.headers) });
      return new Response(null, { status: 201, headers: { ETag: '"abc"', "x-amz-version-id": "v1" } });
    };
    const client: CavaticaClient = createCavaticaClient({ baseUrl: base, token: TOKEN, fetch });
    const partUrl: PartUrl = {
      method: "POST",
      url: "https://bucket.example/key?X-Signature=s",
      expires: 4102444800,
      headers: { "x-amz-acl": "private" },
      report: { headers: ["etag", "X-Amz-Version-Id"], success_codes: [201] },
      success_codes: [200],
    };
    const stored = await client.storagePutPart(partUrl, bytesOf(3));
    expect(stored).toEqual({ status: 201, etag: "abc", headers: { etag: "abc", "X-Amz-Version-Id": "v1" } });
    expect(seen[0]?.method).toBe("POST");
    expect(seen[0]?.headers.get("x-amz-acl")).toBe("private");
    expect(seen[0]?.headers.has("x-sbg-auth-token")).toBe(false);

    // report.success_codes, else the top-level success_codes, else [200] (CV-SUCCESS-CODES).
    expect(successCodesOf({ ...partUrl, report: { headers: [] }, success_codes: [201, 204] })).toEqual([
      201, 204,
    ]);
    const { success_codes: _top, ...noTop } = partUrl;
    expect(successCodesOf({ ...noTop, report: { headers: [] } })).toEqual([200]);
    // 201 is a failure where only 200 is listed.
    const only200 = { ...partUrl, report: { headers: [], success_codes: [200] } };
    expect((await caught(client.storagePutPart(only200, bytesOf(3)))).status).toBe(201);

    const missing = { ...partUrl, report: { headers: ["x-checksum"], success_codes: [201] } };
    const error = await caught(client.storagePutPart(missing, bytesOf(3)));
    expect(error).toMatchObject({
      code: "PW_CAVATICA_INVALID_RESPONSE",
      retryable: true,
      rule: "CV-REPORT-HEADERS",
    });
  });

  test("helpers: ETag quotes, rule ids", () => {
    expect(unquoteEtag('"9f1b6da2989615a414e8b00a27d20b0c"')).toBe("9f1b6da2989615a414e8b00a27d20b0c");
    expect(unquoteEtag('W/"x"')).toBe("x");
    expect(unquoteEtag("plain")).toBe("plain");
    expect(ruleOf("Requested upload does not exist (CV-AUTH-ISOLATION, CV-ABORT).")).toBe(
      "CV-AUTH-ISOLATION",
    );
    expect(ruleOf("no rule here")).toBeUndefined();
  });
});

test("the request log never holds the token", async () => {
  const h = await startCavatica();
  try {
    await h.client.listUploads();
    expect(entries(h.log, "listUploads")).toHaveLength(1);
    expect(JSON.stringify(h.log)).not.toContain(TOKEN);
  } finally {
    await h.close();
  }
});
