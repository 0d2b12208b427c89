/**
 * `IngestProtocol`s for the reference servers, so `benchIngest` measures them as it measures the
 * minimal server: only the part requests are timed; creating the upload and completing it are not.
 */
import type { IngestProtocol } from "./ingest.ts";

/**
 * BaseSpace v1pre3 (specs/basespace.yaml): `createAppResultFile` with `multipart=true`, then
 * `PUT /files/{id}/parts/{n}` (`uploadFilePart`, the measured case), then `setFileUploadStatus`
 * with `uploadstatus=complete`. Parts carry no `Content-MD5` (the sender does not hash); the
 * harness checks each part's `ETag` (hex MD5) afterwards.
 */
export function basespaceProtocol(options: {
  readonly token: string;
  readonly appResultId?: string;
  /** Path prefix of the API under the server's base URL (default `/v1pre3`). */
  readonly basePath?: string;
}): IngestProtocol<{ fileId: string }> {
  const base = options.basePath ?? "/v1pre3";
  const auth = { "x-access-token": options.token };
  return {
    async prepare(baseUrl) {
      const query = new URLSearchParams({ name: "bench.bin", multipart: "true" });
      const response = await fetch(
        `${baseUrl}${base}/appresults/${options.appResultId ?? "1"}/files?${query}`,
        {
          method: "POST",
          headers: { ...auth, "content-type": "application/octet-stream" },
        },
      );
      const body = (await response.json()) as { Response?: { Id?: string } };
      const fileId = body.Response?.Id;
      if (!response.ok || fileId === undefined)
        throw new Error(`initiating the upload failed: HTTP ${response.status} ${JSON.stringify(body)}`);
      return { fileId };
    },
    part: ({ fileId }, partNumber) => ({
      method: "PUT",
      path: `${base}/files/${fileId}/parts/${partNumber}`,
      headers: auth,
    }),
    digestOf(_status, _headers, body) {
      const parsed = JSON.parse(body) as { Response?: { ETag?: string }; ETag?: string };
      return parsed.Response?.ETag ?? parsed.ETag;
    },
    async finish(baseUrl, { fileId }) {
      const response = await fetch(`${baseUrl}${base}/files/${fileId}?uploadstatus=complete`, {
        method: "POST",
        headers: auth,
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`completing the upload failed: HTTP ${response.status}`);
    },
  };
}

/**
 * CAVATICA v2 (specs/cavatica.yaml): `initUpload`, then, untimed, one signed part URL per part
 * (`getPartUrl`); the measured requests are the storage emulator's `PUT` of each part
 * (`storagePutPart`), answered with the hex MD5 as `ETag`. Part sizes only need to stay within
 * 5 MiB..5 GiB (the server checks the declared `part_size` at complete, which the bench skips), so
 * the harness's own plan is followed; `partCount` tells `prepare` how many URLs to sign.
 */
export function cavaticaProtocol(options: {
  readonly token: string;
  /** How many parts the harness will send (see `partCount`). */
  readonly parts: (totalSize: number) => number;
  readonly project?: string;
  /** Path prefix of the API under the server's base URL (default `/v2`). */
  readonly basePath?: string;
}): IngestProtocol<{ urls: readonly string[] }> {
  const auth = { "x-sbg-auth-token": options.token };
  const base = options.basePath ?? "/v2";
  return {
    async prepare(baseUrl, totalSize) {
      const response = await fetch(`${baseUrl}${base}/upload/multipart`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({
          project: options.project ?? "bench/ingest",
          name: "bench.bin",
          size: totalSize,
          part_size: 25 * 2 ** 20,
        }),
      });
      const body = (await response.json()) as { upload_id?: string };
      if (!response.ok || body.upload_id === undefined)
        throw new Error(`initiating the upload failed: HTTP ${response.status} ${JSON.stringify(body)}`);
      const urls: string[] = [];
      for (let n = 1; n <= options.parts(totalSize); n++) {
        const part = await fetch(`${baseUrl}${base}/upload/multipart/${body.upload_id}/part/${n}`, {
          headers: auth,
        });
        const signed = (await part.json()) as { url?: string };
        if (!part.ok || signed.url === undefined)
          throw new Error(`signing part ${n} failed: HTTP ${part.status} ${JSON.stringify(signed)}`);
        urls.push(signed.url);
      }
      return { urls };
    },
    part: ({ urls }, partNumber) => ({ method: "PUT", path: urls[partNumber - 1]! }),
    digestOf: (_status, headers) => {
      const etag = headers.etag;
      return typeof etag === "string" ? etag.replace(/"/g, "") : undefined;
    },
  };
}

/**
 * YouForce File API v1.0, resumable (specs/youforce.yaml): `POST /files?uploadType=resumable`
 * with chunk 0 (a byte; untimed), then the measured `PUT …&position=n` per chunk (`uploadChunk`),
 * answered 202 `{uploadToken, position}`, so there is no digest to check. A chunk is at most
 * 9,000,000 bytes (YF-RESUMABLE-CHUNK-SIZE): the bench uses chunks of at most that size, not 8–25 MiB.
 * The upload is not closed (closing concatenates the whole file, which is not part ingest).
 */
export function youforceProtocol(options: {
  readonly token: string;
  readonly businessTypeId?: number;
  /** Path prefix of the API under the server's base URL (default `/v1.0`). */
  readonly basePath?: string;
}): IngestProtocol<{ uploadToken: string }> {
  const auth = { authorization: `Bearer ${options.token}` };
  const base = options.basePath ?? "/v1.0";
  return {
    async prepare(baseUrl) {
      const boundary = "partwise_bench_boundary";
      const metadata = JSON.stringify({
        FileName: "bench.txt",
        BusinessTypeId: options.businessTypeId ?? 7100,
      });
      const body =
        `--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n${metadata}\r\n` +
        `--${boundary}\r\n\r\nx\r\n--${boundary}--\r\n`;
      const response = await fetch(`${baseUrl}${base}/files?uploadType=resumable`, {
        method: "POST",
        headers: { ...auth, "content-type": `multipart/related;boundary=${boundary}` },
        body,
      });
      const answer = (await response.json()) as { uploadToken?: string };
      if (!response.ok || answer.uploadToken === undefined)
        throw new Error(`initiating the upload failed: HTTP ${response.status} ${JSON.stringify(answer)}`);
      return { uploadToken: answer.uploadToken };
    },
    part: ({ uploadToken }, partNumber) => ({
      method: "PUT",
      path: `${base}/files?uploadType=resumable&uploadToken=${uploadToken}&position=${partNumber}`,
      headers: auth,
    }),
    digestOf: () => undefined,
  };
}
