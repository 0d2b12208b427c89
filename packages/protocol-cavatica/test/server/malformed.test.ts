/**
 * Malformed input never gets a 500 and never crashes the server: bad JSON, JSON of the wrong
 * shape, garbage bytes, truncated bodies, oversized bodies and headers, odd paths. Each refusal
 * is the platform error body (CV-ERROR-ENVELOPE).
 */
import { connect } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cavaticaSchemas } from "../../src/index.ts";
import {
  api,
  bytesOf,
  expectError,
  type Harness,
  init,
  md5Hex,
  partUrl,
  rawRequest,
  report,
  sendPart,
  startServer,
} from "./helpers.ts";

const TOKEN = "t";
let h: Harness;
let uploadId: string;
const errors: unknown[] = [];

beforeAll(async () => {
  h = await startServer({ tokens: [TOKEN], onError: (error) => errors.push(error) });
  uploadId = (await init(h, TOKEN, { project: "o/p", name: "m" })).upload_id;
  await sendPart(h, TOKEN, uploadId, 1, bytesOf(10));
});
afterAll(async () => {
  await h.close();
  expect(errors).toEqual([]);
});

const jsonEndpoints = () => [
  ["POST", "/upload/multipart"],
  ["POST", `/upload/multipart/${uploadId}`],
  ["POST", `/upload/multipart/${uploadId}/part`],
  ["POST", `/upload/multipart/${uploadId}/part/`],
  ["POST", `/upload/multipart/${uploadId}/complete`],
];

/** A 4xx with the error body; never a 5xx. */
function expectRefusal(status: number, body: unknown) {
  expect(status).toBeGreaterThanOrEqual(400);
  expect(status).toBeLessThan(500);
  expect(cavaticaSchemas.validate("Error", body).ok).toBe(true);
}

describe("malformed input", () => {
  test("CV-ERROR-ENVELOPE: bad JSON on every JSON endpoint is 400 / 90000", async () => {
    for (const [method, path] of jsonEndpoints())
      for (const raw of ["{", "nul", '{"parts": [}', "\u0000", "[1,]"])
        expectError(await api(h, method!, path!, { token: TOKEN, raw }), 400, 90000);
  });

  test("CV-ERROR-ENVELOPE: any JSON value on any JSON endpoint is answered without a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...jsonEndpoints()), fc.jsonValue(), async ([method, path], value) => {
        const result = await api(h, method!, path!, { token: TOKEN, body: value });
        expect(result.status).toBeLessThan(500);
        if (result.status >= 400) expectRefusal(result.status, result.body);
      }),
      { numRuns: 150 },
    );
  });

  test("CV-ERROR-ENVELOPE: garbage bytes and invalid UTF-8 are refused with 400", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...jsonEndpoints()),
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        async ([method, path], bytes) => {
          const response = await fetch(`${h.base}${path}`, {
            method: method!,
            headers: { "x-sbg-auth-token": TOKEN, "content-type": "application/json" },
            body: bytes,
          });
          expect(response.status).toBeLessThan(500);
          if (response.status >= 400) expectRefusal(response.status, await response.json());
          else await response.body?.cancel();
        },
      ),
      { numRuns: 80 },
    );
    const invalidUtf8 = await fetch(`${h.base}/upload/multipart`, {
      method: "POST",
      headers: { "x-sbg-auth-token": TOKEN, "content-type": "application/json" },
      body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
    });
    expect(invalidUtf8.status).toBe(400);
  });

  test("CV-ERROR-ENVELOPE: a JSON body over 4 MiB is refused with 400 while it streams", async () => {
    const big = JSON.stringify({ parts: [], pad: "x".repeat(5 * 1024 * 1024) });
    expectError(
      await api(h, "POST", `/upload/multipart/${uploadId}`, { token: TOKEN, raw: big }),
      400,
      90000,
    );
  });

  test("CV-ERROR-ENVELOPE: odd paths and methods answer 404, 405 or 403, never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"),
        fc.array(
          fc.constantFrom(
            "upload",
            "multipart",
            "part",
            "1",
            "complete",
            "files",
            "storage",
            "uploads",
            "parts",
            "..",
            "",
            "%2F",
            "v2",
            uploadId,
          ),
          {
            maxLength: 6,
          },
        ),
        async (method, segments) => {
          const response = await fetch(`${h.base}/${segments.join("/")}`, {
            method,
            headers: { "x-sbg-auth-token": TOKEN },
          });
          expect(response.status).toBeLessThan(500);
          await response.body?.cancel();
        },
      ),
      { numRuns: 120 },
    );
    expectError(await api(h, "GET", "/upload/multipart//part/1", { token: TOKEN }), 400, 8011);
    expectError(await api(h, "GET", "/upload/multipart/..%2F..%2Fetc/part/1", { token: TOKEN }), 404, 8003);
  });

  test("CV-ERROR-ENVELOPE: huge headers are refused by the listener and the server keeps serving", async () => {
    const result = await rawRequest(`${h.base}/upload/multipart`, "GET", {
      "x-sbg-auth-token": TOKEN,
      "x-pad": "x".repeat(64 * 1024),
    }).catch(() => ({ status: 0 }));
    expect([0, 400, 431]).toContain(result.status);
    expect((await api(h, "GET", "/upload/multipart", { token: TOKEN })).status).toBe(200);
  });

  test("CV-PART-SIZE: a storage PUT whose body is cut short stores nothing", async () => {
    const { upload_id } = await init(h, TOKEN, { project: "o/p", name: "truncated" });
    const url = new URL(await partUrl(h, TOKEN, upload_id, 1));
    await new Promise<void>((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          `PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: 100000\r\n\r\n${"x".repeat(5000)}`,
        );
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on("close", () => resolve());
      socket.on("error", () => {});
    });
    // The part was never stored: neither the 5000 bytes sent nor anything else can be reported.
    expectError(
      await report(h, TOKEN, upload_id, 1, md5Hex(new TextEncoder().encode("x".repeat(5000)))),
      400,
      8014,
      "CV-REPORT-ETAG",
    );
    const listed = await api(h, "GET", `/upload/multipart/${upload_id}?list_parts=true`, { token: TOKEN });
    expect(listed.body).toMatchObject({ uploaded_parts_count: 0 });
  });

  test("CV-ERROR-ENVELOPE: a truncated JSON body is refused and the server keeps serving", async () => {
    await new Promise<void>((resolve) => {
      const url = new URL(h.base);
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          `POST /v2/upload/multipart HTTP/1.1\r\nHost: ${url.host}\r\nX-SBG-Auth-Token: ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"project": "o/p", "na`,
        );
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on("close", () => resolve());
      socket.on("error", () => {});
    });
    expect((await api(h, "GET", "/upload/multipart", { token: TOKEN })).status).toBe(200);
  });
});
