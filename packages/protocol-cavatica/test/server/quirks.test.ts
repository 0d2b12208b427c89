/**
 * What real clients send (spec "Wire quirks"; sevenbridges-python http/client.py `_request`):
 * `Content-Type: application/json` on every request, the body `null` on GET and on complete, `{}`
 * on DELETE, reports to `…/part/` with a trailing slash, `overwrite=True`, `null` optional fields.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cavaticaSchemas } from "../../src/index.ts";
import {
  bytesOf,
  downloadBytes,
  type Harness,
  init,
  md5Hex,
  partUrl,
  rawRequest,
  startServer,
  storagePut,
} from "./helpers.ts";

const TOKEN = "python-token";
let h: Harness;

beforeAll(async () => {
  h = await startServer({ tokens: [TOKEN] });
});
afterAll(() => h.close());

/**
 * A request as sevenbridges-python's `_request` sends it: `data=json.dumps(data)` always, which
 * `requests` sends with a Content-Length (a str body, not chunked).
 */
function python(method: string, path: string, data: unknown, query = "") {
  const body = JSON.stringify(data ?? null);
  return rawRequest(
    `${h.base}${path}${query}`,
    method,
    {
      "x-sbg-auth-token": TOKEN,
      "content-type": "application/json",
      accept: "application/json",
      "content-length": String(Buffer.byteLength(body)),
    },
    body,
  );
}

describe("sevenbridges-python wire quirks", () => {
  test("CV-REPORT-BODY: the python flow (null bodies, trailing-slash report, overwrite=True, DELETE {}) works end to end", async () => {
    const bytes = bytesOf(1234, 5);
    const initBody = {
      project: "rfranklin/my-project",
      parent: null,
      name: "CanFam3.1.fa.gz",
      part_size: 33554432,
      size: bytes.length,
    };
    const started = await python("POST", "/upload/multipart", initBody, "?overwrite=True");
    expect(started.status, started.body).toBe(200);
    const upload = JSON.parse(started.body) as { upload_id: string; part_size: number };
    expect(upload.part_size).toBe(33554432);

    const info = await python("GET", `/upload/multipart/${upload.upload_id}`, null);
    expect(info.status).toBe(200);
    const url = await python("GET", `/upload/multipart/${upload.upload_id}/part/1`, null);
    expect(url.status).toBe(200);
    const put = await storagePut((JSON.parse(url.body) as { url: string }).url, bytes);
    const etag = put.etag!.replace(/^"|"$/g, "");
    const reported = await python("POST", `/upload/multipart/${upload.upload_id}/part/`, {
      part_number: 1,
      response: { headers: { ETag: etag } },
    });
    expect(reported.status, reported.body).toBe(200);
    const done = await python("POST", `/upload/multipart/${upload.upload_id}/complete`, null);
    expect(done.status, done.body).toBe(200);
    const file = JSON.parse(done.body) as { id: string };
    expect(cavaticaSchemas.validate("File", file).ok).toBe(true);
    const fileInfo = await python("GET", `/files/${file.id}`, null);
    expect(fileInfo.status).toBe(200);
    expect(await downloadBytes(h, TOKEN, file.id)).toEqual(bytes);

    const other = await python("POST", "/upload/multipart", { ...initBody, name: "other" });
    const otherId = (JSON.parse(other.body) as { upload_id: string }).upload_id;
    const aborted = await python("DELETE", `/upload/multipart/${otherId}`, {});
    expect(aborted.status).toBe(204);
    expect(aborted.body).toBe("");
    const listed = await python("GET", "/upload/multipart", null);
    expect(JSON.parse(listed.body)).toEqual({ items: [] });
  });

  test("CV-ERROR-ENVELOPE: the [S2] misspelling application_json and a missing Content-Type are read as JSON", async () => {
    for (const contentType of ["application_json", undefined, "application/json; charset=utf-8"]) {
      const headers: Record<string, string> = { "x-sbg-auth-token": TOKEN };
      if (contentType !== undefined) headers["content-type"] = contentType;
      const result = await rawRequest(
        `${h.base}/upload/multipart`,
        "POST",
        headers,
        JSON.stringify({
          project: "rfranklin/my-project",
          name: `ct-${String(contentType).replaceAll("/", "_")}`,
        }),
      );
      expect(result.status, result.body).toBe(200);
    }
  });

  test("CV-REPORT-ETAG: an ETag reported with the quotes S3 sends is accepted (spec example 'quoted')", async () => {
    const { upload_id } = await init(h, TOKEN, { project: "rfranklin/my-project", name: "quoted" });
    const put = await storagePut(await partUrl(h, TOKEN, upload_id, 3), bytesOf(8));
    expect(put.etag).toBe(`"${md5Hex(bytesOf(8))}"`);
    const reported = await python("POST", `/upload/multipart/${upload_id}/part`, {
      part_number: 3,
      response: { headers: { ETag: put.etag } },
    });
    expect(reported.status).toBe(200);
  });
});
