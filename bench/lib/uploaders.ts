/**
 * The three Partwise uploaders with the settings a real user would pick for a large file, behind
 * one signature, so the throughput benches and the memory bench's child run exactly the same call:
 *
 * - BaseSpace: 25,000,000-byte parts (the protocol's maximum, the Python SDK's 25 MB), 4 in flight;
 *   multipart for anything over 25,000,000 bytes.
 * - CAVATICA: the recommended 32 MiB part size (the server's answered `part_size` wins), 4 in flight.
 * - YouForce: resumable (anything over 100 MB is) with the largest chunk, 9,000,000 bytes
 *   (YF-RESUMABLE-CHUNK-SIZE), and 6 in flight (the maximum, as the .NET SDK).
 *
 * Each resolves with the stored file's id and part count, and the uploader's whole-file MD5 (hex)
 * when `wholeFileMd5` asks for it (off by default, as in the library: each byte is hashed once).
 * `storedMd5` downloads the stored file and hashes it, to check an upload that did not compute it.
 */
import { createHash } from "node:crypto";
import type { FetchLike } from "@partwise/client";
import type { RandomAccessSource } from "@partwise/engine";
import { createBasespaceClient, upload as uploadBasespace } from "@partwise/protocol-basespace";
import { createCavaticaClient, upload as uploadCavatica } from "@partwise/protocol-cavatica";
import { createYouforceClient, upload as uploadYouforce } from "@partwise/protocol-youforce";

export type Protocol = "basespace" | "cavatica" | "youforce";

export const PROTOCOLS: readonly Protocol[] = ["basespace", "cavatica", "youforce"];

export interface UploadSettings {
  /** Part (chunk) size; default per protocol as above. */
  readonly partSize?: number | undefined;
  readonly concurrency?: number | undefined;
  readonly name?: string | undefined;
  /** The transport; default the library's own (undici's fetch on a keep-alive Agent). */
  readonly fetch?: FetchLike | undefined;
  /** Also compute the whole file's MD5 (the uploaders' `wholeFileMd5`); default false. */
  readonly wholeFileMd5?: boolean | undefined;
}

export interface Uploaded {
  /** The stored file's id. */
  readonly id: string;
  /** The uploader's whole-file MD5; only with `wholeFileMd5`. */
  readonly md5: string | undefined;
  readonly parts: number;
  readonly size: number;
  /** What the protocol adds (method, part size, verified…), for the report. */
  readonly detail: string;
}

export const DEFAULTS = {
  basespace: { partSize: 25_000_000, concurrency: 4 },
  cavatica: { partSize: 32 * 2 ** 20, concurrency: 4 },
  youforce: { partSize: 9_000_000, concurrency: 6 },
} as const satisfies Record<Protocol, { partSize: number; concurrency: number }>;

export async function uploadWith(
  protocol: Protocol,
  source: RandomAccessSource,
  connection: { readonly baseUrl: string; readonly token: string },
  settings: UploadSettings = {},
): Promise<Uploaded> {
  const partSize = settings.partSize ?? DEFAULTS[protocol].partSize;
  const concurrency = settings.concurrency ?? DEFAULTS[protocol].concurrency;
  const name = settings.name ?? "bench.bin";
  const transport = settings.fetch ? { fetch: settings.fetch } : {};
  const wholeFileMd5 = settings.wholeFileMd5 === true;
  switch (protocol) {
    case "basespace": {
      const result = await uploadBasespace(source, {
        ...connection,
        ...transport,
        appResultId: "1",
        name,
        partSize,
        concurrency,
        wholeFileMd5,
      });
      return {
        id: result.id,
        md5: result.md5,
        parts: result.parts,
        size: result.size,
        detail: `${result.method}, parts of ${partSize} bytes, ${concurrency} in flight`,
      };
    }
    case "cavatica": {
      const result = await uploadCavatica(source, {
        ...connection,
        ...transport,
        project: "bench/bench",
        name,
        overwrite: true,
        partSize,
        concurrency,
        wholeFileMd5,
      });
      return {
        id: result.id,
        md5: result.md5,
        parts: result.parts,
        size: result.size ?? source.size,
        detail: `parts of ${result.partSize} bytes (answered), ${concurrency} in flight`,
      };
    }
    case "youforce": {
      const result = await uploadYouforce(source, {
        ...connection,
        ...transport,
        businessTypeId: 7100,
        name,
        chunkSize: partSize,
        concurrency,
        wholeFileMd5,
      });
      return {
        id: result.id,
        md5: result.md5,
        parts: result.parts,
        size: result.size,
        detail: `${result.uploadType}, chunks of ${partSize} bytes, ${concurrency} in flight, verified ${result.verified}`,
      };
    }
  }
}

/** Downloads the stored file `id` from the server and returns its hex MD5, hashing as it streams in. */
export async function storedMd5(
  protocol: Protocol,
  connection: { readonly baseUrl: string; readonly token: string },
  id: string,
): Promise<string> {
  let body: ReadableStream<Uint8Array>;
  switch (protocol) {
    case "basespace": {
      const client = createBasespaceClient(connection);
      body = (await client.getFileContent({ fileId: id, redirect: "false" })).body;
      break;
    }
    case "cavatica": {
      const client = createCavaticaClient(connection);
      const { url } = await client.getDownloadInfo(id);
      const response = await fetch(url);
      if (!response.ok || response.body === null)
        throw new Error(`download of ${id}: HTTP ${response.status}`);
      body = response.body;
      break;
    }
    case "youforce": {
      const client = createYouforceClient(connection);
      body = (await client.downloadFile({ fileId: id, role: "publisher" })).body;
      break;
    }
  }
  const hash = createHash("md5");
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hash.update(value);
  }
  return hash.digest("hex");
}
