/**
 * The server kit of @partwise/node as YouForce uses it, over real sockets: `Range`
 * (YF-DOWNLOAD-RANGE), the keyed lock of a resumable upload, and the status of every failure kind
 * in the error envelope. The other two servers have the same tests.
 */
import { FAILURE_STATUS } from "@partwise/node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FAILURE_EXAMPLES, THROWN_KINDS } from "../../../../test-support/failures.ts";
import { holdLocks, until } from "../../../../test-support/locks.ts";
import { expectRangesServed } from "../../../../test-support/ranges.ts";
import { stallBody } from "../../../../test-support/raw.ts";
import { toErrorResponse } from "../../src/server/errors.ts";
import {
  auth,
  download,
  expectError,
  list,
  postFile,
  pseudoRandomBytes,
  putChunk,
  startResumable,
  startServer,
  type TestServer,
  TOKEN,
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
    await expectRangesServed(get, bytes);
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

describe("hardening", () => {
  test("a 404 for an unknown path or file never echoes the request", async () => {
    const marker = "ECHO-MARKER-7f3a";
    for (const path of [
      `/no-such/${marker}`,
      `/files/${marker}`,
      "/files/00000000-0000-4000-a000-000000000000",
    ]) {
      const response = await fetch(`${s.base}${path}?role=publisher`, { headers: auth() });
      const message = await expectError(response, 404);
      expect(message, path).not.toContain(marker);
      expect(message, path).not.toContain("no-such");
      expect(message, path).not.toContain("00000000");
    }
  });

  test("a chunk body that stops arriving is answered 408 in the error envelope and its connection closed", async () => {
    const slow = await startServer({ bodyIdleTimeoutMs: 300 });
    try {
      const uploadToken = await startResumable(slow.base, "first", { name: "slow.bin" });
      const answer = await stallBody(
        slow.origin,
        `PUT /v1.0/files?uploadType=resumable&uploadToken=${uploadToken}&position=1 HTTP/1.1\r\nHost: x\r\n` +
          `Authorization: Bearer ${TOKEN}\r\nContent-Type: application/octet-stream\r\nContent-Length: 100`,
        "0123456789",
      );
      expect(answer.status).toBe(408);
      expect(answer.headers.connection).toBe("close");
      expect(JSON.parse(answer.body)).toMatchObject({ ErrorCode: "408", Exception: null });
    } finally {
      await slow.close();
    }
  });
});

describe("YF-NAME-RESERVED", () => {
  test("names of dots only and Windows device names are refused with 400 and never stored; near misses are accepted", async () => {
    for (const name of [
      ".",
      "..",
      "...",
      "CON",
      "con",
      "nul",
      "NUL.txt",
      "Aux.tar.gz",
      "com1",
      "LPT9.csv",
      "prn.",
    ]) {
      await expectError(await postFile(s.base, "reserved", { name }), 400, "YF-NAME-RESERVED");
    }
    for (const name of ["CONSOLE.txt", "nul1.txt", "com10", "a.con", "lpt.csv", ".nul"]) {
      const response = await postFile(s.base, "fine", { name });
      expect(response.status, name).toBe(201);
      await response.body?.cancel();
    }
    const names = (await list(s.base)).body.data.map((file) => file.fileName.toLowerCase());
    for (const reserved of [".", "..", "con", "nul.txt"]) expect(names).not.toContain(reserved);
    expect(names).toContain("consolE.txt".toLowerCase());
  });
});
