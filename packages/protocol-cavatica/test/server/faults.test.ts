/**
 * Fault injection through `options.faults` (applied by composeServer with this server's
 * `operationOf`, so faults target the spec's operationIds).
 */
import { parseFaultSpec } from "@partwise/node";
import { describe, expect, test } from "vitest";
import { operationOf } from "../../src/server/index.ts";
import {
  api,
  bytesOf,
  complete,
  expectError,
  init,
  md5Hex,
  partUrl,
  report,
  sendPart,
  startServer,
  storagePut,
} from "./helpers.ts";

describe("fault injection", () => {
  test("operationOf names the spec's operationIds", () => {
    const at = (method: string, path: string) => operationOf(new Request(`http://x${path}`, { method }));
    expect(at("POST", "/v2/upload/multipart")).toBe("initUpload");
    expect(at("GET", "/v2/upload/multipart")).toBe("listUploads");
    expect(at("GET", "/v2/upload/multipart/abc")).toBe("getUpload");
    expect(at("POST", "/v2/upload/multipart/abc")).toBe("reportParts");
    expect(at("DELETE", "/v2/upload/multipart/abc")).toBe("abortUpload");
    expect(at("GET", "/v2/upload/multipart/abc/part/3")).toBe("getPartUrl");
    expect(at("POST", "/v2/upload/multipart/abc/part")).toBe("reportPart");
    expect(at("POST", "/v2/upload/multipart/abc/part/")).toBe("reportPart");
    expect(at("POST", "/v2/upload/multipart/abc/complete")).toBe("completeUpload");
    expect(at("GET", "/v2/files/abc")).toBe("getFile");
    expect(at("GET", "/v2/files/abc/download_info")).toBe("getDownloadInfo");
    expect(at("PUT", "/v2/storage/uploads/abc/parts/1")).toBe("storagePutPart");
    expect(at("GET", "/v2/storage/files/abc")).toBe("storageGetFile");
    expect(at("PUT", "/v2/upload/multipart/abc/part")).toBeUndefined();
    expect(at("GET", "/upload/multipart")).toBeUndefined();
  });

  test("CV-ERROR-ENVELOPE: a status=503 fault on getPartUrl answers the error body; other operations are untouched", async () => {
    const h = await startServer({ faults: [parseFaultSpec("op=getPartUrl,status=503,count=1")] });
    try {
      const { upload_id } = await init(h, "t", { project: "o/p", name: "f" });
      expectError(await api(h, "GET", `/upload/multipart/${upload_id}/part/1`, { token: "t" }), 503, 90005);
      // count=1: the retry succeeds.
      await sendPart(h, "t", upload_id, 1, bytesOf(10));
      expect((await complete(h, "t", upload_id)).status).toBe(200);
    } finally {
      await h.close();
    }
  });

  test("CV-PART-URL: a reset fault on storagePutPart drops the connection and stores nothing", async () => {
    const h = await startServer({ faults: [parseFaultSpec("op=storagePutPart,reset,count=1")] });
    try {
      const { upload_id } = await init(h, "t", { project: "o/p", name: "r" });
      const url = await partUrl(h, "t", upload_id, 1);
      await expect(storagePut(url, bytesOf(100_000))).rejects.toThrow();
      expectError(await report(h, "t", upload_id, 1, md5Hex(bytesOf(100_000))), 400, 8014);
      expect((await storagePut(url, bytesOf(100_000))).status).toBe(200);
    } finally {
      await h.close();
    }
  });

  test("CV-REPORT-ETAG: a corrupt fault on storagePutPart is caught by the ETag check", async () => {
    const h = await startServer({ faults: [parseFaultSpec("op=storagePutPart,corrupt,count=1,seed=3")] });
    try {
      const { upload_id } = await init(h, "t", { project: "o/p", name: "c" });
      const bytes = bytesOf(1000);
      const put = await storagePut(await partUrl(h, "t", upload_id, 1), bytes);
      expect(put.status).toBe(200);
      expect(put.etag).not.toBe(`"${md5Hex(bytes)}"`);
      // A client that reports the MD5 it computed itself is told the part is not what it sent.
      expectError(await report(h, "t", upload_id, 1, md5Hex(bytes)), 400, 8014, "CV-REPORT-ETAG");
    } finally {
      await h.close();
    }
  });
});
