/**
 * globalSetup of the `chromium` project (runs in Node, once): a CAVATICA reference server that any
 * origin may call (`cors: { origins: ["*"] }`; it exposes `ETag`, which the uploader reads from
 * every storage PUT), one accepted token, and small part limits (64 KiB … 1 MiB) so a browser test
 * sends several parts of a small file; all handed to the browser tests through `inject("cavatica")`.
 * The client must be told the same limits (`limits`), as the spec bounds `part_size` to 5 MiB … 5 GiB.
 */
import { readFile } from "node:fs/promises";
import type { TestProject } from "vitest/node";
import { parseRgwEnv } from "../../../../test-support/s3.ts";
import { CAVATICA_API_BASE_PATH, createCavaticaServer } from "../../src/server/index.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** `baseUrl` is the API root with its version (`${url}/v2`). */
    cavatica: { baseUrl: string; token: string; limits: { minPartSize: number; maxPartSize: number } };
    /**
     * The same server on a real S3 (its part URLs presigned RGW URLs, the bucket's CORS rule for any
     * origin), when the run has a gateway (`PARTWISE_S3_ENV`, as CI sets it); undefined otherwise.
     */
    cavaticaS3: { baseUrl: string; s3Endpoint: string } | undefined;
  }
}

const TOKEN = "cv-browser-token-2Gp6Ys9Hd3";
const limits = { minPartSize: 64 * 1024, maxPartSize: 1024 * 1024 };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await createCavaticaServer({ tokens: [TOKEN], cors: { origins: ["*"] }, limits });
  const { url } = await server.listen({ host: "127.0.0.1", port: 0, keepAliveTimeoutMs: 10 });
  project.provide("cavatica", { baseUrl: `${url}${CAVATICA_API_BASE_PATH}`, token: TOKEN, limits });
  const envFile = process.env.PARTWISE_S3_ENV;
  const s3 = envFile ? parseRgwEnv(await readFile(envFile, "utf8")) : undefined;
  if (s3 === undefined) {
    project.provide("cavaticaS3", undefined);
    return () => server.close();
  }
  const onS3 = await createCavaticaServer({
    tokens: [TOKEN],
    cors: { origins: ["*"] },
    limits,
    storage: {
      kind: "s3",
      endpoint: s3.endpoint,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      region: s3.region,
      bucket: `pw-browser-${Date.now().toString(36)}`,
    },
  });
  const listening = await onS3.listen({ host: "127.0.0.1", port: 0, keepAliveTimeoutMs: 10 });
  project.provide("cavaticaS3", {
    baseUrl: `${listening.url}${CAVATICA_API_BASE_PATH}`,
    s3Endpoint: s3.endpoint,
  });
  return async () => {
    await onS3.close();
    await server.close();
  };
}
