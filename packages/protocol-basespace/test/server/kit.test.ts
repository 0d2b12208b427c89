/**
 * The server kit of @partwise/node as BaseSpace uses it, over real sockets: `Range` (BS-DOWNLOAD),
 * the keyed lock of an upload, and the status of every failure kind in the error envelope. The
 * other two servers have the same tests, so behaviour cannot drift apart again.
 */
import { FAILURE_STATUS } from "@partwise/node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FAILURE_EXAMPLES, THROWN_KINDS } from "../../../../test-support/failures.ts";
import { holdLocks, until } from "../../../../test-support/locks.ts";
import { expectRangesServed } from "../../../../test-support/ranges.ts";
import { stallBody } from "../../../../test-support/raw.ts";
import { failureResponse } from "../../src/server/errors.ts";
import { answer, auth, bytesOf, Client, md5Base64, startServer, type TestServer } from "./helpers.ts";

const TOKEN = "kit-token";
let s: TestServer;
let client: Client;
const bytes = bytesOf(300, 11);
let fileId: string;

beforeAll(async () => {
  s = await startServer({ tokens: [TOKEN] });
  client = new Client(s.base, TOKEN);
  // Three parts of 100 bytes: three blobs, so ranges cross blob boundaries.
  const file = await client.initiate("101", "ranges.bin");
  for (const n of [1, 2, 3]) await client.putPart(file.Id, n, bytes.subarray((n - 1) * 100, n * 100));
  fileId = (await client.complete(file.Id)).Id;
});
afterAll(() => s.close());

const get = (range: string): Promise<Response> =>
  fetch(`${s.base}/files/${fileId}/content?redirect=false`, { headers: { ...auth(TOKEN), range } });

describe("Range (RFC 9110 §14, BS-DOWNLOAD)", () => {
  test("Bytes=0-9 (the unit in any case), across blobs, and suffix ranges answer 206 with exactly those bytes", async () => {
    await expectRangesServed(get, bytes);
  });

  test("an unsatisfiable range is 416 with Content-Range in the envelope; several ranges serve the whole file", async () => {
    for (const range of ["bytes=300-", "bytes=-0"]) {
      const response = await get(range);
      expect(response.status, range).toBe(416);
      expect(response.headers.get("content-range")).toBe("bytes */300");
      expect(
        (await answer<{ ResponseStatus: { ErrorCode: string } }>(response)).body.ResponseStatus.ErrorCode,
      ).toBe("BS-DOWNLOAD");
    }
    const several = await get("bytes=0-1,4-5");
    expect(several.status).toBe(200);
    expect([...new Uint8Array(await several.arrayBuffer())]).toEqual([...bytes]);
  });
});

describe("the keyed lock of an upload", () => {
  test("part commits of one upload wait for each other; another upload's do not wait", async () => {
    const a = await client.initiate("102", "a.bin");
    const b = await client.initiate("102", "b.bin");
    const part = bytes.subarray(0, 100);
    const held = holdLocks((key) => key === `file:${a.Id}`);
    try {
      let doneA = 0;
      const putsA = [1, 2].map((n) =>
        client.putPartRaw(a.Id, n, part, { "content-md5": md5Base64(part) }).then(async (response) => {
          doneA += 1;
          return response;
        }),
      );
      await until(() => held.calls.filter((key) => key === `file:${a.Id}`).length === 2);
      // Upload b commits while a's lock is held.
      expect((await client.putPartRaw(b.Id, 1, part, { "content-md5": md5Base64(part) })).status).toBe(200);
      expect(held.started.filter((key) => key === `file:${a.Id}`)).toHaveLength(1);
      expect(doneA).toBe(0);
      held.release();
      for (const response of await Promise.all(putsA)) expect(response.status).toBe(200);
      expect(held.started.filter((key) => key === `file:${a.Id}`)).toHaveLength(2);
    } finally {
      held.release();
      held.restore();
    }
  });
});

describe("failures and their statuses", () => {
  test("every failure kind answers FAILURE_STATUS in the error envelope, naming no path", async () => {
    for (const kind of THROWN_KINDS) {
      const response = failureResponse(FAILURE_EXAMPLES[kind]);
      expect(response.status, kind).toBe(FAILURE_STATUS[kind]);
      const { body } = await answer<{ ResponseStatus: { Message: string } }>(response);
      expect(body.ResponseStatus.Message, kind).not.toContain("/secret");
    }
  });
});

describe("hardening", () => {
  test("a 404 for an unknown path or File never echoes the request", async () => {
    const marker = "ECHO-MARKER-7f3a";
    for (const path of [
      `/no-such/${marker}`,
      `/files/${marker}`,
      `/files/9${marker}/content?redirect=false`,
    ]) {
      const response = await fetch(`${s.base}${path}`, { headers: auth(TOKEN) });
      const text = await response.text();
      expect(response.status, path).toBe(404);
      expect(text, path).not.toContain(marker);
      expect(text, path).not.toContain("no-such");
    }
  });

  test("a part body that stops arriving is answered 408 in the error envelope and its connection closed", async () => {
    const slow = await startServer({ tokens: [TOKEN], bodyIdleTimeoutMs: 300 });
    try {
      const file = await new Client(slow.base, TOKEN).initiate("103", "slow.bin");
      const answer = await stallBody(
        slow.url,
        `PUT /v1pre3/files/${file.Id}/parts/1 HTTP/1.1\r\nHost: x\r\nx-access-token: ${TOKEN}\r\nContent-Length: 100`,
        "0123456789",
      );
      expect(answer.status).toBe(408);
      expect(answer.headers.connection).toBe("close");
      expect(JSON.parse(answer.body)).toMatchObject({
        Response: null,
        ResponseStatus: { ErrorCode: "RequestTimeout" },
      });
    } finally {
      await slow.close();
    }
  });
});
