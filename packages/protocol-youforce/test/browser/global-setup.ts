/**
 * globalSetup of the `chromium` project (runs in Node, once): a YouForce reference server that any
 * origin may call (`cors: { origins: ["*"] }`; it exposes `ETag`, which the uploader's integrity
 * check reads from a `HEAD`), one accepted token, and both handed to the browser tests through
 * `inject("youforce")`.
 */
import type { TestProject } from "vitest/node";
import { createYouforceServer, YOUFORCE_BASE_PATH } from "../../src/server/index.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** `baseUrl` is the API root with its version (`${url}/v1.0`). */
    youforce: { baseUrl: string; token: string };
  }
}

const TOKEN = "yf-browser-token-4Tn8Rw1Kc6";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await createYouforceServer({ tokens: [TOKEN], cors: { origins: ["*"] } });
  const { url } = await server.listen({ host: "127.0.0.1", port: 0, keepAliveTimeoutMs: 10 });
  project.provide("youforce", { baseUrl: `${url}${YOUFORCE_BASE_PATH}`, token: TOKEN });
  return () => server.close();
}
