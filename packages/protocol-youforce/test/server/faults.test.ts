/** Fault injection through options.faults (applied by composeServer with the spec's operationIds). */
import { parseFaultSpec } from "@partwise/node";
import { expect, test } from "vitest";
import { operationOf } from "../../src/server/index.ts";
import { expectError, list, postFile, putChunk, startResumable, startServer, uploadOk } from "./helpers.ts";

test("operationOf names the spec's operationIds", () => {
  const op = (method: string, path: string) => operationOf(new Request(`http://h/v1.0${path}`, { method }));
  expect(op("POST", "/files?uploadType=multipart")).toBe("uploadFile");
  expect(op("PUT", "/files?uploadType=resumable")).toBe("uploadChunk");
  expect(op("GET", "/files?role=publisher")).toBe("listFiles");
  expect(op("GET", "/files/7ff1b498-169d-4048-8459-78f7bd7905a3")).toBe("downloadFile");
  expect(op("HEAD", "/files/7ff1b498-169d-4048-8459-78f7bd7905a3")).toBe("headFile");
  expect(op("DELETE", "/files/7ff1b498-169d-4048-8459-78f7bd7905a3")).toBe("deleteFile");
  expect(op("GET", "/elsewhere")).toBeUndefined();
});

test("a status=503 fault on uploadChunk is observed in the envelope, other operations are untouched", async () => {
  await using s = await startServer({ faults: [parseFaultSpec("op=uploadChunk,status=503,count=1")] });
  const token = await startResumable(s.base, "0");
  await expectError(await putChunk(s.base, token, 1, "1"), 503);
  // The retry goes through (count=1), and the chunk the fault swallowed was never stored.
  const closed = await putChunk(s.base, token, 1, "1", { close: true });
  expect(closed.status).toBe(201);
  expect((await list(s.base)).status).toBe(200);
});

test("a reset fault on uploadFile drops the connection and stores nothing", async () => {
  await using s = await startServer({ faults: [parseFaultSpec("op=uploadFile,reset,count=1")] });
  await expect(postFile(s.base, "lost")).rejects.toThrow();
  expect((await list(s.base)).body.count).toBe(0);
  await uploadOk(s.base, "kept");
  expect((await list(s.base)).body.count).toBe(1);
});

test("a corrupt fault on uploadFile yields a 400 envelope or a stored file, never a 500", async () => {
  await using s = await startServer({ faults: [parseFaultSpec("op=uploadFile,corrupt,seed=3")] });
  for (let i = 0; i < 10; i++) {
    const response = await postFile(s.base, "abcdefghijklmnopqrstuvwxyz".repeat(4));
    expect(response.status).toBeLessThan(500);
    if (response.status !== 201) await expectError(response, response.status);
    else await response.body?.cancel();
  }
});

test("a drop fault on listFiles processes the request but loses the answer", async () => {
  await using s = await startServer({ faults: [parseFaultSpec("op=listFiles,drop,count=1")] });
  await expect(list(s.base)).rejects.toThrow();
  expect((await list(s.base)).status).toBe(200);
});
