/**
 * The server kit of @partwise/node as CAVATICA uses it, over real sockets: `Range` on the signed
 * download URL (CV-COMPLETE-FILE), the keyed lock of an upload, and the status of every failure
 * kind in the platform error body. The other two servers have the same tests.
 */
import { FAILURE_STATUS } from "@partwise/node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FAILURE_EXAMPLES, THROWN_KINDS } from "../../../../test-support/failures.ts";
import { holdLocks, until } from "../../../../test-support/locks.ts";
import { expectRangesServed } from "../../../../test-support/ranges.ts";
import { stallBody } from "../../../../test-support/raw.ts";
import { cavaticaSchemas } from "../../src/index.ts";
import { failureResponse } from "../../src/server/errors.ts";
import {
  api,
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
    await expectRangesServed((range) => download(h, TOKEN, fileId, { range }), bytes);
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

describe("hardening", () => {
  test("a 404 for an unknown path or upload never echoes the request", async () => {
    const marker = "ECHO-MARKER-7f3a";
    for (const path of [`/no-such/${marker}`, `/upload/multipart/${marker}`, `/files/${marker}`]) {
      const result = await api(h, "GET", path, { token: TOKEN });
      expect(result.status, path).toBe(404);
      expect(JSON.stringify(result.body), path).not.toContain(marker);
    }
  });

  test("a part body that stops arriving is answered 408 in the error body and its connection closed", async () => {
    const slow = await startServer({ tokens: [TOKEN], limits: { minPartSize: 100 }, bodyIdleTimeoutMs: 300 });
    try {
      const started = await init(slow, TOKEN, {
        project: "kit/p",
        name: "slow.bin",
        size: 300,
        part_size: 100,
      });
      const url = new URL(await partUrl(slow, TOKEN, started.upload_id, 1));
      const answer = await stallBody(
        slow.origin,
        `PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: x\r\nContent-Length: 100`,
        "0123456789",
      );
      expect(answer.status).toBe(408);
      expect(answer.headers.connection).toBe("close");
      const body = JSON.parse(answer.body) as { status: number };
      expect(cavaticaSchemas.validate("Error", body).ok).toBe(true);
      expect(body.status).toBe(408);
    } finally {
      await slow.close();
    }
  });
});
