/**
 * Fault injection through `options.faults` (applied by composeServer with this protocol's
 * operationOf and error envelope), operation ids, and token redaction in the request log.
 */
import { parseFaultSpec, type ServerLogEntry } from "@partwise/node";
import { expect, test } from "vitest";
import { operationOf } from "../../src/server/index.ts";
import { bytesOf, Client, expectError, md5Base64, startServer } from "./helpers.ts";

test("operationOf names the spec's operationIds", () => {
  const op = (method: string, path: string) => operationOf(new Request(`http://h/v1pre3${path}`, { method }));
  expect(op("POST", "/appresults/1/files")).toBe("createAppResultFile");
  expect(op("GET", "/appresults/1/files")).toBe("listAppResultFiles");
  expect(op("PUT", "/files/7/parts/3")).toBe("uploadFilePart");
  expect(op("POST", "/files/7")).toBe("setFileUploadStatus");
  expect(op("GET", "/files/7")).toBe("getFile");
  expect(op("HEAD", "/files/7/content")).toBe("getFileContent");
  expect(op("DELETE", "/files/7")).toBeUndefined();
  expect(op("GET", "/files/7/nothing")).toBeUndefined();
});

test("a status=503 fault on uploadFilePart is observed there and nowhere else", async () => {
  const s = await startServer({ faults: [parseFaultSpec("op=uploadFilePart,status=503,count=2")] });
  try {
    const client = new Client(s.base, "faulty");
    const file = await client.initiate("1", "f.bin");
    const part = bytesOf(10);
    await expectError(await client.putPartRaw(file.Id, 1, part), 503, "ServiceUnavailable");
    await expectError(await client.putPartRaw(file.Id, 1, part), 503, "ServiceUnavailable");
    // count=2 is spent: the retry succeeds, as a client with retries would see.
    await client.putPart(file.Id, 1, part);
    expect((await client.complete(file.Id)).Size).toBe(10);
  } finally {
    await s.close();
  }
});

test("a corrupt fault is caught by Content-MD5 (BS-PART-MD5) and stores nothing", async () => {
  const s = await startServer({ faults: [parseFaultSpec("op=uploadFilePart,corrupt,count=1,seed=3")] });
  try {
    const client = new Client(s.base, "corrupted");
    const file = await client.initiate("1", "c.bin");
    const part = bytesOf(50, 9);
    await expectError(
      await client.putPartRaw(file.Id, 1, part, { "content-md5": md5Base64(part) }),
      400,
      "BS-PART-MD5",
    );
    await expectError(await client.statusRaw(file.Id, "complete"), 400, "BS-COMPLETE-EMPTY");
  } finally {
    await s.close();
  }
});

test("tokens never appear in the log or in answers", async () => {
  const entries: ServerLogEntry[] = [];
  const secret = "very-secret-token-123";
  const s = await startServer({ tokens: [secret], log: (entry) => entries.push(entry) });
  try {
    const texts: string[] = [];
    for (const url of [
      `${s.base}/files/1?access_token=${secret}`,
      `${s.base}/appresults/1/files?access_token=${secret}`,
      `${s.base}/files/1?access_token=wrong-${secret}`,
    ]) {
      const response = await fetch(url);
      texts.push(await response.text(), JSON.stringify([...response.headers]));
    }
    expect(entries.length).toBe(3);
    for (const text of [...texts, JSON.stringify(entries)]) expect(text).not.toContain(secret);
  } finally {
    await s.close();
  }
});
