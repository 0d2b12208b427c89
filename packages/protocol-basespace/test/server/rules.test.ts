/**
 * One test per BaseSpace rule of specs/rules.yaml: each breaks the rule (or exercises it) against
 * the reference server over a real socket and checks the documented answer.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { File, FileContentMeta } from "../../src/index.ts";
import {
  answer,
  bytesOf,
  Client,
  expectError,
  md5Base64,
  md5Hex,
  rawRequest,
  smallLimits,
  startServer,
  type TestServer,
} from "./helpers.ts";

let s: TestServer;
let counter = 0;
/** A fresh AppResult id and token per test, so tests never claim each other's AppResults. */
const fresh = () => {
  counter += 1;
  return {
    appResult: String(100 + counter),
    client: new Client(s.base, `token-${counter}-${Math.random()}`),
  };
};
const min = smallLimits.minPartSize;
const max = smallLimits.maxPartSize;

beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

describe("authentication and isolation", () => {
  test("BS-AUTH: every endpoint refuses a missing or unknown token with 401; each carrier works", async () => {
    const t = await startServer({ tokens: ["good-token", "second-token"] });
    try {
      const good = new Client(t.base, "good-token");
      const file = await good.initiate("1", "a.bin");
      await good.putPart(file.Id, 1, bytesOf(10));
      const done = await good.simpleUpload("1", "b.bin", bytesOf(5));
      const calls: [string, string][] = [
        ["POST", "/appresults/1/files?name=x&multipart=true"],
        ["POST", "/appresults/1/files?name=x"],
        ["GET", "/appresults/1/files"],
        ["PUT", `/files/${file.Id}/parts/2`],
        ["POST", `/files/${file.Id}?uploadstatus=complete`],
        ["GET", `/files/${file.Id}`],
        ["GET", `/files/${done.Id}/content?redirect=false`],
      ];
      for (const [method, path] of calls) {
        const body = method === "GET" ? undefined : "x";
        for (const headers of [
          {},
          { "x-access-token": "wrong" },
          { authorization: "Bearer wrong" },
          { authorization: "Basic Z29vZC10b2tlbjo=" },
        ]) {
          const response = await fetch(`${t.base}${path}`, { method, headers, ...(body ? { body } : {}) });
          await expectError(response, 401, "BS-AUTH");
        }
        await expectError(
          await fetch(`${t.base}${path}${path.includes("?") ? "&" : "?"}access_token=wrong`, {
            method,
            ...(body ? { body } : {}),
          }),
          401,
          "BS-AUTH",
        );
      }
      // The three documented carriers [BS-V1].
      for (const init of [
        { headers: { "x-access-token": "good-token" }, query: "" },
        { headers: { authorization: "Bearer good-token" }, query: "" },
        { headers: {}, query: "?access_token=good-token" },
      ]) {
        const response = await fetch(`${t.base}/files/${file.Id}${init.query}`, { headers: init.headers });
        const { status, body } = await answer<{ Response: File }>(response, "FileResponse");
        expect(status).toBe(200);
        expect(body.Response.Id).toBe(file.Id);
      }
      // Still pending and holding its part: no refused request changed it.
      expect((await good.getFile(file.Id)).body.Response.UploadStatus).toBe("pending");
    } finally {
      await t.close();
    }
  });

  test("BS-AUTH-ISOLATION: another token cannot read, write, complete or abort a file, nor write its AppResult", async () => {
    const { appResult, client: owner } = fresh();
    const other = new Client(s.base, `${owner.token}-other`);
    const file = await owner.initiate(appResult, "mine.bin");
    const part = bytesOf(min, 3);
    await owner.putPart(file.Id, 1, part);
    // Files: another token gets the answer of a missing file (404), so ids are not disclosed.
    await expectError(await fetch(`${s.base}/files/${file.Id}`, { headers: other.headers }), 404, "NotFound");
    await expectError(await other.putPartRaw(file.Id, 1, bytesOf(min, 4)), 404, "NotFound");
    await expectError(await other.statusRaw(file.Id, "complete"), 404, "NotFound");
    await expectError(await other.statusRaw(file.Id, "aborted"), 404, "NotFound");
    await expectError(
      await fetch(`${s.base}/files/${file.Id}/content?redirect=meta`, { headers: other.headers }),
      404,
      "NotFound",
    );
    // AppResults: WRITE access belongs to the first writer [S0][S1].
    await expectError(await other.initiateRaw(appResult, "theirs.bin"), 403, "BS-AUTH-ISOLATION");
    await expectError(
      await fetch(`${s.base}/appresults/${appResult}/files?name=t.bin`, {
        method: "POST",
        headers: other.headers,
        body: "x",
      }),
      403,
      "BS-AUTH-ISOLATION",
    );
    await expectError(
      await fetch(`${s.base}/appresults/${appResult}/files`, { headers: other.headers }),
      403,
      "BS-AUTH-ISOLATION",
    );
    // The upload is unchanged: still pending, and completes with the owner's part.
    expect((await owner.getFile(file.Id)).body.Response.UploadStatus).toBe("pending");
    expect((await owner.complete(file.Id)).Size).toBe(part.length);
    expect(md5Hex(await owner.download(file.Id))).toBe(md5Hex(part));
  });

  test("BS-AUTH-ISOLATION: options.appResults fixes owners, even against a first writer", async () => {
    const t = await startServer({ appResults: { "900": "owner-token" } });
    try {
      const intruder = new Client(t.base, "intruder-token");
      await expectError(await intruder.initiateRaw("900", "x.bin"), 403, "BS-AUTH-ISOLATION");
      const owner = new Client(t.base, "owner-token");
      expect((await owner.initiate("900", "x.bin")).UploadStatus).toBe("pending");
      // Unlisted AppResults are still claimed by their first writer.
      await intruder.initiate("901", "y.bin");
      await expectError(await owner.initiateRaw("901", "y.bin"), 403, "BS-AUTH-ISOLATION");
    } finally {
      await t.close();
    }
  });
});

describe("initiation and simple upload", () => {
  test("BS-INIT-NAME: initiating without a name is refused with 400", async () => {
    const { appResult, client } = fresh();
    const body = await expectError(
      await client.initiateRaw(appResult, "", { query: "multipart=true" }),
      400,
      "BS-INIT-NAME",
    );
    expect(body.ResponseStatus.Message).toMatch(/name/);
    await expectError(
      await client.initiateRaw(appResult, "", { query: "multipart=true&name=" }),
      400,
      "BS-INIT-NAME",
    );
    await expectError(
      await client.initiateRaw(appResult, "", {
        query: "multipart=true",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ directory: "d" }),
      }),
      400,
      "BS-INIT-NAME",
    );
    await expectError(
      await fetch(`${s.base}/appresults/${appResult}/files`, {
        method: "POST",
        headers: client.headers,
        body: "file bytes",
      }),
      400,
      "BS-INIT-NAME",
    );
  });

  test("BS-INIT-NAME: names and directories that could escape a path are refused with 400", async () => {
    const { appResult, client } = fresh();
    const bad: [string, string | undefined][] = [
      ["../etc/passwd", undefined],
      ["a..b", undefined],
      ["a\\b", undefined],
      ["a\u0000b", undefined],
      ["/abs", undefined],
      ["ok.txt", "../up"],
      ["ok.txt", "/root"],
      ["ok.txt", "a\\b"],
      ["ok.txt", "x/../../y"],
      ["ok.txt", "nul\u0000"],
    ];
    for (const [name, directory] of bad) {
      const query = `multipart=true&name=${encodeURIComponent(name)}${directory === undefined ? "" : `&directory=${encodeURIComponent(directory)}`}`;
      await expectError(await client.initiateRaw(appResult, name, { query }), 400, "BS-INIT-NAME");
      await expectError(
        await fetch(`${s.base}/appresults/${appResult}/files?${query.replace("multipart=true&", "")}`, {
          method: "POST",
          headers: client.headers,
          body: "x",
        }),
        400,
        "BS-INIT-NAME",
      );
    }
    await expectError(
      await client.initiateRaw(appResult, "", {
        query: "multipart=true",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ Name: "../x" }),
      }),
      400,
      "BS-INIT-NAME",
    );
  });

  test("BS-INIT-MULTIPART: initiation answers 200 with a pending, empty File echoing Name, Path and ContentType", async () => {
    const { appResult, client } = fresh();
    const segment = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9 ._-]{0,20}$/).filter((v) => !v.includes(".."));
    await fc.assert(
      fc.asyncProperty(
        segment,
        fc.option(
          fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join("/")),
          { nil: undefined },
        ),
        fc.constantFrom(
          "application/zip",
          "text/plain",
          "application/octet-stream",
          "text/csv; charset=utf-8",
        ),
        async (name, directory, contentType) => {
          const query = `name=${encodeURIComponent(name)}&multipart=true${directory === undefined ? "" : `&directory=${encodeURIComponent(directory)}`}`;
          const { status, body } = await answer<{ Response: File }>(
            await client.initiateRaw(appResult, name, { query, headers: { "content-type": contentType } }),
            "FileResponse",
          );
          expect(status).toBe(200);
          expect(body.Response).toMatchObject({
            Name: name,
            Path: directory === undefined ? name : `${directory}/${name}`,
            ContentType: contentType,
            UploadStatus: "pending",
            Size: 0,
            Href: `v1pre3/files/${body.Response.Id}`,
            HrefContent: `v1pre3/files/${body.Response.Id}/content`,
          });
          expect(body.Response.DateCreated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
        },
      ),
      { numRuns: 30 },
    );
  });

  test("BS-SIMPLE-UPLOAD: a POST without multipart stores the body as a complete File, read back byte for byte", async () => {
    const { appResult, client } = fresh();
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 4096 }),
        fc.constantFrom(
          "application/octet-stream",
          "text/plain",
          "application/json",
          "application/x-www-form-urlencoded",
        ),
        async (bytes, contentType) => {
          const file = await client.simpleUpload(appResult, "simple.bin", bytes, contentType);
          expect(file).toMatchObject({
            UploadStatus: "complete",
            Size: bytes.length,
            ContentType: contentType,
          });
          expect(Buffer.from(await client.download(file.Id)).equals(Buffer.from(bytes))).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
    // A simple upload larger than the bound is refused while it streams (413).
    const t = await startServer({ maxSimpleUploadSize: 100 });
    try {
      const other = new Client(t.base, "simple-bound");
      await expectError(
        await fetch(`${t.base}/appresults/1/files?name=big`, {
          method: "POST",
          headers: other.headers,
          body: bytesOf(101),
        }),
        413,
        "BS-SIMPLE-UPLOAD",
      );
      expect((await other.simpleUpload("1", "fits", bytesOf(100))).Size).toBe(100);
    } finally {
      await t.close();
    }
  });
});

describe("parameters", () => {
  test("BS-PARAMS-ANYWHERE: initiate as the Python, C# and Java SDKs do, in any letter case", async () => {
    const { appResult, client } = fresh();
    const initiate = async (init: RequestInit & { query?: string }) => {
      const { status, body } = await answer<{ Response: File }>(
        await client.initiateRaw(appResult, "", init),
        "FileResponse",
      );
      expect(status).toBe(200);
      return body.Response;
    };
    // Python: query plus a JSON body repeating it, under the file's own Content-Type.
    const python = await initiate({
      query: "name=report.zip&directory=reports&multipart=true",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ name: "report.zip", directory: "reports", multipart: "true" }),
    });
    expect(python).toMatchObject({
      Name: "report.zip",
      Path: "reports/report.zip",
      ContentType: "text/plain",
    });
    // C#: a PascalCase JSON DTO and no query.
    const csharp = await initiate({
      query: "",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        Id: appResult,
        Name: "c.bam",
        Directory: "out",
        MultiPart: true,
        ThreadCount: 16,
      }),
    });
    expect(csharp).toMatchObject({ Name: "c.bam", Path: "out/c.bam", UploadStatus: "pending" });
    // Java: a form, plus a second Content-Type header with the file's type.
    const javaAnswer = await rawRequest(`${s.base}/appresults/${appResult}/files`, {
      method: "POST",
      headers: {
        "x-access-token": client.token,
        "content-type": ["application/x-www-form-urlencoded", "application/zip"],
      },
      body: "name=j.zip&multipart=true&directory=java",
    });
    expect(javaAnswer.status).toBe(200);
    const java = (JSON.parse(javaAnswer.body) as { Response: File }).Response;
    expect(java).toMatchObject({ Name: "j.zip", Path: "java/j.zip", ContentType: "application/zip" });
    // Names and values in any case; the query wins over the body.
    const mixed = await initiate({
      query: "NAME=q.txt&MultiPart=TRUE",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ nAmE: "body.txt", DIRECTORY: "dir" }),
    });
    expect(mixed).toMatchObject({ Name: "q.txt", Path: "dir/q.txt" });

    // Complete and abort: query, JSON (Python, C#) and form (Java), any case.
    const finish = async (file: File, init: RequestInit, query: string, expected: number) => {
      await client.putPart(file.Id, 1, bytesOf(3));
      const response = await fetch(`${s.base}/files/${file.Id}${query}`, {
        method: "POST",
        ...init,
        headers: { ...client.headers, ...(init.headers as Record<string, string>) },
      });
      expect((await answer(response, "FileResponse")).status).toBe(expected);
    };
    await finish(
      python,
      { headers: { "content-type": "text/plain" }, body: JSON.stringify({ uploadstatus: "complete" }) },
      "?uploadstatus=complete",
      201,
    );
    await finish(
      csharp,
      {
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ Id: csharp.Id, UploadStatus: "Complete" }),
      },
      "",
      201,
    );
    await finish(
      java,
      { headers: { "content-type": "application/x-www-form-urlencoded" }, body: "UploadStatus=COMPLETE" },
      "",
      201,
    );
    await finish(mixed, {}, "?UPLOADSTATUS=Aborted", 200);
    expect((await client.getFile(mixed.Id)).body.Response.UploadStatus).toBe("aborted");
  });

  test("BS-PARAMS-ANYWHERE: missing or unknown uploadstatus, bad multipart and wrongly typed parameters are refused with 400", async () => {
    const { appResult, client } = fresh();
    const file = await client.initiate(appResult, "p.bin");
    await expectError(
      await fetch(`${s.base}/files/${file.Id}`, { method: "POST", headers: client.headers }),
      400,
      "BS-PARAMS-ANYWHERE",
    );
    await expectError(await client.statusRaw(file.Id, "pending"), 400, "BS-PARAMS-ANYWHERE");
    await expectError(await client.statusRaw(file.Id, "done"), 400, "BS-PARAMS-ANYWHERE");
    await expectError(
      await fetch(`${s.base}/files/${file.Id}`, {
        method: "POST",
        headers: { ...client.headers, "content-type": "application/json" },
        body: JSON.stringify({ uploadstatus: 5 }),
      }),
      400,
      "BS-PARAMS-ANYWHERE",
    );
    await expectError(
      await client.initiateRaw(appResult, "", { query: "name=x&multipart=yes" }),
      400,
      "BS-PARAMS-ANYWHERE",
    );
    await expectError(
      await client.initiateRaw(appResult, "", {
        query: "multipart=true",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: 42 }),
      }),
      400,
      "BS-PARAMS-ANYWHERE",
    );
    expect((await client.getFile(file.Id)).body.Response.UploadStatus).toBe("pending");
  });
});

describe("parts", () => {
  test("BS-PART-NUMBER: parts 0, 10001, -1 and non-numeric are refused with 400; 1 and 10000 are accepted", async () => {
    const { appResult, client } = fresh();
    const file = await client.initiate(appResult, "n.bin");
    for (const number of ["0", "10001", "-1", "abc", "1.5", "1e3", "99999999999999999999", "%31"])
      await expectError(await client.putPartRaw(file.Id, number, bytesOf(3)), 400, "BS-PART-NUMBER");
    expect((await client.putPart(file.Id, 1, bytesOf(min))).Number).toBe(1);
    expect((await client.putPart(file.Id, 10000, bytesOf(2))).Number).toBe(10000);
    expect((await client.complete(file.Id)).Size).toBe(min + 2);
  });

  test("BS-PART-MIN-SIZE: a non-final part under the minimum blocks completion (400); exactly the minimum completes", async () => {
    const { appResult, client } = fresh();
    const file = await client.initiate(appResult, "min.bin");
    await client.putPart(file.Id, 1, bytesOf(min - 1, 1));
    await client.putPart(file.Id, 2, bytesOf(1, 2));
    const refused = await expectError(await client.statusRaw(file.Id, "complete"), 400, "BS-PART-MIN-SIZE");
    expect(refused.ResponseStatus.Message).toContain("Part 1");
    expect((await client.getFile(file.Id)).body.Response.UploadStatus).toBe("pending");
    // The final (highest-numbered) part may be small, even with a gap before it.
    await client.putPart(file.Id, 1, bytesOf(min, 1));
    await client.putPart(file.Id, 7, bytesOf(1, 3));
    await expectError(await client.statusRaw(file.Id, "complete"), 400, "BS-PART-MIN-SIZE"); // part 2 (1 byte) is not final now
    await client.putPart(file.Id, 2, bytesOf(min, 2));
    expect((await client.complete(file.Id)).Size).toBe(2 * min + 1);
  });

  test("BS-PART-MAX-SIZE: a part over the maximum is refused with 413 and not stored", async () => {
    const { appResult, client } = fresh();
    const file = await client.initiate(appResult, "max.bin");
    const kept = bytesOf(max, 5);
    expect((await client.putPart(file.Id, 1, kept)).Size).toBe(max);
    await expectError(await client.putPartRaw(file.Id, 1, bytesOf(max + 1, 6)), 413, "BS-PART-MAX-SIZE");
    // Without Content-Length too: refused while it streams in.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytesOf(max, 7));
        controller.enqueue(bytesOf(1, 8));
        controller.close();
      },
    });
    await expectError(await client.putPartRaw(file.Id, 1, stream), 413, "BS-PART-MAX-SIZE");
    await client.complete(file.Id);
    expect(md5Hex(await client.download(file.Id))).toBe(md5Hex(kept));
  });

  test("BS-PART-MD5: a wrong or malformed Content-MD5 is refused with 400 and the stored part stays", async () => {
    const { appResult, client } = fresh();
    const file = await client.initiate(appResult, "md5.bin");
    const good = bytesOf(min, 10);
    const etag = (await client.putPart(file.Id, 1, good)).ETag;
    const other = bytesOf(min, 11);
    await expectError(
      await client.putPartRaw(file.Id, 1, other, { "content-md5": md5Base64(good) }),
      400,
      "BS-PART-MD5",
    );
    for (const malformed of [
      "",
      "abc",
      "9mvo6qaA+FL1sbsIn1tnTg=",
      "9mvo6qaA+FL1sbsIn1tnTg===",
      "!!!!!!!!!!!!!!!!!!!!!!==",
      md5Hex(other),
      "AAAAAAAAAAAAAAAAAAAAAAAA",
    ])
      await expectError(
        await client.putPartRaw(file.Id, 1, other, { "content-md5": malformed }),
        400,
        "BS-PART-MD5",
      );
    // The first version of part 1 is what completes.
    await client.putPart(file.Id, 2, bytesOf(1));
    await client.complete(file.Id);
    const content = await client.download(file.Id);
    expect(md5Hex(content.subarray(0, min))).toBe(etag);
  });

  test("BS-PART-ETAG: the answer is 200 with the lowercase hex MD5 of the part and its size", async () => {
    const { appResult, client } = fresh();
    const file = await client.initiate(appResult, "etag.bin");
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: max }),
        fc.integer({ min: 1, max: 10000 }),
        fc.boolean(),
        async (bytes, number, withMd5) => {
          const part = await client.putPart(file.Id, number, bytes, withMd5);
          expect(part).toEqual({ Number: number, ETag: md5Hex(bytes), Size: bytes.length });
        },
      ),
      { numRuns: 50 },
    );
  });

  test("BS-PART-REPLACE: re-sent parts replace the earlier bytes; the File holds the last accepted version", async () => {
    const { appResult, client } = fresh();
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ number: fc.integer({ min: 1, max: 4 }), seed: fc.integer({ min: 1, max: 1000 }) }),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        async (sends) => {
          const file = await client.initiate(appResult, "replace.bin");
          const last = new Map<number, Uint8Array>();
          for (const { number, seed } of sends) {
            const bytes = bytesOf(min + (seed % 8), seed);
            await client.putPart(file.Id, number, bytes);
            last.set(number, bytes);
          }
          const expected = Buffer.concat(
            [...last.entries()].sort((a, b) => a[0] - b[0]).map(([, bytes]) => bytes),
          );
          expect((await client.complete(file.Id)).Size).toBe(expected.length);
          expect(Buffer.from(await client.download(file.Id)).equals(expected)).toBe(true);
        },
      ),
      { numRuns: 20 },
    );
  });

  test("BS-PART-REPLACE: concurrent re-sends of one part number leave exactly one whole version", async () => {
    const { appResult, client } = fresh();
    const file = await client.initiate(appResult, "race.bin");
    const versions = Array.from({ length: 12 }, (_, i) => bytesOf(min + i, 100 + i));
    const answers = await Promise.all(versions.map((bytes) => client.putPart(file.Id, 1, bytes)));
    expect(answers.map((a) => a.ETag)).toEqual(versions.map(md5Hex));
    await client.complete(file.Id);
    const stored = md5Hex(await client.download(file.Id));
    expect(versions.map(md5Hex)).toContain(stored);
  });

  test("BS-PART-ANY-ORDER: parts sent in random order and in parallel all succeed", async () => {
    const { appResult, client } = fresh();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 12 }),
        fc.infiniteStream(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })),
        async (count, width, randoms) => {
          const file = await client.initiate(appResult, "order.bin");
          const iterator = randoms[Symbol.iterator]();
          const numbers = Array.from({ length: count }, (_, i) => i + 1);
          const order = numbers
            .map((n) => ({ n, key: iterator.next().value as number }))
            .sort((a, b) => a.key - b.key);
          for (let i = 0; i < order.length; i += width) {
            const answers = await Promise.all(
              order.slice(i, i + width).map(({ n }) => client.putPart(file.Id, n, bytesOf(min, n))),
            );
            for (const a of answers) expect(a.Size).toBe(min);
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe("completion and abort", () => {
  test("BS-COMPLETE-ORDER: the File is its parts joined by ascending number, whatever the upload order (gaps allowed)", async () => {
    const { appResult, client } = fresh();
    const file = await client.initiate(appResult, "joined.bin");
    const parts = [9, 2, 5, 1].map((number) => ({ number, bytes: bytesOf(min + number, number) }));
    await Promise.all(parts.map((p) => client.putPart(file.Id, p.number, p.bytes)));
    const expected = Buffer.concat([...parts].sort((a, b) => a.number - b.number).map((p) => p.bytes));
    await client.complete(file.Id);
    expect(Buffer.from(await client.download(file.Id)).equals(expected)).toBe(true);
  });

  test("BS-COMPLETE-ORDER: parts racing a completion are either in the File (200) or refused (409), never lost", async () => {
    const { appResult, client } = fresh();
    for (let round = 0; round < 5; round++) {
      const file = await client.initiate(appResult, `race-${round}.bin`);
      const first = bytesOf(min, 1);
      await client.putPart(file.Id, 1, first);
      const parts = Array.from({ length: 16 }, (_, i) => ({ number: i + 2, bytes: bytesOf(min, i + 2) }));
      const [completed, ...puts] = await Promise.all([
        client.statusRaw(file.Id, "complete"),
        ...parts.map((p) =>
          client.putPartRaw(file.Id, p.number, p.bytes, { "content-md5": md5Base64(p.bytes) }),
        ),
      ]);
      expect(completed!.status).toBe(201);
      const accepted = [first];
      for (const [i, response] of puts.entries()) {
        expect([200, 409]).toContain(response.status);
        await response.arrayBuffer();
        if (response.status === 200) accepted.push(parts[i]!.bytes);
      }
      expect(md5Hex(await client.download(file.Id))).toBe(md5Hex(Buffer.concat(accepted)));
    }
  });

  test("BS-COMPLETE-STATUS: completion answers 201 with UploadStatus complete and the final Size, again on a retry", async () => {
    const { appResult, client } = fresh();
    const file = await client.initiate(appResult, "done.bin");
    await client.putPart(file.Id, 1, bytesOf(min));
    await client.putPart(file.Id, 2, bytesOf(10));
    const done = await client.complete(file.Id);
    expect(done).toMatchObject({ Id: file.Id, UploadStatus: "complete", Size: min + 10 });
    expect(await client.complete(file.Id)).toEqual(done);
    expect((await client.getFile(file.Id)).body.Response).toEqual(done);
    // A complete File accepts no more parts and cannot be aborted.
    await expectError(await client.putPartRaw(file.Id, 3, bytesOf(1)), 409, "Conflict");
    await expectError(await client.statusRaw(file.Id, "aborted"), 409, "BS-ABORT");
  });

  test("BS-COMPLETE-EMPTY: completing an upload without parts is refused with 400 and it stays pending", async () => {
    const { appResult, client } = fresh();
    const file = await client.initiate(appResult, "empty.bin");
    await expectError(await client.statusRaw(file.Id, "complete"), 400, "BS-COMPLETE-EMPTY");
    expect((await client.getFile(file.Id)).body.Response).toMatchObject({ UploadStatus: "pending", Size: 0 });
    // An empty final part is a part: a zero-byte File completes.
    await client.putPart(file.Id, 1, new Uint8Array(0));
    expect((await client.complete(file.Id)).Size).toBe(0);
    expect((await client.download(file.Id)).length).toBe(0);
  });

  test("BS-ABORT: an aborted upload discards its parts and refuses parts and completion", async () => {
    const { appResult, client } = fresh();
    const file = await client.initiate(appResult, "abort.bin");
    await client.putPart(file.Id, 1, bytesOf(min));
    const { status, body } = await answer<{ Response: File }>(
      await client.statusRaw(file.Id, "aborted"),
      "FileResponse",
    );
    expect(status).toBe(200);
    expect(body.Response).toMatchObject({ UploadStatus: "aborted", Size: 0 });
    expect((await answer(await client.statusRaw(file.Id, "aborted"), "FileResponse")).status).toBe(200);
    await expectError(await client.putPartRaw(file.Id, 2, bytesOf(min)), 409, "BS-ABORT");
    await expectError(await client.statusRaw(file.Id, "complete"), 409, "BS-ABORT");
    await expectError(
      await fetch(`${s.base}/files/${file.Id}/content?redirect=false`, { headers: client.headers }),
      409,
      "BS-DOWNLOAD",
    );
    expect((await client.getFile(file.Id)).body.Response.UploadStatus).toBe("aborted");
  });
});

describe("envelopes and download", () => {
  test("BS-ENVELOPE: every successful JSON answer is {Response, ResponseStatus: {}, Notifications: []}", async () => {
    const { appResult, client } = fresh();
    const file = await client.initiate(appResult, "env.bin"); // checked against FileResponse by the helper
    await client.putPart(file.Id, 1, bytesOf(4)); // FilePartResponse
    await client.complete(file.Id); // FileResponse
    await client.getFile(file.Id);
    await answer(
      await fetch(`${s.base}/appresults/${appResult}/files`, { headers: client.headers }),
      "FileListResponse",
    );
    await answer(
      await fetch(`${s.base}/files/${file.Id}/content?redirect=meta`, { headers: client.headers }),
      "FileContentMetaResponse",
    );
    const raw = await (await fetch(`${s.base}/files/${file.Id}`, { headers: client.headers })).json();
    expect(Object.keys(raw as object).sort()).toEqual(["Notifications", "Response", "ResponseStatus"]);
  });

  test("BS-ERROR-ENVELOPE: refusals carry ResponseStatus.ErrorCode and Message", async () => {
    const { appResult, client } = fresh();
    const responses = [
      await fetch(`${s.base}/files/1`, {}),
      await fetch(`${s.base}/files/1`, { headers: client.headers }),
      await fetch(`${s.base}/nowhere`, { headers: client.headers }),
      await fetch(`${s.base}/files/1`, { method: "DELETE", headers: client.headers }),
      await client.initiateRaw(appResult, "", { query: "multipart=true" }),
    ];
    for (const response of responses) {
      const { body, status } = await answer<{ ResponseStatus: { ErrorCode: string; Message: string } }>(
        response,
      );
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
      expect(body.ResponseStatus.ErrorCode.length).toBeGreaterThan(0);
      expect(body.ResponseStatus.Message.length).toBeGreaterThan(0);
    }
    expect(responses[3]!.headers.get("allow")).toBe("POST, GET, HEAD");
  });

  test("BS-DOWNLOAD: redirect=false, meta and true serve the bytes, with Range, 206 and 416", async () => {
    const { appResult, client } = fresh();
    const bytes = bytesOf(3 * min + 17, 42);
    const file = await client.initiate(appResult, "dl.bin");
    await client.putPart(file.Id, 3, bytes.subarray(2 * min));
    await client.putPart(file.Id, 1, bytes.subarray(0, min));
    await client.putPart(file.Id, 2, bytes.subarray(min, 2 * min));
    await expectError(
      await fetch(`${s.base}/files/${file.Id}/content`, { headers: client.headers }),
      409,
      "BS-DOWNLOAD",
    );
    await client.complete(file.Id);
    const whole = Buffer.from(bytes);

    // redirect=false: the bytes, and random single ranges across part boundaries.
    expect(Buffer.from(await client.download(file.Id)).equals(whole)).toBe(true);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: bytes.length - 1 }),
        fc.integer({ min: 0, max: bytes.length + 10 }),
        async (start, length) => {
          const end = start + length;
          const response = await fetch(`${s.base}/files/${file.Id}/content?redirect=false`, {
            headers: { ...client.headers, range: `bytes=${start}-${end}` },
          });
          expect(response.status).toBe(206);
          const last = Math.min(end, bytes.length - 1);
          expect(response.headers.get("content-range")).toBe(`bytes ${start}-${last}/${bytes.length}`);
          expect(Buffer.from(await response.arrayBuffer()).equals(whole.subarray(start, last + 1))).toBe(
            true,
          );
        },
      ),
      { numRuns: 30 },
    );
    const suffix = await fetch(`${s.base}/files/${file.Id}/content?redirect=false`, {
      headers: { ...client.headers, range: "bytes=-5" },
    });
    expect(Buffer.from(await suffix.arrayBuffer()).equals(whole.subarray(-5))).toBe(true);
    const outside = await fetch(`${s.base}/files/${file.Id}/content?redirect=false`, {
      headers: { ...client.headers, range: `bytes=${bytes.length}-` },
    });
    await expectError(outside, 416, "BS-DOWNLOAD");
    expect(outside.headers.get("content-range")).toBe(`bytes */${bytes.length}`);

    // redirect=meta: an absolute URL on this server that serves the bytes without a token, with Range.
    const meta = await answer<{ Response: FileContentMeta }>(
      await fetch(`${s.base}/files/${file.Id}/content?redirect=meta`, { headers: client.headers }),
      "FileContentMetaResponse",
    );
    const href = meta.body.Response.HrefContent;
    expect(href.startsWith(`${s.url}/v1pre3/files/${file.Id}/content`)).toBe(true);
    expect(meta.body.Response.SupportsRange).toBe(true);
    expect(Buffer.from(await (await fetch(href)).arrayBuffer()).equals(whole)).toBe(true);
    const ranged = await fetch(href, { headers: { range: "bytes=10-19" } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(whole.subarray(10, 20))).toBe(true);
    await expectError(await fetch(href.replace(/signature=[0-9a-f]/, "signature=g")), 403, "BS-AUTH");
    await expectError(
      await fetch(href.replace(/expires=(\d+)/, (_, e) => `expires=${Number(e) + 1}`)),
      403,
      "BS-AUTH",
    );

    // redirect=true and no redirect: 302 to the content; following it yields the bytes.
    for (const query of ["?redirect=true", "", "?redirect=TRUE"]) {
      const redirect = await fetch(`${s.base}/files/${file.Id}/content${query}`, {
        headers: client.headers,
        redirect: "manual",
      });
      expect(redirect.status).toBe(302);
      expect(redirect.headers.get("location")).toMatch(/^http:\/\/.+\/v1pre3\/files\/\d+\/content\?/);
      const followed = await fetch(`${s.base}/files/${file.Id}/content${query}`, { headers: client.headers });
      expect(Buffer.from(await followed.arrayBuffer()).equals(whole)).toBe(true);
    }
    await expectError(
      await fetch(`${s.base}/files/${file.Id}/content?redirect=sideways`, { headers: client.headers }),
      400,
      "BS-DOWNLOAD",
    );
  });

  test("BS-DOWNLOAD: signed content URLs expire", async () => {
    let now = Date.UTC(2024, 0, 1);
    const t = await startServer({ now: () => now, contentUrlTtlSeconds: 60 });
    try {
      const client = new Client(t.base, "expiry");
      const file = await client.simpleUpload("1", "e.txt", bytesOf(10), "text/plain");
      const meta = await answer<{ Response: FileContentMeta }>(
        await fetch(`${t.base}/files/${file.Id}/content?redirect=meta`, { headers: client.headers }),
        "FileContentMetaResponse",
      );
      expect(meta.body.Response.Expires).toBe("2024-01-01T00:01:00.0000000Z");
      const served = await fetch(meta.body.Response.HrefContent);
      expect(served.headers.get("content-type")).toBe("text/plain");
      expect((await served.arrayBuffer()).byteLength).toBe(10);
      now += 61_000;
      await expectError(await fetch(meta.body.Response.HrefContent), 403, "BS-AUTH");
    } finally {
      await t.close();
    }
  });

  test("listAppResultFiles: Offset, Limit, SortBy, SortDir and Extensions page and order the owner's files", async () => {
    const { appResult, client } = fresh();
    const names = ["b.vcf", "a.bam", "c.txt", "d.bam"];
    const ids: string[] = [];
    for (const name of names) ids.push((await client.simpleUpload(appResult, name, bytesOf(3))).Id);
    const list = async (query: string) =>
      (
        await answer<{
          Response: { Items: File[]; TotalCount: number; DisplayedCount: number; Limit: number };
        }>(
          await fetch(`${s.base}/appresults/${appResult}/files${query}`, { headers: client.headers }),
          "FileListResponse",
        )
      ).body.Response;
    expect((await list("")).Items.map((f) => f.Id)).toEqual(ids);
    expect((await list("?SortBy=Name")).Items.map((f) => f.Name)).toEqual([
      "a.bam",
      "b.vcf",
      "c.txt",
      "d.bam",
    ]);
    expect((await list("?sortby=name&sortdir=desc&limit=2")).Items.map((f) => f.Name)).toEqual([
      "d.bam",
      "c.txt",
    ]);
    const page = await list("?Offset=1&Limit=2");
    expect(page).toMatchObject({ TotalCount: 4, DisplayedCount: 2, Limit: 2 });
    expect(page.Items.map((f) => f.Id)).toEqual(ids.slice(1, 3));
    expect((await list("?Extensions=.bam,vcf")).Items.map((f) => f.Name)).toEqual([
      "b.vcf",
      "a.bam",
      "d.bam",
    ]);
    expect((await list("?Limit=100000")).Limit).toBe(1024);
    for (const bad of ["?Offset=-1", "?Limit=0", "?Limit=x", "?SortBy=Size", "?SortDir=Up"])
      await expectError(
        await fetch(`${s.base}/appresults/${appResult}/files${bad}`, { headers: client.headers }),
        400,
        "BadRequest",
      );
    // An AppResult nobody wrote to yet lists empty (and is not claimed by reading).
    expect(
      await list("")
        .then(() => fetch(`${s.base}/appresults/77777/files`, { headers: client.headers }))
        .then((r) => r.status),
    ).toBe(200);
    const stranger = new Client(s.base, `${client.token}-stranger`);
    expect((await stranger.initiate("77777", "x")).UploadStatus).toBe("pending");
  });
});
