/**
 * One test per YF-* rule of specs/rules.yaml: each breaks the rule and sees the documented refusal
 * in the error envelope naming the rule (or keeps it and sees it honoured).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  auth,
  BT,
  bytesEqual,
  download,
  downloadBytes,
  encoder,
  expectError,
  list,
  OTHER,
  postFile,
  putChunk,
  startResumable,
  startServer,
  storedFiles,
  type TestServer,
  TOKEN,
  uploadOk,
} from "./helpers.ts";

let server: TestServer;
let base: string;
beforeAll(async () => {
  server = await startServer({
    tokens: [TOKEN, OTHER, "token-carol"],
    multipartMaxSize: 4096,
    chunkMaxSize: 1024,
  });
  base = server.base;
});
afterAll(() => server.close());

describe("YF-AUTH", () => {
  test("YF-AUTH: every endpoint answers 401 without a token, with a wrong one, or with another scheme", async () => {
    const file = await uploadOk(base, "hello");
    const uploadToken = await startResumable(base, "chunk0");
    const calls: [string, string, BodyInit | undefined, Record<string, string>][] = [
      ["POST", "/files?uploadType=multipart", "x", { "content-type": "multipart/related; boundary=b" }],
      ["PUT", `/files?uploadType=resumable&uploadToken=${uploadToken}&position=1`, "x", {}],
      ["GET", "/files?role=publisher", undefined, {}],
      ["GET", `/files/${file.id}?role=publisher`, undefined, {}],
      ["HEAD", `/files/${file.id}?role=publisher`, undefined, {}],
      ["DELETE", `/files/${file.id}?role=subscriber`, undefined, {}],
    ];
    const carriers: Record<string, string>[] = [
      {},
      { authorization: "Bearer not-a-valid-token" },
      { authorization: `Basic ${btoa(`${TOKEN}:x`)}` },
      { authorization: "Bearer" },
      { "x-access-token": TOKEN },
    ];
    for (const [method, path, body, headers] of calls)
      for (const carrier of carriers) {
        const response = await fetch(`${base}${path}`, {
          method,
          headers: { ...headers, ...carrier },
          body: body ?? null,
        });
        if (method === "HEAD") expect(response.status).toBe(401);
        else await expectError(response, 401, "YF-AUTH");
      }
    // The token in the query string is not a carrier either.
    await expectError(await fetch(`${base}/files?role=publisher&access_token=${TOKEN}`), 401, "YF-AUTH");
    // And the file and the upload are untouched.
    expect(bytesEqual(await downloadBytes(base, file.id), encoder.encode("hello"))).toBe(true);
    const response = await putChunk(base, uploadToken, 1, "x", { close: true });
    expect(response.status).toBe(201);
  });

  test("YF-AUTH: without options.tokens any non-empty bearer token is accepted", async () => {
    await using open = await startServer();
    const response = await fetch(`${open.base}/files?role=publisher`, { headers: auth("anything-goes") });
    expect(response.status).toBe(200);
    await expectError(
      await fetch(`${open.base}/files?role=publisher`, { headers: { authorization: "Bearer " } }),
      401,
      "YF-AUTH",
    );
  });
});

describe("YF-AUTH-ISOLATION", () => {
  test("YF-AUTH-ISOLATION: another token cannot list, download, delete, append to or publish into what a token owns", async () => {
    await using s = await startServer({ tokens: [TOKEN, OTHER] });
    const file = await uploadOk(s.base, "alice's file", { businessTypeId: 42 });
    const session = await startResumable(s.base, "alice chunk 0", { businessTypeId: 42 });

    for (const role of ["publisher", "subscriber"]) {
      const { body } = await list(
        s.base,
        { role, ...(role === "subscriber" ? { $filter: "status eq 'all'" } : {}) },
        OTHER,
      );
      expect(body.data).toEqual([]);
      expect(body.count).toBe(0);
    }
    for (const role of ["publisher", "subscriber"]) {
      const response = await fetch(`${s.base}/files/${file.id}?role=${role}`, { headers: auth(OTHER) });
      await expectError(response, 404);
      const head = await fetch(`${s.base}/files/${file.id}?role=${role}`, {
        method: "HEAD",
        headers: auth(OTHER),
      });
      expect(head.status).toBe(404);
    }
    await expectError(
      await fetch(`${s.base}/files/${file.id}?role=subscriber`, { method: "DELETE", headers: auth(OTHER) }),
      404,
    );
    await expectError(
      await putChunk(s.base, session, 1, "bob's bytes", { token: OTHER, close: true }),
      404,
      "YF-RESUMABLE-TOKEN",
    );
    // Business type 42 belongs to the first token that published to it.
    await expectError(
      await postFile(s.base, "bob", { token: OTHER, businessTypeId: 42 }),
      403,
      "YF-AUTH-ISOLATION",
    );
    await expectError(
      await postFile(s.base, "bob", { token: OTHER, businessTypeId: 42, uploadType: "resumable" }),
      403,
    );

    // Alice still sees everything unchanged, and her upload completes with her bytes only.
    expect((await list(s.base, { role: "subscriber" })).body.count).toBe(1);
    const closed = await putChunk(s.base, session, 1, "+1", { close: true });
    expect(closed.status).toBe(201);
    const assembled = (await closed.json()) as { id: string };
    expect(new TextDecoder().decode(await downloadBytes(s.base, assembled.id))).toBe("alice chunk 0+1");
    // Bob publishes elsewhere, and sees only that.
    await uploadOk(s.base, "bob's", { token: OTHER, businessTypeId: 43 });
    expect((await list(s.base, {}, OTHER)).body.data.map((d) => d.fileName)).toEqual(["TestFile.txt"]);
    expect((await list(s.base, {}, OTHER)).body.count).toBe(1);
  });

  test("YF-AUTH-ISOLATION: options.businessTypes fixes who may publish and subscribe", async () => {
    await using s = await startServer({ businessTypes: { 7100: [TOKEN, "token-carol"], 7200: OTHER } });
    await expectError(
      await postFile(s.base, "x", { token: OTHER, businessTypeId: 7100 }),
      403,
      "YF-AUTH-ISOLATION",
    );
    await expectError(
      await postFile(s.base, "x", { token: TOKEN, businessTypeId: 7200 }),
      403,
      "YF-AUTH-ISOLATION",
    );
    const file = await uploadOk(s.base, "for carol", { businessTypeId: 7100 });
    // Carol subscribes to 7100: she lists and downloads Alice's file as a subscriber, not as a publisher.
    const subscriber = await list(s.base, { role: "subscriber" }, "token-carol");
    expect(subscriber.body.data.map((d) => d.fileId)).toEqual([file.id]);
    expect((await list(s.base, { role: "publisher" }, "token-carol")).body.count).toBe(0);
    const got = await fetch(`${s.base}/files/${file.id}?role=subscriber`, { headers: auth("token-carol") });
    expect(await got.text()).toBe("for carol");
    await expectError(
      await fetch(`${s.base}/files/${file.id}?role=publisher`, { headers: auth("token-carol") }),
      404,
    );
    expect((await list(s.base, { role: "subscriber" }, OTHER)).body.count).toBe(0);
  });
});

describe("YF-CONTENT-TYPE", () => {
  test("YF-CONTENT-TYPE: multipart/form-data, application/json, none, and multipart/related without boundary are refused", async () => {
    const before = await storedFiles(server.dataDir);
    for (const contentType of [
      "multipart/form-data; boundary=foo_bar_baz",
      "application/json",
      "text/plain",
      "multipart/mixed; boundary=foo_bar_baz",
    ])
      await expectError(await postFile(base, "x", { contentType }), 415, "YF-CONTENT-TYPE");
    const none = await fetch(`${base}/files?uploadType=multipart`, {
      method: "POST",
      headers: auth(),
      body: new Uint8Array(3),
    });
    // fetch adds no Content-Type for a byte array body.
    await expectError(none, 415, "YF-CONTENT-TYPE");
    await expectError(
      await postFile(base, "x", { contentType: "multipart/related" }),
      400,
      "MIME-CONTENT-TYPE",
    );
    await expectError(
      await postFile(base, "x", { contentType: "multipart/related; type=application/json" }),
      400,
      "YF-CONTENT-TYPE",
    );
    expect(await storedFiles(server.dataDir)).toEqual(before);
  });

  test("YF-CONTENT-TYPE: the header's forms real clients send are accepted", async () => {
    for (const contentType of [
      "multipart/related;boundary=foo_bar_baz",
      "multipart/related; boundary=foo_bar_baz",
      "Multipart/Related; Boundary=foo_bar_baz",
      'multipart/related; boundary="foo_bar_baz"',
      "multipart/related ; boundary = foo_bar_baz ;",
      'multipart/related; type="application/json"; boundary=foo_bar_baz',
    ])
      await uploadOk(base, "x", { contentType });
  });
});

describe("YF-TWO-PARTS / YF-METADATA-FIRST", () => {
  const json = "Content-Type: application/json; charset=UTF-8\r\n";
  const meta = JSON.stringify({ FileName: "a.txt", BusinessTypeId: BT });
  const post = (body: string) =>
    fetch(`${base}/files?uploadType=multipart`, {
      method: "POST",
      headers: { ...auth(), "content-type": "multipart/related; boundary=b" },
      body,
    });

  test("YF-TWO-PARTS: one part and three parts are refused with 400", async () => {
    const before = await list(base);
    await expectError(await post(`--b\r\n${json}\r\n${meta}\r\n--b--`), 400, "YF-TWO-PARTS");
    await expectError(
      await post(`--b\r\n${json}\r\n${meta}\r\n--b\r\n\r\nfile\r\n--b\r\n\r\nextra\r\n--b--`),
      400,
      "YF-TWO-PARTS",
    );
    await expectError(await post("--b--"), 400);
    expect((await list(base)).body.count).toBe(before.body.count);
  });

  test("YF-METADATA-FIRST: a body with the media part first is refused with 400", async () => {
    await expectError(
      await post(`--b\r\n\r\nfile bytes\r\n--b\r\n${json}\r\n${meta}\r\n--b--`),
      400,
      "YF-METADATA-FIRST",
    );
    await expectError(
      await post(
        `--b\r\nContent-Type: application/octet-stream\r\n\r\nfile\r\n--b\r\n${json}\r\n${meta}\r\n--b--`,
      ),
      400,
      "YF-METADATA-FIRST",
    );
  });
});

describe("metadata rules", () => {
  test("YF-METADATA-JSON, YF-METADATA-CONTENT-TYPE: invalid JSON, a JSON array, a non-JSON content type, another charset are refused with 400", async () => {
    const before = await storedFiles(server.dataDir);
    const invalidUtf8 = new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    for (const metadata of ["{not json", "[1,2]", '"text"', "null", "", invalidUtf8])
      await expectError(await postFile(base, "x", { metadata }), 400, "YF-METADATA-JSON");
    const bad = await postFile(base, "x", {
      metadata: { FileName: "a.txt", BusinessTypeId: BT },
      metadataHeaders: "Content-Type: application/json; charset=ISO-8859-1\r\n",
    });
    await expectError(bad, 400, "YF-METADATA-CONTENT-TYPE");
    const text = await postFile(base, "x", { metadataHeaders: "Content-Type: text/plain\r\n" });
    await expectError(text, 400, "YF-METADATA-CONTENT-TYPE");
    await expectError(
      await postFile(base, "x", {
        metadata: { FileName: "a.txt", BusinessTypeId: 1, customMetadata: { a: 1 } },
      }),
      400,
      "YF-METADATA-JSON",
    );
    // Without a charset parameter, application/json is UTF-8 and accepted.
    await uploadOk(base, "x", { metadataHeaders: "Content-Type: application/json\r\n" });
    await uploadOk(base, "x", { metadataHeaders: 'content-type: Application/JSON;charset="utf-8"\r\n' });
    expect((await storedFiles(server.dataDir)).length).toBe(before.length + 2);
  });

  test("YF-METADATA-FILENAME: metadata without a file name is refused with 400", async () => {
    for (const metadata of [
      { BusinessTypeId: BT },
      { FileName: "", BusinessTypeId: BT },
      { FileName: 12, BusinessTypeId: BT },
      { FileName: null, BusinessTypeId: BT },
    ])
      await expectError(await postFile(base, "x", { metadata }), 400, "YF-METADATA-FILENAME");
  });

  test("YF-METADATA-BUSINESS-TYPE: metadata without BusinessTypeId, or with a non-integer one, is refused with 400", async () => {
    for (const id of [undefined, "abc", 1.5, -1, "7100a", " 7100", true, [7100], "", "99999999999999999999"])
      await expectError(
        await postFile(base, "x", {
          metadata: { FileName: "a.txt", ...(id === undefined ? {} : { BusinessTypeId: id }) },
        }),
        400,
        "YF-METADATA-BUSINESS-TYPE",
      );
  });

  test("YF-METADATA-KEYS: random key casings, name instead of FileName, the id as string or number all succeed", async () => {
    const casing = (word: string) =>
      fc
        .array(fc.boolean(), { minLength: word.length, maxLength: word.length })
        .map((flags) => [...word].map((c, i) => (flags[i] ? c.toUpperCase() : c.toLowerCase())).join(""));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(casing("FileName"), casing("name")),
        casing("BusinessTypeId"),
        fc.boolean(),
        fc.integer({ min: 0, max: 1_000_000 }),
        async (nameKey, idKey, asString, n) => {
          const id = BT;
          const file = await uploadOk(base, `n=${n}`, {
            metadata: { [nameKey]: `f${n}.csv`, [idKey]: asString ? String(id) : id, unknownKey: true },
          });
          expect(file.name).toBe(`f${n}.csv`);
          expect(file.businessType).toEqual({ id, name: String(id) });
        },
      ),
      { numRuns: 15 },
    );
    // The [S4] table form wins over the alias when both are sent; a key in two casings is ambiguous.
    expect(
      (
        await uploadOk(base, "x", {
          metadata: { FileName: "real.txt", name: "alias.txt", BusinessTypeId: BT },
        })
      ).name,
    ).toBe("real.txt");
    await expectError(
      await postFile(base, "x", { metadata: { FileName: "a.txt", filename: "b.txt", BusinessTypeId: BT } }),
      400,
      "YF-METADATA-KEYS",
    );
  });
});

describe("file names", () => {
  const allowed = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.(),$+`='";

  test("YF-NAME-CHARSET: a name with one character outside the set is refused; names from the set are accepted", async () => {
    const before = await storedFiles(server.dataDir);
    const good = fc
      .string({ unit: fc.constantFrom(...allowed), minLength: 1, maxLength: 30 })
      .map((s) => `${s}.txt`);
    const bad = fc.oneof(
      fc.constantFrom(
        " ",
        "/",
        "\\",
        "&",
        "#",
        "%",
        "é",
        "€",
        "\u0000",
        "\t",
        '"',
        "*",
        "?",
        ":",
        "<",
        "|",
        "~",
        "!",
        "@",
        "[",
        "😀",
      ),
      fc.string({ minLength: 1, maxLength: 1 }).filter((c) => !allowed.includes(c)),
    );
    await fc.assert(
      fc.asyncProperty(good, bad, fc.nat(), async (name, char, at) => {
        const cut = at % (name.length + 1);
        const badName = name.slice(0, cut) + char + name.slice(cut);
        await expectError(await postFile(base, "x", { name: badName }), 400, "YF-NAME-CHARSET");
      }),
      { numRuns: 25 },
    );
    expect(await storedFiles(server.dataDir)).toEqual(before);
    await fc.assert(
      fc.asyncProperty(good, async (name) => {
        expect((await uploadOk(base, "ok", { name })).name).toBe(name);
      }),
      { numRuns: 10 },
    );
    expect((await uploadOk(base, "x", { name: "employee_profile(2023-08-08).csv" })).name).toBe(
      "employee_profile(2023-08-08).csv",
    );
  });

  test("YF-NAME-EXTENSION: each denied extension, in random letter case, is refused with 400; .txt and .csv are accepted", async () => {
    const denied = [".exe", ".bat", ".cmd", ".com", ".scr", ".js", ".vbs", ".ps1", ".msi", ".jar"];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...denied),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        fc.boolean(),
        async (ext, flags, trailingDot) => {
          const cased = [...ext].map((c, i) => (flags[i % 4] ? c.toUpperCase() : c)).join("");
          await expectError(
            await postFile(base, "x", { name: `report${cased}${trailingDot ? "." : ""}` }),
            400,
            "YF-NAME-EXTENSION",
          );
        },
      ),
      { numRuns: 30 },
    );
    for (const ext of denied)
      await expectError(await postFile(base, "x", { name: `a${ext}` }), 400, "YF-NAME-EXTENSION");
    await uploadOk(base, "x", { name: "report.txt" });
    await uploadOk(base, "x", { name: "report.CSV" });
    await uploadOk(base, "x", { name: "exe" });
    await uploadOk(base, "x", { name: "a.exe.txt" });
  });

  test("YF-NAME-EXTENSION: options.deniedExtensions replaces the list", async () => {
    await using s = await startServer({ deniedExtensions: ["zip", ".TXT"] });
    await expectError(await postFile(s.base, "x", { name: "a.Zip" }), 400, "YF-NAME-EXTENSION");
    await expectError(await postFile(s.base, "x", { name: "a.txt" }), 400, "YF-NAME-EXTENSION");
    await uploadOk(s.base, "x", { name: "a.exe" });
  });
});

describe("sizes", () => {
  test("YF-MULTIPART-MAX-SIZE: content at the limit is stored, one byte more is refused with 413 and nothing is stored", async () => {
    await using s = await startServer({ multipartMaxSize: 4096 });
    const ok = await uploadOk(s.base, new Uint8Array(4096).fill(7));
    expect(ok.size).toBe(4096);
    const before = await storedFiles(s.dataDir);
    await expectError(await postFile(s.base, new Uint8Array(4097)), 413, "YF-MULTIPART-MAX-SIZE");
    expect(await storedFiles(s.dataDir)).toEqual(before);
    // A declared Content-Length far over the limit is refused before the body is read.
    const declared = await fetch(`${s.base}/files?uploadType=multipart`, {
      method: "POST",
      headers: { ...auth(), "content-type": "multipart/related; boundary=b", "content-length": "999999999" },
      body: new ReadableStream({ start: (c) => c.close() }),
      duplex: "half",
    } as RequestInit).catch(() => undefined);
    if (declared) await expectError(declared, 413, "YF-MULTIPART-MAX-SIZE");
    expect((await list(s.base)).body.count).toBe(1);
  });

  test("YF-RESUMABLE-CHUNK-SIZE: chunks at the limit are accepted and one byte more is refused with 413", async () => {
    const token = await startResumable(base, new Uint8Array(1024));
    await expectError(
      await postFile(base, new Uint8Array(1025), { uploadType: "resumable" }),
      413,
      "YF-RESUMABLE-CHUNK-SIZE",
    );
    expect((await putChunk(base, token, 1, new Uint8Array(1024))).status).toBe(202);
    await expectError(await putChunk(base, token, 2, new Uint8Array(1025)), 413, "YF-RESUMABLE-CHUNK-SIZE");
    await expectError(
      await putChunk(base, token, 2, new Uint8Array(1025), { close: true }),
      413,
      "YF-RESUMABLE-CHUNK-SIZE",
    );
    const closed = await putChunk(base, token, 2, new Uint8Array(10), { close: true });
    expect(closed.status).toBe(201);
    expect((await closed.json()) as { size: number; numChunks: number }).toMatchObject({
      size: 2058,
      numChunks: 3,
    });
  });
});

describe("resumable", () => {
  test("YF-RESUMABLE-TOKEN: the first request answers an uploadToken; a PUT with a random or missing token is refused", async () => {
    const response = await postFile(base, "chunk 0", { uploadType: "resumable" });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { uploadToken: string; position: number };
    expect(body.uploadToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.position).toBe(0);
    await expectError(await putChunk(base, crypto.randomUUID(), 1, "x"), 404, "YF-RESUMABLE-TOKEN");
    await expectError(await putChunk(base, "../../state/secret", 1, "x"), 404, "YF-RESUMABLE-TOKEN");
    await expectError(await putChunk(base, "", 1, "x"), 400, "YF-RESUMABLE-TOKEN");
    // The token is case-insensitive like any GUID, and works.
    expect((await putChunk(base, body.uploadToken.toUpperCase(), 1, "x")).status).toBe(202);
  });

  test("YF-RESUMABLE-POSITION: positions below 1 or not integers are refused; a re-sent position replaces the chunk", async () => {
    const token = await startResumable(base, "A");
    for (const position of ["0", "-1", "1.5", "abc", "", "10000"])
      await expectError(await putChunk(base, token, position, "x"), 400, "YF-RESUMABLE-POSITION");
    expect((await putChunk(base, token, 2, "C-old")).status).toBe(202);
    expect((await putChunk(base, token, 1, "B")).status).toBe(202);
    expect((await putChunk(base, token, 2, "C")).status).toBe(202);
    const closed = await putChunk(base, token, 3, "D", { close: "True" });
    expect(closed.status).toBe(201);
    const file = (await closed.json()) as { id: string; size: number; numChunks: number };
    expect(file.numChunks).toBe(4);
    expect(new TextDecoder().decode(await downloadBytes(base, file.id))).toBe("ABCD");
  });

  test("YF-RESUMABLE-CLOSE: closing with a position missing is refused and stores nothing; a complete set answers the file", async () => {
    const token = await startResumable(base, "0");
    expect((await putChunk(base, token, 2, "2")).status).toBe(202);
    await expectError(await putChunk(base, token, 3, "3", { close: true }), 400, "YF-RESUMABLE-CLOSE");
    // A chunk stored above the closing position is refused too.
    await expectError(await putChunk(base, token, 1, "1", { close: true }), 400, "YF-RESUMABLE-CLOSE");
    await expectError(await putChunk(base, token, 1, "1", { close: "maybe" }), 400, "YF-RESUMABLE-CLOSE");
    expect((await putChunk(base, token, 1, "1", { close: false })).status).toBe(202);
    const closed = await putChunk(base, token, 3, "3", { close: true });
    expect(closed.status).toBe(201);
    const file = (await closed.json()) as { id: string; size: number; numChunks: number; name: string };
    expect(file).toMatchObject({ size: 4, numChunks: 4, name: "TestFile.txt" });
    expect(new TextDecoder().decode(await downloadBytes(base, file.id))).toBe("0123");
    // The token is spent.
    await expectError(await putChunk(base, token, 4, "4", { close: true }), 404, "YF-RESUMABLE-TOKEN");
    // A single-chunk resumable upload closes at position 1 with an empty chunk.
    const single = await startResumable(base, "only");
    const one = await putChunk(base, single, 1, "", { close: true });
    expect(((await one.json()) as { size: number }).size).toBe(4);
  });
});

describe("results", () => {
  test("YF-CREATED: uploads of random files answer 201 with a valid File whose size is the bytes sent, read back byte for byte", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 4096 }), async (bytes) => {
        const file = await uploadOk(base, bytes);
        expect(file.size).toBe(bytes.length);
        expect(file.numChunks).toBe(1);
        expect(bytesEqual(await downloadBytes(base, file.id), bytes)).toBe(true);
      }),
      { numRuns: 20 },
    );
  });

  test("YF-ERROR-ENVELOPE: unknown paths answer 404, wrong methods 405, both in the envelope", async () => {
    await expectError(await fetch(`${base}/nothing`, { headers: auth() }), 404);
    await expectError(await fetch(`${server.origin}/files`, { headers: auth() }), 404);
    await expectError(await fetch(`${base}/files/a/b`, { headers: auth() }), 404);
    const patch = await fetch(`${base}/files`, { method: "PATCH", headers: auth() });
    expect(patch.headers.get("allow")).toContain("POST");
    await expectError(patch, 405);
    await expectError(
      await fetch(`${base}/files/${crypto.randomUUID()}`, { method: "POST", headers: auth() }),
      405,
    );
    await expectError(await fetch(`${base}/files/${crypto.randomUUID()}`, { headers: auth() }), 404);
    await expectError(await fetch(`${base}/files/..%2F..%2Fstate%2Fsecret`, { headers: auth() }), 404);
    await expectError(
      await fetch(`${base}/files?uploadType=whatever`, { method: "POST", headers: auth() }),
      400,
    );
  });
});

describe("YF-RATE-LIMIT", () => {
  test("YF-RATE-LIMIT: a burst beyond the limit answers 429 with Retry-After, and a later request succeeds", async () => {
    let now = Date.parse("2024-03-05T09:00:00Z");
    await using s = await startServer({ rateLimit: { requestsPerMinute: 3 }, clock: () => now });
    for (let i = 0; i < 3; i++)
      expect((await fetch(`${s.base}/files?role=publisher`, { headers: auth() })).status).toBe(200);
    const limited = await fetch(`${s.base}/files?role=publisher`, { headers: auth() });
    expect(limited.headers.get("retry-after")).toBe("60");
    await expectError(limited, 429, "YF-RATE-LIMIT");
    // Each client has its own allowance.
    expect((await fetch(`${s.base}/files?role=publisher`, { headers: auth(OTHER) })).status).toBe(200);
    now += 30_000;
    const later = await fetch(`${s.base}/files?role=publisher`, { headers: auth() });
    expect(later.headers.get("retry-after")).toBe("30");
    await expectError(later, 429, "YF-RATE-LIMIT");
    now += 30_000;
    expect((await fetch(`${s.base}/files?role=publisher`, { headers: auth() })).status).toBe(200);
  });

  test("YF-RATE-LIMIT: per-second windows, and rateLimit.tokens limits only those credentials", async () => {
    let now = Date.parse("2024-03-05T09:00:00Z");
    await using s = await startServer({
      rateLimit: { requestsPerSecond: 2, tokens: [OTHER] },
      clock: () => now,
    });
    const get = (token: string) => fetch(`${s.base}/files?role=publisher`, { headers: auth(token) });
    for (let i = 0; i < 5; i++) expect((await get(TOKEN)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await get(OTHER)).status).toBe(200);
    const limited = await get(OTHER);
    expect(limited.headers.get("retry-after")).toBe("1");
    await expectError(limited, 429, "YF-RATE-LIMIT");
    now += 1000;
    expect((await get(OTHER)).status).toBe(200);
    await expect(startServer({ rateLimit: { requestsPerSecond: 1, requestsPerMinute: 1 } })).rejects.toThrow(
      RangeError,
    );
  });
});

describe("downloads", () => {
  test("YF-DOWNLOAD-RANGE: random ranges read back equal to the same slice; past the end answers 416", async () => {
    const bytes = new Uint8Array(3000).map((_, i) => (i * 31) % 251);
    const file = await uploadOk(base, bytes);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 2999 }), fc.nat({ max: 3500 }), async (a, len) => {
        const end = a + len;
        const response = await download(base, file.id, TOKEN, { headers: { range: `bytes=${a}-${end}` } });
        expect(response.status).toBe(206);
        const last = Math.min(end, 2999);
        expect(response.headers.get("content-range")).toBe(`bytes ${a}-${last}/3000`);
        expect(bytesEqual(new Uint8Array(await response.arrayBuffer()), bytes.slice(a, last + 1))).toBe(true);
      }),
      { numRuns: 20 },
    );
    const suffix = await download(base, file.id, TOKEN, { headers: { range: "bytes=-10" } });
    expect(suffix.status).toBe(206);
    expect(bytesEqual(new Uint8Array(await suffix.arrayBuffer()), bytes.slice(2990))).toBe(true);
    const open = await download(base, file.id, TOKEN, { headers: { range: "bytes=2995-" } });
    expect(bytesEqual(new Uint8Array(await open.arrayBuffer()), bytes.slice(2995))).toBe(true);
    const beyond = await download(base, file.id, TOKEN, { headers: { range: "bytes=3000-" } });
    expect(beyond.headers.get("content-range")).toBe("bytes */3000");
    await expectError(beyond, 416, "YF-DOWNLOAD-RANGE");
    // Ranges the server does not support are ignored: the whole file, 200.
    for (const range of ["bytes=0-1,5-6", "items=0-1", "bytes=9-2", "garbage"]) {
      const whole = await download(base, file.id, TOKEN, { headers: { range } });
      expect(whole.status).toBe(200);
      expect((await whole.arrayBuffer()).byteLength).toBe(3000);
    }
    const head = await fetch(`${base}/files/${file.id}?role=publisher`, { method: "HEAD", headers: auth() });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe("3000");
    expect(head.headers.get("accept-ranges")).toBe("bytes");
  });
});

describe("YF-DELETE", () => {
  test("YF-DELETE: delete answers 204 and the file disappears from the subscriber's list", async () => {
    await using s = await startServer();
    const keep = await uploadOk(s.base, "keep", { name: "keep.txt" });
    const gone = await uploadOk(s.base, "gone", { name: "gone.txt" });
    const subscriberIds = async (filter?: string) =>
      (await list(s.base, { role: "subscriber", ...(filter ? { $filter: filter } : {}) })).body.data
        .map((d) => d.fileId)
        .sort();
    expect(await subscriberIds()).toEqual([keep.id, gone.id].sort());
    const response = await fetch(`${s.base}/files/${gone.id}?role=subscriber`, {
      method: "DELETE",
      headers: auth(),
    });
    expect(response.status).toBe(204);
    expect(await subscriberIds()).toEqual([keep.id]);
    expect(await subscriberIds("status eq 'deleted'")).toEqual([gone.id]);
    const all = await list(s.base, { role: "subscriber", $filter: "status eq 'all'" });
    expect(all.body.data.find((d) => d.fileId === gone.id)).toMatchObject({ deleted: true });
    // Idempotent; the publisher's view is unaffected; a publisher cannot delete.
    expect(
      (await fetch(`${s.base}/files/${gone.id}?role=subscriber`, { method: "DELETE", headers: auth() }))
        .status,
    ).toBe(204);
    expect((await list(s.base, { role: "publisher" })).body.count).toBe(2);
    await expectError(
      await fetch(`${s.base}/files/${keep.id}?role=publisher`, { method: "DELETE", headers: auth() }),
      403,
      "YF-DELETE",
    );
    await expectError(
      await fetch(`${s.base}/files/${crypto.randomUUID()}?role=subscriber`, {
        method: "DELETE",
        headers: auth(),
      }),
      404,
    );
  });
});
