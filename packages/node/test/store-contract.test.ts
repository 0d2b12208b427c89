/**
 * The storage contract (store-contract.ts) on both adapters: DiskStore always, S3Store on a real
 * S3 (Ceph's RADOS Gateway, test-support/rgw-setup.ts) when the run has one.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { testBucket } from "../../../test-support/s3-tests.ts";
import { DiskStore, S3StoreError, storageFailure } from "../src/index.ts";
import { S3Store } from "../src/s3.ts";
import { chunkedStream } from "./helpers.ts";
import { storeContract } from "./store-contract.ts";

let root: string;
let counter = 0;
const opened: S3Store[] = [];
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "partwise-contract-"));
});
afterAll(async () => {
  for (const store of opened) store.close();
  await rm(root, { recursive: true, force: true });
});
const freshDir = (): string => join(root, `store-${++counter}`);

storeContract("DiskStore", () => DiskStore.open(freshDir()));

const s3 = inject("partwiseS3");
const bucket = testBucket("contract");

describe.skipIf(s3 === undefined)("S3Store on RGW", () => {
  const open = async (options: { prefix?: string } = {}): Promise<S3Store> => {
    if (s3 === undefined) throw new Error("no S3 endpoint");
    const store = await S3Store.open(freshDir(), { ...s3, bucket, ...options });
    opened.push(store);
    return store;
  };

  storeContract("S3Store", () => open({ prefix: "contract" }), 4);

  test("blobs are objects under the prefix; another prefix in the same bucket sees none of them", async () => {
    const a = await open({ prefix: "one" });
    const b = await open({ prefix: "two/" });
    const staged = await a.ingest(chunkedStream(new Uint8Array([1, 2, 3]), [3]));
    await staged.commit("only-in-one");
    expect(await a.head("only-in-one")).toEqual({ size: 3, etag: '"5289df737df57326fcdd22597afb1fac"' });
    expect(await b.size("only-in-one")).toBeUndefined();
    expect(a.prefix).toBe("one/");
    expect(b.prefix).toBe("two/");
  });

  test("a presigned GET reads the object with plain fetch; an edited signature is refused", async () => {
    const store = await open({ prefix: "presign" });
    const staged = await store.ingest(chunkedStream(new Uint8Array([9, 8, 7, 6]), [2, 2]));
    await staged.commit("signed");
    const url = await store.presignGet("signed", 60, "a b.txt");
    const answer = await fetch(url);
    expect(answer.status).toBe(200);
    expect(new Uint8Array(await answer.arrayBuffer())).toEqual(new Uint8Array([9, 8, 7, 6]));
    expect(answer.headers.get("content-disposition")).toContain("a%20b.txt");
    const tampered = new URL(url);
    tampered.searchParams.set("X-Amz-Signature", "0".repeat(64));
    expect((await fetch(tampered)).status).toBe(403);
  });

  test("join copies blobs into one object inside S3, in the order given", async () => {
    const store = await open({ prefix: "join" });
    const blobs = [new Uint8Array([1, 2]), new Uint8Array([3]), new Uint8Array([4, 5, 6])];
    for (const [i, bytes] of blobs.entries()) {
      const staged = await store.ingest(chunkedStream(bytes, [bytes.length]));
      await staged.commit(`part-${i}`);
    }
    expect(await store.join(["part-2", "part-0", "part-1"], "joined")).toBe(6);
    expect([...(await store.readAll("joined"))]).toEqual([4, 5, 6, 1, 2, 3]);
  });

  test("an unreachable endpoint or refused credentials are S3StoreErrors a server answers 503 or 500", async () => {
    if (s3 === undefined) throw new Error("no S3 endpoint");
    const refused = S3Store.open(freshDir(), { ...s3, bucket, secretAccessKey: "wrong".repeat(8) });
    const error = await refused.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(S3StoreError);
    expect(storageFailure(error)?.status).toBe(500);
    const down = await S3Store.open(freshDir(), { ...s3, bucket, endpoint: "http://127.0.0.1:9" }).catch(
      (e: unknown) => e,
    );
    expect(down).toBeInstanceOf(S3StoreError);
    expect(storageFailure(down)?.status).toBe(503);
  });
});
