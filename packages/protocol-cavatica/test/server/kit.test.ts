/**
 * The server kit of @partwise/node as CAVATICA uses it, over real sockets: `Range` on the signed
 * download URL (CV-COMPLETE-FILE), the keyed lock of an upload, and the status of every failure
 * kind in the platform error body. The other two servers have the same tests.
 */
import { FAILURE_STATUS } from "@partwise/node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FAILURE_EXAMPLES, THROWN_KINDS } from "../../../../test-support/failures.ts";
import { holdLocks, until } from "../../../../test-support/locks.ts";
import { cavaticaSchemas } from "../../src/index.ts";
import { failureResponse } from "../../src/server/errors.ts";
import {
  bytesOf,
  download,
  expectError,
  type Harness,
  init,
  partUrl,
  startServer,
  storagePut,
  uploadFile,
} from "./helpers.ts";

const TOKEN = "kit-token";
let h: Harness;
const bytes = bytesOf(300, 11);
let fileId: string;

beforeAll(async () => {
  h = await startServer({ tokens: [TOKEN], limits: { minPartSize: 100 } });
  // Three parts of 100 bytes: three blobs, so ranges cross blob boundaries.
  fileId = (await uploadFile(h, TOKEN, bytes, { project: "kit/p", name: "ranges.bin", partSize: 100 })).id;
});
afterAll(() => h.close());

describe("Range (RFC 9110 §14, CV-COMPLETE-FILE)", () => {
  test("Bytes=0-9 (the unit in any case), across blobs, and suffix ranges answer 206 with exactly those bytes", async () => {
    for (const [range, start, end] of [
      ["Bytes=0-9", 0, 9],
      ["BYTES=95-104", 95, 104],
      ["bytes=-10", 290, 299],
      ["bytes=250-", 250, 299],
      ["bytes=199-5000", 199, 299],
    ] as const) {
      const response = await download(h, TOKEN, fileId, { range });
      expect(response.status, range).toBe(206);
      expect(response.headers.get("content-range"), range).toBe(`bytes ${start}-${end}/300`);
      expect([...new Uint8Array(await response.arrayBuffer())], range).toEqual([
        ...bytes.subarray(start, end + 1),
      ]);
    }
  });

  test("an unsatisfiable range is 416 with Content-Range in the error body; several ranges serve the whole file", async () => {
    for (const range of ["bytes=300-", "bytes=-0"]) {
      const response = await download(h, TOKEN, fileId, { range });
      expect(response.headers.get("content-range")).toBe("bytes */300");
      expectError({ status: response.status, body: await response.json(), headers: response.headers }, 416);
    }
    const several = await download(h, TOKEN, fileId, { range: "bytes=0-1,4-5" });
    expect(several.status).toBe(200);
    expect([...new Uint8Array(await several.arrayBuffer())]).toEqual([...bytes]);
  });
});

describe("the keyed lock of an upload", () => {
  test("part commits of one upload wait for each other; another upload's do not wait", async () => {
    const a = await init(h, TOKEN, { project: "kit/p", name: "a.bin", size: 300, part_size: 100 });
    const b = await init(h, TOKEN, { project: "kit/p", name: "b.bin", size: 300, part_size: 100 });
    const part = bytes.subarray(0, 100);
    const urlsA = [await partUrl(h, TOKEN, a.upload_id, 1), await partUrl(h, TOKEN, a.upload_id, 2)];
    const urlB = await partUrl(h, TOKEN, b.upload_id, 1);
    const held = holdLocks((key) => key === a.upload_id);
    try {
      let doneA = 0;
      const putsA = urlsA.map((url) =>
        storagePut(url, part).then((result) => {
          doneA += 1;
          return result;
        }),
      );
      await until(() => held.calls.filter((key) => key === a.upload_id).length === 2);
      // Upload b commits while a's lock is held.
      expect((await storagePut(urlB, part)).status).toBe(200);
      expect(held.started.filter((key) => key === a.upload_id)).toHaveLength(1);
      expect(doneA).toBe(0);
      held.release();
      for (const result of await Promise.all(putsA)) expect(result.status).toBe(200);
      expect(held.started.filter((key) => key === a.upload_id)).toHaveLength(2);
    } finally {
      held.release();
      held.restore();
    }
  });
});

describe("failures and their statuses", () => {
  test("every failure kind answers FAILURE_STATUS in the platform error body, naming no path", async () => {
    for (const kind of THROWN_KINDS) {
      const response = failureResponse(FAILURE_EXAMPLES[kind]);
      expect(response.status, kind).toBe(FAILURE_STATUS[kind]);
      const body = (await response.json()) as { status: number; message: string };
      expect(cavaticaSchemas.validate("Error", body).ok, kind).toBe(true);
      expect(body.status, kind).toBe(FAILURE_STATUS[kind]);
      expect(body.message, kind).not.toContain("/secret");
    }
  });
});
