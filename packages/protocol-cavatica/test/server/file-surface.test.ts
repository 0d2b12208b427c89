/**
 * The file-management surface the vendors' SDKs call around uploads: listings (CV-FILES-QUERY),
 * folders and a project's root folder, edits and deletion, metadata (CV-FILE-METADATA), tags
 * (CV-FILE-TAGS), projects and the rate limit (CV-RATE-LIMIT-HEADERS), each only for the token
 * that owns it (CV-AUTH-ISOLATION).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cavaticaSchemas } from "../../src/index.ts";
import { api, bytesOf, expectError, type Harness, startServer, uploadFile } from "./helpers.ts";

const ALICE = "alice-token";
const BOB = "bob-token";
let h: Harness;

beforeAll(async () => {
  h = await startServer({ tokens: [ALICE, BOB], limits: { minPartSize: 1024 } });
});
afterAll(() => h.close());

interface Listing {
  href: string;
  items: { id: string; name: string; type: string }[];
  links: { href: string; rel: string; method: string }[];
}

async function list(
  path: string,
  token = ALICE,
): Promise<{ status: number; body: Listing; total: string | null }> {
  const result = await api(h, "GET", path, { token });
  if (result.status === 200) expect(cavaticaSchemas.validate("FileList", result.body).ok).toBe(true);
  return {
    status: result.status,
    body: result.body as Listing,
    total: result.headers.get("x-total-matching-query"),
  };
}

describe("CV-FILES-QUERY", () => {
  test("pages of any limit walk every item once, in order, by their next links", async () => {
    const project = "alice/paging";
    const names = ["a.bin", "b.bin", "c.bin", "d.bin", "e.bin"];
    for (const name of names) await uploadFile(h, ALICE, bytesOf(10), { project, name });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), async (limit) => {
        const seen: string[] = [];
        let page = await list(`/files?project=${project}&limit=${limit}`);
        for (;;) {
          expect(page.status).toBe(200);
          expect(page.total).toBe("5");
          seen.push(...page.body.items.map((item) => item.name));
          const next = page.body.links.find((link) => link.rel === "next");
          if (next === undefined) break;
          expect(next.href.startsWith(h.base)).toBe(true);
          page = await list(next.href.slice(h.base.length));
        }
        expect(seen).toEqual(names);
      }),
      { numRuns: 6 },
    );
    const named = await list(`/files?project=${project}&name=b.bin&name=d.bin`);
    expect(named.body.items.map((item) => item.name)).toEqual(["b.bin", "d.bin"]);
    expect(named.total).toBe("2");
  });

  test("another token lists nothing of it; bad queries are 400 with the platform codes", async () => {
    await uploadFile(h, ALICE, bytesOf(10), { project: "alice/private", name: "secret.bin" });
    const theirs = await list("/files?project=alice/private", BOB);
    expect(theirs.status).toBe(200);
    expect(theirs.body.items).toEqual([]);
    expectError(await api(h, "GET", "/files", { token: ALICE }), 400, 5029, "CV-FILES-QUERY");
    expectError(await api(h, "GET", "/files?project=a/b&parent=x", { token: ALICE }), 400, 5031);
    expectError(await api(h, "GET", "/files?project=a/b&limit=0", { token: ALICE }), 400, 90000);
    expectError(await api(h, "GET", "/files?project=a/b&limit=101", { token: ALICE }), 400, 90000);
    expectError(await api(h, "GET", "/files?project=a/b"), 401, 90001, "CV-AUTH");
  });
});

describe("folders and the project's root folder", () => {
  test("a folder takes uploads as parent, lists them, and is deleted only when empty", async () => {
    const project = "alice/folders";
    const made = await api(h, "POST", "/files", {
      token: ALICE,
      body: { name: "dir", type: "folder", project },
    });
    expect(made.status).toBe(200);
    expect(cavaticaSchemas.validate("Folder", made.body).ok).toBe(true);
    const folder = made.body as { id: string; type: string; project: string };
    expect(folder).toMatchObject({ type: "folder", project });
    expectError(
      await api(h, "POST", "/files", { token: ALICE, body: { name: "dir", type: "folder", project } }),
      409,
      90007,
    );
    expectError(
      await api(h, "POST", "/files", { token: BOB, body: { name: "x", type: "folder", parent: folder.id } }),
      403,
      5001,
      "CV-AUTH-ISOLATION",
    );

    // A file never replaces a folder, overwrite or not.
    expectError(
      await api(h, "POST", "/upload/multipart?overwrite=true", {
        token: ALICE,
        body: { project, name: "dir" },
      }),
      409,
      90007,
      "CV-INIT-OVERWRITE",
    );
    // An upload into the folder belongs to the folder's project.
    const started = await api(h, "POST", "/upload/multipart", {
      token: ALICE,
      body: { parent: folder.id, name: "in-folder.bin", size: 0 },
    });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ project, parent: folder.id });

    const root = (await api(h, "GET", `/projects/${project}`, { token: ALICE })).body as {
      root_folder: string;
    };
    const atRoot = await list(`/files?parent=${root.root_folder}`);
    expect(atRoot.body.items.map((item) => item.name)).toEqual(["dir"]);

    const done = await uploadFileInto(folder.id, "child.bin");
    const contents = await list(`/files/${folder.id}/list`);
    expect(contents.body.items.map((item) => item.name)).toEqual(["child.bin"]);
    expectError(await api(h, "DELETE", `/files/${folder.id}`, { token: ALICE }), 409, 90007);
    expectError(await api(h, "GET", `/files/${folder.id}/download_info`, { token: ALICE }), 400, 5017);
    expect((await api(h, "DELETE", `/files/${done}`, { token: ALICE, body: {} })).status).toBe(204);
    expect((await api(h, "DELETE", `/files/${folder.id}`, { token: ALICE })).status).toBe(204);
    expectError(await api(h, "GET", `/files/${folder.id}`, { token: ALICE }), 404, 5002);
  });
});

/** Uploads 10 bytes into a folder by `parent`; returns the file id. */
async function uploadFileInto(parent: string, name: string): Promise<string> {
  const started = (
    await api(h, "POST", "/upload/multipart", { token: ALICE, body: { parent, name, size: 10 } })
  ).body as { upload_id: string };
  const partUrl = (await api(h, "GET", `/upload/multipart/${started.upload_id}/part/1`, { token: ALICE }))
    .body as {
    url: string;
  };
  const put = await fetch(partUrl.url, { method: "PUT", body: bytesOf(10) });
  const etag = put.headers.get("etag")?.replaceAll('"', "") ?? "";
  await api(h, "POST", `/upload/multipart/${started.upload_id}/part`, {
    token: ALICE,
    body: { part_number: 1, response: { headers: { ETag: etag } } },
  });
  const done = await api(h, "POST", `/upload/multipart/${started.upload_id}/complete`, { token: ALICE });
  expect(done.status, JSON.stringify(done.body)).toBe(200);
  return (done.body as { id: string }).id;
}

describe("edits, metadata and tags", () => {
  test("CV-FILE-METADATA / CV-FILE-TAGS: PUT replaces, PATCH merges and null removes; tags replace", async () => {
    const file = await uploadFile(h, ALICE, bytesOf(10), { project: "alice/meta", name: "m.bin" });
    const path = `/files/${file.id}`;
    expect(
      (await api(h, "PATCH", `${path}/metadata`, { token: ALICE, body: { a: "1", b: "2" } })).body,
    ).toEqual({
      a: "1",
      b: "2",
    });
    expect(
      (await api(h, "PATCH", `${path}/metadata`, { token: ALICE, body: { a: null, c: "3" } })).body,
    ).toEqual({
      b: "2",
      c: "3",
    });
    expect((await api(h, "PUT", `${path}/metadata`, { token: ALICE, body: { d: "4" } })).body).toEqual({
      d: "4",
    });
    expect((await api(h, "GET", `${path}/metadata`, { token: ALICE })).body).toEqual({ d: "4" });
    for (const body of [{ k: 1 }, { ["k".repeat(101)]: "v" }, { k: "v".repeat(301) }, ["x"]])
      expectError(
        await api(h, "PATCH", `${path}/metadata`, { token: ALICE, body }),
        400,
        90000,
        "CV-FILE-METADATA",
      );
    const many = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, "v"]));
    expectError(await api(h, "PUT", `${path}/metadata`, { token: ALICE, body: many }), 400, 90000);

    expect((await api(h, "PUT", `${path}/tags`, { token: ALICE, body: ["x", "y"] })).body).toEqual([
      "x",
      "y",
    ]);
    expect((await api(h, "PUT", `${path}/tags`, { token: ALICE, body: { tags: ["z"] } })).body).toEqual([
      "z",
    ]);
    expectError(await api(h, "PUT", `${path}/tags`, { token: ALICE, body: [1] }), 400, 90000, "CV-FILE-TAGS");
    const read = (await api(h, "GET", path, { token: ALICE })).body;
    expect(read).toMatchObject({ metadata: { d: "4" }, tags: ["z"] });
    expect(cavaticaSchemas.validate("File", read).ok).toBe(true);
    expectError(await api(h, "GET", `${path}/metadata`, { token: BOB }), 404, 5002, "CV-AUTH-ISOLATION");
  });

  test("a rename keeps the bytes, refuses a taken name, and a deleted file is gone with its download", async () => {
    const bytes = bytesOf(30, 7);
    const file = await uploadFile(h, ALICE, bytes, { project: "alice/edit", name: "one.bin" });
    await uploadFile(h, ALICE, bytesOf(5), { project: "alice/edit", name: "two.bin" });
    const path = `/files/${file.id}`;
    expectError(await api(h, "PATCH", path, { token: ALICE, body: { name: "two.bin" } }), 409, 90007);
    expectError(
      await api(h, "PATCH", path, { token: ALICE, body: { name: "a/b" } }),
      400,
      90000,
      "CV-INIT-NAME-CHARS",
    );
    const renamed = await api(h, "PATCH", path, { token: ALICE, body: { name: "three.bin" } });
    expect(renamed.body).toMatchObject({ id: file.id, name: "three.bin", size: 30 });
    const named = await list("/files?project=alice/edit&name=three.bin");
    expect(named.body.items.map((item) => item.id)).toEqual([file.id]);
    const info = (await api(h, "GET", `${path}/download_info`, { token: ALICE })).body as { url: string };
    expect(new Uint8Array(await (await fetch(info.url)).arrayBuffer())).toEqual(bytes);

    expectError(await api(h, "DELETE", path, { token: BOB }), 404, 5002);
    expect((await api(h, "DELETE", path, { token: ALICE })).status).toBe(204);
    expectError(await api(h, "GET", path, { token: ALICE }), 404, 5002);
    expect((await fetch(info.url)).status).toBeGreaterThanOrEqual(400);
  });
});

describe("projects and the rate limit", () => {
  test("a project answers its root folder to its owner and 403 / 3001 to another token", async () => {
    await uploadFile(h, ALICE, bytesOf(10), { project: "alice/proj", name: "p.bin" });
    const mine = await api(h, "GET", "/projects/alice/proj", { token: ALICE });
    expect(mine.status).toBe(200);
    expect(cavaticaSchemas.validate("Project", mine.body).ok).toBe(true);
    expect(mine.body).toMatchObject({
      id: "alice/proj",
      name: "proj",
      href: `${h.base}/projects/alice/proj`,
    });
    expectError(await api(h, "GET", "/projects/alice/proj", { token: BOB }), 403, 3001, "CV-AUTH-ISOLATION");
  });

  test("CV-RATE-LIMIT-HEADERS: API answers count down in the headers; /rate_limit does not count", async () => {
    const first = await api(h, "GET", "/rate_limit", { token: BOB });
    expect(cavaticaSchemas.validate("RateLimit", first.body).ok).toBe(true);
    const rate = (first.body as { rate: { limit: number; remaining: number; reset: number } }).rate;
    expect(first.headers.get("x-ratelimit-remaining")).toBe(String(rate.remaining));
    const again = await api(h, "GET", "/rate_limit", { token: BOB });
    expect((again.body as { rate: { remaining: number } }).rate.remaining).toBe(rate.remaining);
    const call = await api(h, "GET", "/user", { token: BOB });
    expect(call.headers.get("x-ratelimit-limit")).toBe(String(rate.limit));
    expect(call.headers.get("x-ratelimit-remaining")).toBe(String(rate.remaining - 1));
    expect(call.headers.get("x-ratelimit-reset")).toBe(String(rate.reset));
    expect((await api(h, "GET", "/user")).headers.get("x-ratelimit-limit")).toBeNull();
  });
});
