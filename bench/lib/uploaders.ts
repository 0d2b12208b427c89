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
 * Each resolves with the uploader's whole-file MD5 (hex) and part count.
 */
import type { FetchLike } from "@partwise/client";
import type { RandomAccessSource } from "@partwise/engine";
import { upload as uploadBasespace } from "@partwise/protocol-basespace";
import { upload as uploadCavatica } from "@partwise/protocol-cavatica";
import { upload as uploadYouforce } from "@partwise/protocol-youforce";

export type Protocol = "basespace" | "cavatica" | "youforce";

export const PROTOCOLS: readonly Protocol[] = ["basespace", "cavatica", "youforce"];

export interface UploadSettings {
  /** Part (chunk) size; default per protocol as above. */
  readonly partSize?: number | undefined;
  readonly concurrency?: number | undefined;
  readonly name?: string | undefined;
  /** The transport; default the library's own (undici's fetch on a keep-alive Agent). */
  readonly fetch?: FetchLike | undefined;
}

export interface Uploaded {
  readonly md5: string;
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
  switch (protocol) {
    case "basespace": {
      const result = await uploadBasespace(source, {
        ...connection,
        ...transport,
        appResultId: "1",
        name,
        partSize,
        concurrency,
      });
      return {
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
      });
      return {
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
      });
      return {
        md5: result.md5,
        parts: result.parts,
        size: result.size,
        detail: `${result.uploadType}, chunks of ${partSize} bytes, ${concurrency} in flight, verified ${result.verified}`,
      };
    }
  }
}
