/**
 * globalSetup of the `chromium` project (runs in Node, once): a BaseSpace reference server that
 * any origin may call (`cors: { origins: ["*"] }`, as a browser app on another origin needs), one
 * accepted token, and both handed to the browser tests through `inject("basespace")`.
 */
import type { TestProject } from "vitest/node";
import { createBasespaceServer } from "../../src/server/index.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** `baseUrl` is the API root with its version (`${url}/v1pre3`). */
    basespace: { baseUrl: string; token: string };
  }
}

const TOKEN = "bs-browser-token-9Zr4Lq2Wm7";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await createBasespaceServer({ tokens: [TOKEN], cors: { origins: ["*"] } });
  const { url } = await server.listen({ host: "127.0.0.1", port: 0, keepAliveTimeoutMs: 10 });
  project.provide("basespace", { baseUrl: `${url}/v1pre3`, token: TOKEN });
  return () => server.close();
}
