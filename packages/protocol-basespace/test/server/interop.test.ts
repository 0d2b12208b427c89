/**
 * What the vendor SDKs call around an upload besides the documented flow: `samples/{id}/files`
 * (basespace-python-sdk `sampleFileUpload`, simple and multipart, same semantics as AppResult
 * files), `users/current` (`getUserById('current')`, Java `getCurrentUser`), and the content
 * `ETag` the Python SDK's `fileS3metadata` reads from the signed URL (hex MD5 of a simple upload,
 * S3's composite `md5(part digests)-N` of a multipart one), with `If-None-Match` → 304.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { File, FileContentMeta, FileList, User } from "../../src/index.ts";
import { answer, auth, bytesOf, Client, cut, md5, md5Hex, startServer, type TestServer } from "./helpers.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ tokens: ["alice", "bob"] });
});
afterAll(async () => {
  await s.close();
});

const alice = () => new Client(s.base, "alice");
const bob = () => new Client(s.base, "bob");

/** S3's multipart ETag: hex MD5 of the concatenated binary part digests, `-` part count. */
function compositeEtag(parts: readonly Uint8Array[]): string {
  const hash = createHash("md5");
  for (const part of parts) hash.update(md5(part));
  return `${hash.digest("hex")}-${parts.length}`;
}

async function sampleSimple(client: Client, sampleId: string, name: string, bytes: Uint8Array) {
  return fetch(`${s.base}/samples/${sampleId}/files?name=${name}&directory=reads`, {
    method: "POST",
    headers: { ...client.headers, "content-type": "text/plain" },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
}

async function sampleMultipart(client: Client, sampleId: string, bytes: Uint8Array): Promise<File> {
  const started = await answer<{ Response: File }>(
    await fetch(`${s.base}/samples/${sampleId}/files?name=big.bin&directory=reads&multipart=true`, {
      method: "POST",
      headers: { ...client.headers, "content-type": "application/octet-stream" },
      // The Python SDK repeats its query as a JSON body under the file's Content-Type.
      body: JSON.stringify({ name: "big.bin", directory: "reads", multipart: "true" }),
    }),
    "FileResponse",
  );
  expect([started.status, started.body.Response.UploadStatus]).toEqual([200, "pending"]);
  const id = started.body.Response.Id;
  for (const part of cut(bytes, 100)) await client.putPart(id, part.number, part.bytes);
  return client.complete(id);
}

describe("POST samples/{id}/files", () => {
  test("a simple upload stores the file complete, under the Sample, listed and readable", async () => {
    const bytes = bytesOf(1000, 3);
    const stored = await answer<{ Response: File }>(
      await sampleSimple(alice(), "16018", "a.txt", bytes),
      "FileResponse",
    );
    expect(stored.status).toBe(201);
    expect(stored.body.Response).toMatchObject({ Path: "reads/a.txt", UploadStatus: "complete", Size: 1000 });
    expect(await alice().download(stored.body.Response.Id)).toEqual(bytes);
    const list = await answer<{ Response: FileList }>(
      await fetch(`${s.base}/samples/16018/files`, { headers: auth("alice") }),
      "FileListResponse",
    );
    expect(list.body.Response.Items.map((file) => file.Id)).toContain(stored.body.Response.Id);
  });

  test("a multipart upload (initiate with a JSON body, parts, complete) reassembles in order", async () => {
    const bytes = bytesOf(64 * 5 + 17, 4);
    const done = await sampleMultipart(alice(), "16019", bytes);
    expect(done).toMatchObject({ UploadStatus: "complete", Size: bytes.length, Path: "reads/big.bin" });
    expect(await alice().download(done.Id)).toEqual(bytes);
  });

  test("a Sample and an AppResult of the same id are different containers with their own owners", async () => {
    // bob writes first to AppResult 777; alice may still write to Sample 777, and not to AppResult 777.
    await bob().simpleUpload("777", "b.txt", bytesOf(10, 5));
    expect((await sampleSimple(alice(), "777", "a.txt", bytesOf(10, 6))).status).toBe(201);
    const refused = await answer(
      await fetch(`${s.base}/appresults/777/files?name=a.txt`, {
        method: "POST",
        headers: { ...alice().headers, "content-type": "text/plain" },
        body: "x",
      }),
    );
    expect(refused.status).toBe(403);
    // ...and bob cannot write to alice's Sample.
    expect((await sampleSimple(bob(), "777", "b.txt", bytesOf(10, 7))).status).toBe(403);
  });

  test("an id that cannot name a Sample is 404, and a request without a token 401", async () => {
    expect((await sampleSimple(alice(), "a.b", "x.txt", bytesOf(1, 1))).status).toBe(404);
    const anonymous = await fetch(`${s.base}/samples/16018/files?name=x.txt`, { method: "POST", body: "x" });
    expect(anonymous.status).toBe(401);
  });
});

describe("GET users/{id}", () => {
  test("users/current is the token's user; its own id names it too; another id is 404", async () => {
    const current = await answer<{ Response: User }>(
      await fetch(`${s.base}/users/current`, { headers: auth("alice") }),
    );
    expect(current.status).toBe(200);
    const user = current.body.Response;
    expect(user.Id).toMatch(/^[0-9]+$/);
    expect(user.Href).toBe(`v1pre3/users/${user.Id}`);
    const again = await answer<{ Response: User }>(
      await fetch(`${s.base}/users/${user.Id}`, { headers: auth("alice") }),
    );
    expect(again.body.Response.Id).toBe(user.Id);
    const other = await answer<{ Response: User }>(
      await fetch(`${s.base}/users/current`, { headers: { authorization: "Bearer bob" } }),
    );
    expect(other.body.Response.Id).not.toBe(user.Id);
    expect((await fetch(`${s.base}/users/${user.Id}`, { headers: auth("bob") })).status).toBe(404);
    expect((await fetch(`${s.base}/users/current`)).status).toBe(401);
  });
});

describe("content ETag", () => {
  test("a simple upload's content carries its MD5, a multipart one S3's composite ETag", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 700 }),
        fc.integer({ min: 1, max: 2 ** 31 }),
        async (size, seed) => {
          const bytes = bytesOf(size, seed);
          const simple = await alice().simpleUpload("etags", "s.bin", bytes);
          const simpleAnswer = await fetch(`${s.base}/files/${simple.Id}/content?redirect=false`, {
            headers: auth("alice"),
          });
          expect(simpleAnswer.headers.get("etag")).toBe(`"${md5Hex(bytes)}"`);
          await simpleAnswer.arrayBuffer();

          const initiated = await alice().initiate("etags", "m.bin");
          const parts = cut(bytes, 100);
          for (const part of parts) await alice().putPart(initiated.Id, part.number, part.bytes);
          await alice().complete(initiated.Id);
          const multiAnswer = await fetch(`${s.base}/files/${initiated.Id}/content?redirect=false`, {
            headers: auth("alice"),
          });
          expect(multiAnswer.headers.get("etag")).toBe(`"${compositeEtag(parts.map((p) => p.bytes))}"`);
          await multiAnswer.arrayBuffer();
        },
      ),
      { numRuns: 5 },
    );
  });

  test("the signed content URL answers the ETag on a ranged GET, and If-None-Match gets 304", async () => {
    const bytes = bytesOf(300, 9);
    const file = await alice().simpleUpload("etags", "signed.bin", bytes);
    const meta = await answer<{ Response: FileContentMeta }>(
      await fetch(`${s.base}/files/${file.Id}/content?redirect=meta`, { headers: auth("alice") }),
      "FileContentMetaResponse",
    );
    const href = meta.body.Response.HrefContent;
    // basespace-python-sdk fileS3metadata: GET HrefContent with Range bytes=0-1, read `etag`.
    const ranged = await fetch(href, { headers: { range: "bytes=0-1" } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("etag")).toBe(`"${md5Hex(bytes)}"`);
    expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(bytes.subarray(0, 2));

    const etag = ranged.headers.get("etag") ?? "";
    const notModified = await fetch(href, { headers: { "if-none-match": `"other", W/${etag}` } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get("etag")).toBe(etag);
    const modified = await fetch(href, { headers: { "if-none-match": '"0123"' } });
    expect(modified.status).toBe(200);
    expect(new Uint8Array(await modified.arrayBuffer())).toEqual(bytes);
  });
});
