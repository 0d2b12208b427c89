/**
 * The server kit of @partwise/node as YouForce uses it, over real sockets: `Range`
 * (YF-DOWNLOAD-RANGE), the keyed lock of a resumable upload, and the status of every failure kind
 * in the error envelope. The other two servers have the same tests.
 */
import { FAILURE_STATUS } from "@partwise/node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FAILURE_EXAMPLES, THROWN_KINDS } from "../../../../test-support/failures.ts";
import { holdLocks, until } from "../../../../test-support/locks.ts";
import { toErrorResponse } from "../../src/server/errors.ts";
import {
  download,
  expectError,
  pseudoRandomBytes,
  putChunk,
  startResumable,
  startServer,
  type TestServer,
} from "./helpers.ts";

let s: TestServer;
const bytes = pseudoRandomBytes(300, 11);
let fileId: string;

beforeAll(async () => {
  s = await startServer();
  // Three chunks of 100 bytes: three blobs, so ranges cross blob boundaries.
  const uploadToken = await startResumable(s.base, bytes.subarray(0, 100), { name: "ranges.bin" });
  expect((await putChunk(s.base, uploadToken, 1, bytes.subarray(100, 200))).status).toBe(202);
  const closed = await putChunk(s.base, uploadToken, 2, bytes.subarray(200, 300), { close: true });
  expect(closed.status).toBe(201);
  fileId = ((await closed.json()) as { id: string }).id;
});
afterAll(() => s.close());

const get = (range: string): Promise<Response> => download(s.base, fileId, undefined, { headers: { range } });

describe("Range (RFC 9110 §14, YF-DOWNLOAD-RANGE)", () => {
  test("Bytes=0-9 (the unit in any case), across blobs, and suffix ranges answer 206 with exactly those bytes", async () => {
    for (const [range, start, end] of [
      ["Bytes=0-9", 0, 9],
      ["BYTES=95-104", 95, 104],
      ["bytes=-10", 290, 299],
      ["bytes=250-", 250, 299],
      ["bytes=199-5000", 199, 299],
    ] as const) {
      const response = await get(range);
      expect(response.status, range).toBe(206);
      expect(response.headers.get("content-range"), range).toBe(`bytes ${start}-${end}/300`);
      expect([...new Uint8Array(await response.arrayBuffer())], range).toEqual([
        ...bytes.subarray(start, end + 1),
      ]);
    }
  });

  test("an unsatisfiable range is 416 with Content-Range in the envelope; several ranges serve the whole file", async () => {
    for (const range of ["bytes=300-", "bytes=-0"]) {
      const response = await get(range);
      expect(response.headers.get("content-range")).toBe("bytes */300");
      await expectError(response, 416, "YF-DOWNLOAD-RANGE");
    }
    const several = await get("bytes=0-1,4-5");
    expect(several.status).toBe(200);
    expect([...new Uint8Array(await several.arrayBuffer())]).toEqual([...bytes]);
  });
});

describe("the keyed lock of a resumable upload", () => {
  test("chunks of one upload wait for each other; another upload's do not wait", async () => {
    const chunk = bytes.subarray(0, 100);
    const a = await startResumable(s.base, chunk, { name: "a.bin" });
    const b = await startResumable(s.base, chunk, { name: "b.bin" });
    const keyA = `session-${a}`;
    const held = holdLocks((key) => key === keyA);
    try {
      let doneA = 0;
      const putsA = [1, 2].map((position) =>
        putChunk(s.base, a, position, chunk).then((response) => {
          doneA += 1;
          return response;
        }),
      );
      await until(() => held.calls.filter((key) => key === keyA).length === 2);
      // Upload b stores a chunk while a's lock is held.
      expect((await putChunk(s.base, b, 1, chunk)).status).toBe(202);
      expect(held.started.filter((key) => key === keyA)).toHaveLength(1);
      expect(doneA).toBe(0);
      held.release();
      for (const response of await Promise.all(putsA)) expect(response.status).toBe(202);
      expect(held.started.filter((key) => key === keyA)).toHaveLength(2);
    } finally {
      held.release();
      held.restore();
    }
  });
});

describe("failures and their statuses", () => {
  test("every failure kind answers FAILURE_STATUS in the error envelope, naming no path", async () => {
    for (const kind of THROWN_KINDS) {
      const response = toErrorResponse(FAILURE_EXAMPLES[kind]);
      expect(response.status, kind).toBe(FAILURE_STATUS[kind]);
      const message = await expectError(response, FAILURE_STATUS[kind]);
      expect(message, kind).not.toContain("/secret");
    }
  });
});
