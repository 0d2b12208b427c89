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
