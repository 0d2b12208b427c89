/**
 * One test per CV-* rule of specs/rules.yaml: each breaks the rule against the reference server
 * over a real socket and expects the documented refusal (status, platform code, rule id in the
 * message), and keeps it to see the documented success.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cavaticaSchemas } from "../../src/index.ts";
import {
  api,
  bytesOf,
  complete,
  downloadBytes,
  expectError,
  type Harness,
  init,
  MiB,
  md5Hex,
  partUrl,
  rawRequest,
  report,
  sendPart,
  startServer,
  storagePut,
  uploadFile,
} from "./helpers.ts";

const ALICE = "alice-token";
const BOB = "bob-token";
let h: Harness;
let seq = 0;
const unique = (prefix = "f") => `${prefix}-${++seq}`;

beforeAll(async () => {
  h = await startServer({ tokens: [ALICE, BOB], projects: { "fixed/owned-by-bob": BOB } });
});
afterAll(() => h.close());

/** A started upload of ALICE with one small stored and reported part 1. */
async function startedUpload(token = ALICE, project = "alice/p") {
  const started = await init(h, token, { project, name: unique(), size: 10 });
  const etag = await sendPart(h, token, started.upload_id, 1, bytesOf(10));
  return { ...started, etag };
}

describe("CV-AUTH", () => {
  test("CV-AUTH: every API call without a token or with a wrong one is refused with 401 / 90001", async () => {
    const { upload_id } = await startedUpload();
    const file = await uploadFile(h, ALICE, bytesOf(5), { project: "alice/p" });
    const calls: [string, string, unknown][] = [
      ["POST", "/upload/multipart", { project: "alice/p", name: unique() }],
      ["GET", "/upload/multipart", undefined],
      ["GET", `/upload/multipart/${upload_id}`, undefined],
      ["POST", `/upload/multipart/${upload_id}`, { parts: [] }],
      ["GET", `/upload/multipart/${upload_id}/part/1`, undefined],
      [
        "POST",
        `/upload/multipart/${upload_id}/part`,
        { part_number: 1, response: { headers: { ETag: "x" } } },
      ],
      ["POST", `/upload/multipart/${upload_id}/complete`, undefined],
      ["DELETE", `/upload/multipart/${upload_id}`, {}],
      ["GET", `/files/${file.id}`, undefined],
      ["GET", `/files/${file.id}/download_info`, undefined],
    ];
    for (const [method, path, body] of calls) {
      expectError(await api(h, method, path, { body }), 401, 90001, "CV-AUTH");
      expectError(await api(h, method, path, { body, token: "not-a-token" }), 401, 90001, "CV-AUTH");
      expectError(
        await api(h, method, path, { body, headers: { authorization: "Bearer nope" } }),
        401,
        90001,
      );
    }
    // Nothing happened: the upload is still there and complete.
    expect((await api(h, "GET", `/upload/multipart/${upload_id}`, { token: ALICE })).status).toBe(200);
  });

  test("CV-AUTH: Authorization: Bearer is accepted as an alternative to X-SBG-Auth-Token", async () => {
    const result = await api(h, "GET", "/upload/multipart", {
      headers: { authorization: `Bearer ${ALICE}` },
    });
    expect(result.status).toBe(200);
    expect(cavaticaSchemas.validate("UploadList", result.body).ok).toBe(true);
  });
});

describe("CV-AUTH-ISOLATION", () => {
  test("CV-AUTH-ISOLATION: another token cannot read, list, report, complete or abort an upload (404 / 8003)", async () => {
    const { upload_id, etag } = await startedUpload();
    const before = await api(h, "GET", `/upload/multipart/${upload_id}?list_parts=true`, { token: ALICE });
    const report1 = { part_number: 1, response: { headers: { ETag: etag } } };
    const calls: [string, string, unknown][] = [
      ["GET", `/upload/multipart/${upload_id}`, undefined],
      ["GET", `/upload/multipart/${upload_id}/part/1`, undefined],
      ["POST", `/upload/multipart/${upload_id}/part`, report1],
      ["POST", `/upload/multipart/${upload_id}`, { parts: [report1] }],
      ["POST", `/upload/multipart/${upload_id}/complete`, undefined],
      ["DELETE", `/upload/multipart/${upload_id}`, {}],
    ];
    for (const [method, path, body] of calls)
      expectError(await api(h, method, path, { token: BOB, body }), 404, 8003, "CV-AUTH-ISOLATION");
    const listed = await api(h, "GET", "/upload/multipart", { token: BOB });
    expect((listed.body as { items: { upload_id: string }[] }).items.map((i) => i.upload_id)).not.toContain(
      upload_id,
    );
    const after = await api(h, "GET", `/upload/multipart/${upload_id}?list_parts=true`, { token: ALICE });
    expect(after.body).toEqual(before.body);
  });

  test("CV-AUTH-ISOLATION: another token's file answers 404 / 5002", async () => {
    const file = await uploadFile(h, ALICE, bytesOf(3), { project: "alice/p" });
    expectError(await api(h, "GET", `/files/${file.id}`, { token: BOB }), 404, 5002, "CV-AUTH-ISOLATION");
    expectError(await api(h, "GET", `/files/${file.id}/download_info`, { token: BOB }), 404, 5002);
    expect((await api(h, "GET", `/files/${file.id}`, { token: ALICE })).status).toBe(200);
  });

  test("CV-AUTH-ISOLATION: a project or folder belongs to the first token that uses it, or to the configured one", async () => {
    await init(h, ALICE, { project: "alice/claimed", name: unique() });
    expectError(
      await api(h, "POST", "/upload/multipart", {
        token: BOB,
        body: { project: "alice/claimed", name: unique() },
      }),
      403,
      3001,
      "CV-AUTH-ISOLATION",
    );
    await init(h, BOB, { parent: "folder-of-bob", name: unique() });
    expectError(
      await api(h, "POST", "/upload/multipart", {
        token: ALICE,
        body: { parent: "folder-of-bob", name: unique() },
      }),
      403,
      5001,
      "CV-AUTH-ISOLATION",
    );
    expectError(
      await api(h, "POST", "/upload/multipart", {
        token: ALICE,
        body: { project: "fixed/owned-by-bob", name: "x" },
      }),
      403,
      3001,
    );
    await init(h, BOB, { project: "fixed/owned-by-bob", name: unique() });
  });
});

describe("CV-INIT-TARGET", () => {
  test("CV-INIT-TARGET: neither project nor parent is 400 / 5029, both is 400 / 5031, malformed project 400 / 8010", async () => {
    const post = (body: unknown) => api(h, "POST", "/upload/multipart", { token: ALICE, body });
    expectError(await post({ name: "a" }), 400, 5029, "CV-INIT-TARGET");
    expectError(await post({ name: "a", project: null, parent: null }), 400, 5029, "CV-INIT-TARGET");
    expectError(await post({ name: "a", project: "alice/p", parent: "folder" }), 400, 5031, "CV-INIT-TARGET");
    for (const project of ["no-slash", "a/b/c", "/b", "a/", 42])
      expectError(await post({ name: "a", project }), 400, 8010, "CV-INIT-TARGET");
    expectError(await post({ name: "a", parent: 7 }), 400, 8013, "CV-INIT-TARGET");
    const inProject = await init(h, ALICE, { project: "alice/p", name: unique() });
    expect(inProject.upload_id).toMatch(/^[A-Za-z0-9]{64}$/);
    const inFolder = await api(h, "POST", "/upload/multipart", {
      token: ALICE,
      body: { parent: "alice-folder", project: null, name: unique() },
    });
    expect(inFolder.status).toBe(200);
    expect(inFolder.body).toMatchObject({ parent: "alice-folder" });
    expect(cavaticaSchemas.validate("MultipartUpload", inFolder.body).ok).toBe(true);
  });
});

describe("CV-INIT-NAME", () => {
  test("CV-INIT-NAME: a missing name, one with '/', or 256 characters is refused with 400 / 8013", async () => {
    const post = (name: unknown) =>
      api(h, "POST", "/upload/multipart", { token: ALICE, body: { project: "alice/p", name } });
    for (const name of [undefined, null, "", "a/b", "/", "x".repeat(256), 12, ".", ".."])
      expectError(await post(name), 400, 8013, "CV-INIT-NAME");
    expect((await post("x".repeat(255))).status).toBe(200);
    // 255 characters outside the BMP (510 UTF-16 units) are still 255 characters.
    expect((await post("😀".repeat(255))).status).toBe(200);
  });

  test("CV-INIT-NAME: generated valid names are accepted and echoed", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .string({ unit: "grapheme", minLength: 1, maxLength: 60 })
          .filter((s) => !s.includes("/") && s !== "." && s !== ".."),
        async (name) => {
          const result = await api(h, "POST", "/upload/multipart", {
            token: ALICE,
            body: { project: "alice/names", name },
          });
          expect(result.status).toBe(200);
          expect((result.body as { name: string }).name).toBe(name);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("CV-INIT-OVERWRITE", () => {
  test("CV-INIT-OVERWRITE: an existing name is 409 / 8005 unless overwrite is true/True/1, which replaces the file", async () => {
    const name = unique("same");
    const first = await uploadFile(h, ALICE, bytesOf(100, 1), { project: "alice/o", name });
    expectError(
      await api(h, "POST", "/upload/multipart", { token: ALICE, body: { project: "alice/o", name } }),
      409,
      8005,
      "CV-INIT-OVERWRITE",
    );
    expectError(
      await api(h, "POST", "/upload/multipart?overwrite=false", {
        token: ALICE,
        body: { project: "alice/o", name },
      }),
      409,
      8005,
    );
    expectError(
      await api(h, "POST", "/upload/multipart?overwrite=yes", {
        token: ALICE,
        body: { project: "alice/o", name },
      }),
      400,
      90000,
      "CV-INIT-OVERWRITE",
    );
    let previous = first;
    for (const [i, flag] of ["true", "True", "1"].entries()) {
      const bytes = bytesOf(50 + i, 10 + i);
      const started = await init(
        h,
        ALICE,
        { project: "alice/o", name, size: bytes.length },
        `?overwrite=${flag}`,
      );
      await sendPart(h, ALICE, started.upload_id, 1, bytes);
      const done = await complete(h, ALICE, started.upload_id);
      expect(done.status).toBe(200);
      const file = done.body as { id: string };
      expect(file.id).not.toBe(previous.id);
      expect(await downloadBytes(h, ALICE, file.id)).toEqual(bytes);
      expectError(await api(h, "GET", `/files/${previous.id}`, { token: ALICE }), 404, 5002);
      previous = file as typeof previous;
    }
    // The same name in another project is another file.
    await uploadFile(h, ALICE, bytesOf(1), { project: "alice/other", name });
  });

  test("CV-INIT-OVERWRITE: a name taken between init and complete is 409 / 8005 at complete without overwrite", async () => {
    const name = unique("race");
    const a = await init(h, ALICE, { project: "alice/race", name });
    const b = await init(h, ALICE, { project: "alice/race", name });
    await sendPart(h, ALICE, a.upload_id, 1, bytesOf(4));
    await sendPart(h, ALICE, b.upload_id, 1, bytesOf(4));
    expect((await complete(h, ALICE, a.upload_id)).status).toBe(200);
    expectError(await complete(h, ALICE, b.upload_id), 409, 8005, "CV-INIT-OVERWRITE");
    // The upload stays open.
    expect((await api(h, "GET", `/upload/multipart/${b.upload_id}`, { token: ALICE })).status).toBe(200);
  });
});

describe("CV-PART-SIZE", () => {
  test("CV-PART-SIZE: the answered part_size is within 5 MiB..5 GiB and fits size in 10,000 parts", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(
          fc.oneof(
            fc.integer({ min: 0, max: 5 * 2 ** 40 }),
            fc.constantFrom(0, 1, 50 * 2 ** 30, 5 * 2 ** 40),
          ),
          {
            nil: undefined,
          },
        ),
        fc.option(
          fc.oneof(
            fc.integer({ min: -10, max: 6 * 2 ** 30 }),
            fc.constantFrom(5 * MiB - 1, 5 * MiB, 32 * MiB, 5 * 2 ** 30, 5 * 2 ** 30 + 1),
          ),
          { nil: undefined },
        ),
        async (size, preferred) => {
          const result = await api(h, "POST", "/upload/multipart", {
            token: ALICE,
            body: { project: "alice/sizes", name: unique(), size, part_size: preferred },
          });
          expect(result.status).toBe(200);
          const partSize = (result.body as { part_size: number }).part_size;
          expect(partSize).toBeGreaterThanOrEqual(5 * MiB);
          expect(partSize).toBeLessThanOrEqual(5 * 2 ** 30);
          if (size !== undefined) expect(Math.ceil(size / partSize)).toBeLessThanOrEqual(10_000);
          const usable =
            preferred !== undefined &&
            preferred >= 5 * MiB &&
            preferred <= 5 * 2 ** 30 &&
            (size === undefined || Math.ceil(size / preferred) <= 10_000);
          if (usable) expect(partSize).toBe(preferred);
          if (preferred === undefined && size === undefined) expect(partSize).toBe(32 * MiB);
        },
      ),
      { numRuns: 60 },
    );
  });

  test("CV-PART-SIZE: a part_size that is not a number is 400 / 8013", async () => {
    expectError(
      await api(h, "POST", "/upload/multipart", {
        token: ALICE,
        body: { project: "alice/p", name: "x", part_size: "big" },
      }),
      400,
      8013,
      "CV-PART-SIZE",
    );
  });

  test("CV-PART-SIZE: storage refuses a part over 5 GiB (declared length) with 400 and stores nothing", async () => {
    const { upload_id } = await init(h, ALICE, { project: "alice/p", name: unique() });
    const url = await partUrl(h, ALICE, upload_id, 1);
    const result = await rawRequest(
      url,
      "PUT",
      { "content-length": String(5 * 2 ** 30 + 1) },
      bytesOf(1024),
      {
        end: false,
      },
    );
    expect(result.status).toBe(400);
    expect(JSON.parse(result.body)).toMatchObject({ status: 400, code: 90000 });
    expect(JSON.parse(result.body).message).toContain("CV-PART-SIZE");
    expectError(await report(h, ALICE, upload_id, 1, md5Hex(bytesOf(1024))), 400, 8014, "CV-REPORT-ETAG");
  });

  test("CV-PART-SIZE: storage refuses a streamed part the moment it passes the maximum, storing nothing", async () => {
    const small = await startServer({
      tokens: [ALICE],
      limits: { minPartSize: 1024, maxPartSize: 64 * 1024 },
    });
    try {
      const { upload_id } = await init(small, ALICE, { project: "alice/p", name: "big" });
      const url = await partUrl(small, ALICE, upload_id, 1);
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 1024 * 1024) return controller.close();
          sent += 16 * 1024;
          controller.enqueue(bytesOf(16 * 1024, sent));
        },
      });
      const response = await fetch(url, { method: "PUT", body, duplex: "half" } as RequestInit).catch(
        () => undefined,
      );
      if (response !== undefined) {
        expect(response.status).toBe(400);
        expect(((await response.json()) as { message: string }).message).toContain("CV-PART-SIZE");
      }
      expectError(await report(small, ALICE, upload_id, 1, md5Hex(new Uint8Array())), 400, 8014);
      // At the maximum exactly, the part is stored.
      const put = await storagePut(await partUrl(small, ALICE, upload_id, 1), bytesOf(64 * 1024));
      expect(put.status).toBe(200);
    } finally {
      await small.close();
    }
  });
});

describe("CV-PART-NUMBER", () => {
  test("CV-PART-NUMBER: part URLs for 0, 10001 and non-integers are 400 / 8012; 1 and 10000 succeed", async () => {
    const { upload_id } = await init(h, ALICE, { project: "alice/p", name: unique() });
    for (const n of ["0", "10001", "-1", "1.5", "abc", "99999999"])
      expectError(
        await api(h, "GET", `/upload/multipart/${upload_id}/part/${n}`, { token: ALICE }),
        400,
        8012,
        "CV-PART-NUMBER",
      );
    for (const n of [1, 10_000])
      expect((await api(h, "GET", `/upload/multipart/${upload_id}/part/${n}`, { token: ALICE })).status).toBe(
        200,
      );
    for (const n of [0, 10_001, 2.5])
      expectError(await report(h, ALICE, upload_id, n, "00"), 400, 8012, "CV-PART-NUMBER");
  });
});

describe("CV-MAX-FILE-SIZE", () => {
  test("CV-MAX-FILE-SIZE: an init declaring 5 TiB + 1 is 400 / 8013; 5 TiB is accepted", async () => {
    const post = (size: number) =>
      api(h, "POST", "/upload/multipart", {
        token: ALICE,
        body: { project: "alice/p", name: unique(), size },
      });
    expectError(await post(5 * 2 ** 40 + 1), 400, 8013, "CV-MAX-FILE-SIZE");
    expectError(await post(-1), 400, 8013, "CV-MAX-FILE-SIZE");
    const ok = await post(5 * 2 ** 40);
    expect(ok.status).toBe(200);
    expect((ok.body as { part_size: number }).part_size).toBe(Math.ceil((5 * 2 ** 40) / 10_000));
  });

  test("CV-MAX-FILE-SIZE: a completed file over the maximum is 409 / 8007", async () => {
    const small = await startServer({ tokens: [ALICE], limits: { minPartSize: 4, maxTotalSize: 10 } });
    try {
      const { upload_id } = await init(small, ALICE, { project: "alice/p", name: "big" });
      await sendPart(small, ALICE, upload_id, 1, bytesOf(6));
      await sendPart(small, ALICE, upload_id, 2, bytesOf(6));
      expectError(await complete(small, ALICE, upload_id), 409, 8007, "CV-MAX-FILE-SIZE");
    } finally {
      await small.close();
    }
  });
});

describe("CV-PART-URL", () => {
  test("CV-PART-URL: for random part numbers the response validates against PartUrl", async () => {
    const { upload_id } = await init(h, ALICE, { project: "alice/p", name: unique() });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 10_000 }), async (n) => {
        const result = await api(h, "GET", `/upload/multipart/${upload_id}/part/${n}`, { token: ALICE });
        expect(result.status).toBe(200);
        expect(cavaticaSchemas.validate("PartUrl", result.body).ok).toBe(true);
        const body = result.body as {
          method: string;
          url: string;
          expires: string;
          headers: Record<string, string>;
          report: { headers: string[]; success_codes: number[] };
          success_codes: number[];
        };
        expect(body.method).toBe("PUT");
        expect(new URL(body.url).pathname).toBe(`/v2/storage/uploads/${upload_id}/parts/${n}`);
        expect(body.headers).toEqual({});
        expect(body.report).toEqual({ headers: ["ETag"], success_codes: [200] });
        expect(body.success_codes).toEqual([200]);
        expect(body.expires).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      }),
      { numRuns: 25 },
    );
  });
});

describe("CV-PART-URL-EXPIRY", () => {
  test("CV-PART-URL-EXPIRY: a storage request after expires is refused with 403 and stores nothing", async () => {
    let now = Date.UTC(2030, 0, 1);
    const clocked = await startServer({ tokens: [ALICE], now: () => now, partUrlTtlMs: 60_000 });
    try {
      const { upload_id } = await init(clocked, ALICE, { project: "alice/p", name: "x" });
      const url = await partUrl(clocked, ALICE, upload_id, 1);
      const expires = Number(new URL(url).searchParams.get("expires"));
      now = expires * 1000;
      const put = await storagePut(url, bytesOf(10));
      expect(put.status).toBe(403);
      expect(put.body).toMatchObject({ status: 403, code: 90002 });
      expect((put.body as { message: string }).message).toContain("CV-PART-URL-EXPIRY");
      expectError(
        await report(clocked, ALICE, upload_id, 1, md5Hex(bytesOf(10))),
        400,
        8014,
        "CV-REPORT-ETAG",
      );
      // A new URL for the same part works.
      const fresh = await partUrl(clocked, ALICE, upload_id, 1);
      expect((await storagePut(fresh, bytesOf(10))).status).toBe(200);
    } finally {
      await clocked.close();
    }
  });

  test("CV-PART-URL-EXPIRY: with partUrlTtlMs 0 every part URL is already expired", async () => {
    const expired = await startServer({ tokens: [ALICE], partUrlTtlMs: 0 });
    try {
      const { upload_id } = await init(expired, ALICE, { project: "alice/p", name: "x" });
      expect((await storagePut(await partUrl(expired, ALICE, upload_id, 1), bytesOf(3))).status).toBe(403);
    } finally {
      await expired.close();
    }
  });
});

describe("CV-PART-URL-SIGNATURE", () => {
  test("CV-PART-URL-SIGNATURE: random single-character changes to the signed path and query are refused with 403", async () => {
    const { upload_id } = await init(h, ALICE, { project: "alice/p", name: unique() });
    const url = await partUrl(h, ALICE, upload_id, 7);
    const prefix = `${h.base}/storage/`;
    expect(url.startsWith(prefix)).toBe(true);
    const tail = url.slice(prefix.length);
    // '#' starts a fragment that is never sent, and URL parsing turns '\' into '/': both leave
    // the request unchanged, so they are not changes of the signed URL.
    const char = fc.constantFrom(..."abcdefABCDEF0123456789xyz%&=?/.-_~+;:@!$'()*,");
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant("replace" as const), at: fc.nat({ max: tail.length - 1 }), char }),
      fc.record({ kind: fc.constant("insert" as const), at: fc.nat({ max: tail.length }), char }),
      fc.record({ kind: fc.constant("delete" as const), at: fc.nat({ max: tail.length - 1 }) }),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const changed =
          m.kind === "replace"
            ? tail.slice(0, m.at) + m.char + tail.slice(m.at + 1)
            : m.kind === "insert"
              ? tail.slice(0, m.at) + m.char + tail.slice(m.at)
              : tail.slice(0, m.at) + tail.slice(m.at + 1);
        fc.pre(changed !== tail);
        const put = await fetch(prefix + changed, { method: "PUT", body: bytesOf(5) });
        const body = (await put.json()) as { status: number; code: number };
        expect(put.status).toBe(403);
        expect(body.code).toBe(90002);
      }),
      { numRuns: 150 },
    );
    // Nothing was stored for part 7, and the untouched URL still works.
    expectError(await report(h, ALICE, upload_id, 7, md5Hex(bytesOf(5))), 400, 8014);
    expect((await storagePut(url, bytesOf(5))).status).toBe(200);
  });

  test("CV-PART-URL-SIGNATURE: the storage URL needs no token; a secret given in the options signs it", async () => {
    const signed = await startServer({ tokens: [ALICE], signingSecret: "s3cr3t" });
    try {
      const { upload_id } = await init(signed, ALICE, { project: "alice/p", name: "x" });
      const url = await partUrl(signed, ALICE, upload_id, 1);
      // A URL signed with another secret (another server) is refused here.
      const other = url.replace(/signature=[0-9a-f]+/, `signature=${"0".repeat(64)}`);
      expect((await storagePut(other, bytesOf(2))).status).toBe(403);
      expect((await storagePut(url, bytesOf(2))).status).toBe(200);
    } finally {
      await signed.close();
    }
  });
});

describe("CV-SUCCESS-CODES, CV-REPORT-HEADERS, CV-STORAGE-ETAG", () => {
  test("CV-SUCCESS-CODES: every successful storage PUT answers a status listed in report.success_codes", async () => {
    const { upload_id } = await init(h, ALICE, { project: "alice/p", name: unique() });
    for (const n of [1, 2, 3]) {
      const info = await api(h, "GET", `/upload/multipart/${upload_id}/part/${n}`, { token: ALICE });
      const body = info.body as {
        url: string;
        method: string;
        headers: Record<string, string>;
        report: { success_codes: number[] };
      };
      const put = await fetch(body.url, {
        method: body.method,
        headers: body.headers,
        body: bytesOf(n * 100),
      });
      expect(body.report.success_codes).toContain(put.status);
    }
  });

  test("CV-REPORT-HEADERS: the storage response carries every header of report.headers; reports match names case-insensitively", async () => {
    const { upload_id } = await init(h, ALICE, { project: "alice/p", name: unique() });
    const info = await api(h, "GET", `/upload/multipart/${upload_id}/part/1`, { token: ALICE });
    const body = info.body as { url: string; report: { headers: string[] } };
    const put = await fetch(body.url, { method: "PUT", body: bytesOf(9) });
    for (const name of body.report.headers) expect(put.headers.get(name)).not.toBeNull();
    const etag = put.headers.get("etag")!.replaceAll('"', "");
    const lower = await api(h, "POST", `/upload/multipart/${upload_id}/part`, {
      token: ALICE,
      body: { part_number: 1, response: { headers: { etag } } },
    });
    expect(lower.status).toBe(200);
    expectError(
      await api(h, "POST", `/upload/multipart/${upload_id}/part`, {
        token: ALICE,
        body: { part_number: 1, response: { headers: { "Content-MD5": etag } } },
      }),
      400,
      8014,
      "CV-REPORT-HEADERS",
    );
  });

  test("CV-STORAGE-ETAG: for random bytes the storage ETag is the quoted lowercase hex MD5", async () => {
    const { upload_id } = await init(h, ALICE, { project: "alice/p", name: unique() });
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 4096 }),
        fc.integer({ min: 1, max: 10_000 }),
        async (bytes, n) => {
          const put = await storagePut(await partUrl(h, ALICE, upload_id, n), bytes);
          expect(put.status).toBe(200);
          expect(put.etag).toBe(`"${md5Hex(bytes)}"`);
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe("CV-REPORT-BODY", () => {
  test("CV-REPORT-BODY: malformed reports are refused with 400 / 8014; a valid one is echoed", async () => {
    const { upload_id, etag } = await startedUpload();
    const post = (body: unknown) =>
      api(h, "POST", `/upload/multipart/${upload_id}/part`, { token: ALICE, body });
    for (const body of [
      { response: { headers: { ETag: etag } } },
      { part_number: 1 },
      { part_number: "1", response: { headers: { ETag: etag } } },
      { part_number: 1, response: "x" },
      { part_number: 1, response: { headers: [etag] } },
      { part_number: 1, response: { headers: { ETag: 5 } } },
      { part_number: 1, response: { headers: { ETag: etag }, body: "x" } },
      [1, 2],
      "report",
    ])
      expectError(await post(body), 400, 8014, "CV-REPORT-BODY");
    const valid = { part_number: 1, response: { headers: { ETag: etag }, body: {} } };
    const echoed = await post(valid);
    expect(echoed.status).toBe(200);
    // The echo carries the upload's href, which sevenbridges-java navigates by.
    expect(echoed.body).toEqual({ href: `${h.base}/upload/multipart/${upload_id}`, ...valid });
    expect(cavaticaSchemas.validate("PartReportAnswer", echoed.body).ok).toBe(true);
  });

  test("CV-REPORT-BODY: reporting a part again replaces the earlier report", async () => {
    const { upload_id, etag } = await startedUpload();
    await report(h, ALICE, upload_id, 1, `"${etag}"`);
    const details = await api(h, "GET", `/upload/multipart/${upload_id}?list_parts=true`, { token: ALICE });
    expect((details.body as { parts: unknown[] }).parts).toEqual([
      { part_number: 1, response: { headers: { ETag: `"${etag}"` } } },
    ]);
  });
});

describe("CV-REPORT-ETAG", () => {
  test("CV-REPORT-ETAG: a wrong ETag or a part never stored is 400 / 8014; quotes and hex case are accepted", async () => {
    const { upload_id, etag } = await startedUpload();
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[0-9a-f]{32}$/), async (wrong) => {
        fc.pre(wrong !== etag);
        expectError(await report(h, ALICE, upload_id, 1, wrong), 400, 8014, "CV-REPORT-ETAG");
      }),
      { numRuns: 15 },
    );
    expectError(await report(h, ALICE, upload_id, 1, ""), 400, 8014, "CV-REPORT-ETAG");
    expectError(await report(h, ALICE, upload_id, 2, etag), 400, 8014, "CV-REPORT-ETAG");
    for (const variant of [etag, `"${etag}"`, etag.toUpperCase(), `"${etag.toUpperCase()}"`])
      expect((await report(h, ALICE, upload_id, 1, variant)).status).toBe(200);
  });

  test("CV-REPORT-ETAG: a part sent again after its report makes complete fail with 409 / 8007 until re-reported", async () => {
    const { upload_id } = await startedUpload();
    const put = await storagePut(await partUrl(h, ALICE, upload_id, 1), bytesOf(11, 99));
    expect(put.status).toBe(200);
    expectError(await complete(h, ALICE, upload_id), 409, 8007, "CV-REPORT-ETAG");
    expect((await report(h, ALICE, upload_id, 1, put.etag!)).status).toBe(200);
    const done = await complete(h, ALICE, upload_id);
    expect(done.status).toBe(200);
    expect(await downloadBytes(h, ALICE, (done.body as { id: string }).id)).toEqual(bytesOf(11, 99));
  });
});

describe("CV-REPORT-BATCH", () => {
  test("CV-REPORT-BATCH: random batches show up in list_parts; a body without a parts array is 400 / 8015", async () => {
    const small = await startServer({ tokens: [ALICE], limits: { minPartSize: 1 } });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { minLength: 0, maxLength: 12 }),
          async (numbers) => {
            const { upload_id } = await init(small, ALICE, { project: "alice/p", name: unique() });
            const reports = [];
            for (const n of numbers) {
              const put = await storagePut(await partUrl(small, ALICE, upload_id, n), bytesOf(n, n));
              reports.push({
                part_number: n,
                response: { headers: { ETag: put.etag!.replaceAll('"', "") } },
              });
            }
            const batch = await api(small, "POST", `/upload/multipart/${upload_id}`, {
              token: ALICE,
              body: { parts: reports },
            });
            expect(batch.status).toBe(200);
            expect(cavaticaSchemas.validate("PartReportBatchResult", batch.body).ok).toBe(true);
            const details = await api(small, "GET", `/upload/multipart/${upload_id}?list_parts=true`, {
              token: ALICE,
            });
            const parts = (details.body as { parts: { part_number: number }[] }).parts;
            expect(parts.map((p) => p.part_number)).toEqual([...numbers].sort((a, b) => a - b));
          },
        ),
        { numRuns: 10 },
      );
      const { upload_id } = await init(small, ALICE, { project: "alice/p", name: unique() });
      for (const body of [{}, { parts: "x" }, { parts: { part_number: 1 } }, [], null, 5])
        expectError(
          await api(small, "POST", `/upload/multipart/${upload_id}`, { token: ALICE, body }),
          400,
          8015,
          "CV-REPORT-BATCH",
        );
    } finally {
      await small.close();
    }
  });

  test("CV-REPORT-BATCH: a batch with one bad entry records nothing; the last report of a part wins", async () => {
    const { upload_id, etag } = await init(h, ALICE, { project: "alice/p", name: unique() }).then(
      async (s) => ({
        ...s,
        etag: (await storagePut(await partUrl(h, ALICE, s.upload_id, 1), bytesOf(7))).etag!,
      }),
    );
    const good = { part_number: 1, response: { headers: { ETag: etag } } };
    const bad = { part_number: 2, response: { headers: { ETag: etag } } };
    expectError(
      await api(h, "POST", `/upload/multipart/${upload_id}`, { token: ALICE, body: { parts: [good, bad] } }),
      400,
      8014,
      "CV-REPORT-ETAG",
    );
    const details = await api(h, "GET", `/upload/multipart/${upload_id}?list_parts=true`, { token: ALICE });
    expect(details.body).toMatchObject({ uploaded_parts_count: 0, parts: [] });
    const lower = { part_number: 1, response: { headers: { etag: etag.toLowerCase() } } };
    expect(
      (
        await api(h, "POST", `/upload/multipart/${upload_id}`, {
          token: ALICE,
          body: { parts: [good, lower] },
        })
      ).status,
    ).toBe(200);
    const after = await api(h, "GET", `/upload/multipart/${upload_id}?list_parts=true`, { token: ALICE });
    expect((after.body as { parts: unknown[] }).parts).toEqual([lower]);
  });
});

describe("CV-LIST-PARTS", () => {
  test("CV-LIST-PARTS: details list exactly the reported parts, ascending, with their ETags, and count them", async () => {
    const small = await startServer({ tokens: [ALICE], limits: { minPartSize: 1 } });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), { maxLength: 8 }),
          fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), { maxLength: 4 }),
          async (reported, storedOnly) => {
            const { upload_id } = await init(small, ALICE, { project: "alice/p", name: unique() });
            const etags = new Map<number, string>();
            for (const n of reported)
              etags.set(n, await sendPart(small, ALICE, upload_id, n, bytesOf(n % 97, n)));
            for (const n of storedOnly.filter((n) => !etags.has(n)))
              await storagePut(await partUrl(small, ALICE, upload_id, n), bytesOf(3));
            const details = await api(small, "GET", `/upload/multipart/${upload_id}?list_parts=true`, {
              token: ALICE,
            });
            expect(
              cavaticaSchemas.validate("UploadDetails", { ...(details.body as object), part_size: 5 * MiB })
                .ok,
            ).toBe(true);
            const body = details.body as {
              uploaded_parts_count: number;
              parts: { part_number: number; response: { headers: { ETag: string } } }[];
            };
            expect(body.uploaded_parts_count).toBe(etags.size);
            const expected = [...etags]
              .sort(([a], [b]) => a - b)
              .map(([n, etag]) => ({ part_number: n, response: { headers: { ETag: etag } } }));
            expect(body.parts).toEqual(expected);
            const plain = await api(small, "GET", `/upload/multipart/${upload_id}?list_parts=False`, {
              token: ALICE,
            });
            expect(plain.body).not.toHaveProperty("parts");
            expect((plain.body as { uploaded_parts_count: number }).uploaded_parts_count).toBe(etags.size);
          },
        ),
        { numRuns: 8 },
      );
    } finally {
      await small.close();
    }
  });

  test("CV-LIST-PARTS: list_parts accepts True and refuses other spellings with 400 / 90000", async () => {
    const { upload_id } = await startedUpload();
    const ok = await api(h, "GET", `/upload/multipart/${upload_id}?list_parts=True`, { token: ALICE });
    expect((ok.body as { parts: unknown[] }).parts).toHaveLength(1);
    expectError(
      await api(h, "GET", `/upload/multipart/${upload_id}?list_parts=maybe`, { token: ALICE }),
      400,
      90000,
      "CV-LIST-PARTS",
    );
  });
});

describe("CV-COMPLETE-MISSING", () => {
  test("CV-COMPLETE-MISSING: no parts, a gap or an unreported part is 409 / 8007; the upload stays open", async () => {
    const small = await startServer({ tokens: [ALICE], limits: { minPartSize: 4 } });
    try {
      const { upload_id } = await init(small, ALICE, { project: "alice/p", name: "gaps" });
      expectError(await complete(small, ALICE, upload_id), 409, 8007, "CV-COMPLETE-MISSING");
      await sendPart(small, ALICE, upload_id, 1, bytesOf(4, 1));
      await sendPart(small, ALICE, upload_id, 3, bytesOf(4, 3));
      expectError(await complete(small, ALICE, upload_id), 409, 8007, "CV-COMPLETE-MISSING");
      // Part 2 stored but not reported still counts as missing; so does a stored, unreported last part.
      const put2 = await storagePut(await partUrl(small, ALICE, upload_id, 2), bytesOf(4, 2));
      expectError(await complete(small, ALICE, upload_id), 409, 8007, "CV-COMPLETE-MISSING");
      await storagePut(await partUrl(small, ALICE, upload_id, 4), bytesOf(2, 4));
      expectError(
        await complete(small, ALICE, upload_id, {
          parts: [{ part_number: 2, response: { headers: { ETag: put2.etag! } } }],
        }),
        409,
        8007,
        "CV-COMPLETE-MISSING",
      );
      await report(small, ALICE, upload_id, 4, md5Hex(bytesOf(2, 4)));
      const done = await complete(small, ALICE, upload_id);
      expect(done.status).toBe(200);
      const expected = new Uint8Array([
        ...bytesOf(4, 1),
        ...bytesOf(4, 2),
        ...bytesOf(4, 3),
        ...bytesOf(2, 4),
      ]);
      expect(await downloadBytes(small, ALICE, (done.body as { id: string }).id)).toEqual(expected);
    } finally {
      await small.close();
    }
  });
});

describe("CV-COMPLETE-MIN-SIZE", () => {
  test("CV-COMPLETE-MIN-SIZE: a non-final part of 5 MiB - 1 cannot be completed; at 5 MiB it completes", async () => {
    const { upload_id } = await init(h, ALICE, { project: "alice/p", name: unique(), size: 10 * MiB });
    const short = bytesOf(5 * MiB - 1, 5);
    const last = bytesOf(1000, 6);
    await sendPart(h, ALICE, upload_id, 1, short);
    await sendPart(h, ALICE, upload_id, 2, last);
    expectError(await complete(h, ALICE, upload_id), 409, 8007, "CV-COMPLETE-MIN-SIZE");
    const full = bytesOf(5 * MiB, 5);
    await sendPart(h, ALICE, upload_id, 1, full);
    const done = await complete(h, ALICE, upload_id);
    expect(done.status).toBe(200);
    const file = done.body as { id: string; size: number };
    expect(file.size).toBe(5 * MiB + 1000);
    const bytes = await downloadBytes(h, ALICE, file.id);
    expect(md5Hex(bytes)).toBe(md5Hex(new Uint8Array([...full, ...last])));
  });
});

describe("CV-COMPLETE-ORDER", () => {
  test("CV-COMPLETE-ORDER: parts sent and reported in reverse, concurrently, read back in ascending order", async () => {
    const bytes = bytesOf(10 * MiB + 123, 42);
    const file = await uploadFile(h, ALICE, bytes, {
      project: "alice/p",
      partSize: 5 * MiB,
      order: [2, 1, 0],
      concurrency: 3,
    });
    expect(file.size).toBe(bytes.length);
    expect(md5Hex(await downloadBytes(h, ALICE, file.id))).toBe(md5Hex(bytes));
  });
});

describe("CV-COMPLETE-FILE", () => {
  test("CV-COMPLETE-FILE: complete answers the File with size = bytes; the file is readable and the upload gone", async () => {
    const bytes = bytesOf(777, 3);
    const { upload_id } = await init(h, ALICE, { project: "alice/p", name: "done.bin", size: 1 });
    await sendPart(h, ALICE, upload_id, 1, bytes);
    const done = await complete(h, ALICE, upload_id, null);
    expect(done.status).toBe(200);
    expect(cavaticaSchemas.validate("File", done.body).ok).toBe(true);
    const file = done.body as {
      id: string;
      size: number;
      name: string;
      project: string;
      type: string;
      href: string;
    };
    expect(file).toMatchObject({ size: 777, name: "done.bin", project: "alice/p", type: "file" });
    expect(file.href).toBe(`${h.base}/files/${file.id}`);
    const fetched = await api(h, "GET", `/files/${file.id}`, { token: ALICE });
    expect(fetched.body).toEqual(done.body);
    expect(await downloadBytes(h, ALICE, file.id)).toEqual(bytes);
    expectError(await api(h, "GET", `/upload/multipart/${upload_id}`, { token: ALICE }), 404, 8003);
    expectError(await complete(h, ALICE, upload_id), 404, 8003, "CV-COMPLETE-TERMINAL");
  });

  test("CV-COMPLETE-FILE: complete takes the remaining reports in its body ({parts}, as sevenbridges2) or {}", async () => {
    const { upload_id } = await init(h, ALICE, { project: "alice/p", name: unique() });
    const put = await storagePut(await partUrl(h, ALICE, upload_id, 1), bytesOf(20));
    const done = await complete(h, ALICE, upload_id, {
      parts: [{ part_number: 1, response: { headers: { ETag: put.etag! } } }],
    });
    expect(done.status).toBe(200);
    const empty = await startedUpload();
    expect((await complete(h, ALICE, empty.upload_id, {})).status).toBe(200);
    const bad = await startedUpload();
    expectError(await complete(h, ALICE, bad.upload_id, { parts: "all" }), 400, 8015, "CV-REPORT-BATCH");
  });

  test("CV-COMPLETE-FILE: an empty file is one empty part", async () => {
    const file = await uploadFile(h, ALICE, new Uint8Array(0), { project: "alice/p" });
    expect(file.size).toBe(0);
    expect(await downloadBytes(h, ALICE, file.id)).toEqual(new Uint8Array(0));
  });
});

describe("CV-ABORT", () => {
  test("CV-ABORT: 204 with no body; then every call on the upload is 404 / 8003 and its storage URLs stop working", async () => {
    const { upload_id, etag } = await startedUpload();
    const url = await partUrl(h, ALICE, upload_id, 2);
    const aborted = await api(h, "DELETE", `/upload/multipart/${upload_id}`, { token: ALICE, body: {} });
    expect(aborted.status).toBe(204);
    expect(aborted.body).toBeUndefined();
    const report1 = { part_number: 1, response: { headers: { ETag: etag } } };
    for (const [method, path, body] of [
      ["GET", `/upload/multipart/${upload_id}`, undefined],
      ["GET", `/upload/multipart/${upload_id}/part/1`, undefined],
      ["POST", `/upload/multipart/${upload_id}/part`, report1],
      ["POST", `/upload/multipart/${upload_id}`, { parts: [report1] }],
      ["POST", `/upload/multipart/${upload_id}/complete`, undefined],
      ["DELETE", `/upload/multipart/${upload_id}`, undefined],
    ] as const)
      expectError(await api(h, method, path, { token: ALICE, body }), 404, 8003, "CV-ABORT");
    const put = await storagePut(url, bytesOf(3));
    expect([403, 404]).toContain(put.status);
    const listed = await api(h, "GET", "/upload/multipart", { token: ALICE });
    expect((listed.body as { items: { upload_id: string }[] }).items.map((i) => i.upload_id)).not.toContain(
      upload_id,
    );
  });

  test("CV-ABORT: the aborted upload's parts are deleted from disk", async () => {
    const own = await startServer({ tokens: [ALICE] });
    try {
      const { upload_id } = await init(own, ALICE, { project: "alice/p", name: "x" });
      await sendPart(own, ALICE, upload_id, 1, bytesOf(1000));
      const { readdir } = await import("node:fs/promises");
      const { join } = await import("node:path");
      const blobs = () => readdir(join(own.server.dataDir, "blobs"));
      expect((await blobs()).length).toBe(1);
      expect((await api(own, "DELETE", `/upload/multipart/${upload_id}`, { token: ALICE })).status).toBe(204);
      expect(await blobs()).toEqual([]);
    } finally {
      await own.close();
    }
  });
});

describe("CV-ERROR-ENVELOPE", () => {
  test("CV-ERROR-ENVELOPE: refusals answer {status, code, message, more_info}: unknown path, method, JSON, media type", async () => {
    expectError(await api(h, "GET", "/nope", { token: ALICE }), 404, 90003, "CV-ERROR-ENVELOPE");
    const put = await api(h, "PUT", "/upload/multipart/abc/part", { token: ALICE, body: {} });
    expectError(put, 405, 90006);
    expect(put.headers.get("allow")).toBe("POST");
    expectError(
      await api(h, "POST", "/upload/multipart", {
        token: ALICE,
        raw: "{not json",
        contentType: "application/json",
      }),
      400,
      90000,
    );
    expectError(
      await api(h, "POST", "/upload/multipart", { token: ALICE, raw: "<init/>", contentType: "text/xml" }),
      415,
      90008,
    );
    const root = await fetch(`${h.origin}/`);
    expect(root.status).toBe(404);
    expect(cavaticaSchemas.validate("Error", await root.json()).ok).toBe(true);
  });
});
