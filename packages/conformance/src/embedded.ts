/**
 * `--embedded`: the three reference servers in-process on ephemeral ports, each with two tokens (the
 * second for the isolation checks) and the resources the checks upload to, so the suite runs with no
 * server of one's own. CAVATICA's part URLs live 5 s, so CV-PART-URL-EXPIRY can wait them out;
 * YouForce limits the second token to 10 requests a second, so YF-RATE-LIMIT runs. Data
 * lives in temp directories that `close` removes.
 *
 * `mutations` starts a protocol's server with rules deliberately broken (rule ids): the mutant
 * servers with which the suite tests itself (test/mutants.test.ts).
 */
import { randomBytes } from "node:crypto";
import type { Reading, ReferenceServer, RunningServer, StorageOptions } from "@partwise/node";
import type { Protocol } from "./check.ts";
import type { Target } from "./context.ts";

export interface EmbeddedOptions {
  /** Which servers to start; default all three. */
  readonly protocols?: readonly Protocol[] | undefined;
  /** Rule ids each protocol's server breaks on purpose (mutant servers); default none. */
  readonly mutations?: Readonly<Partial<Record<Protocol, readonly string[]>>> | undefined;
  /** Lifetime of CAVATICA part URLs; default 5,000 ms. */
  readonly partUrlTtlMs?: number | undefined;
  /**
   * How the servers read what the documents leave open: `default`, `lenient` or `strict` (the
   * suite must pass all three).
   */
  readonly reading?: Reading | undefined;
  /** Where the servers keep the bytes: their data dir (default) or an S3 bucket. */
  readonly storage?: StorageOptions | undefined;
}

export interface EmbeddedServers {
  readonly targets: Readonly<Partial<Record<Protocol, Target>>>;
  /** The servers' temp data directories (removed by `close`). */
  readonly dataDirs: readonly string[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The resources the embedded servers hold for the checks, owned by the first token. */
export const EMBEDDED_RESOURCES = {
  appResultId: "conformance",
  project: "conformance/project",
  parent: "5f0c0e5b9e4b8c2a1d3e4f60",
  businessTypeId: 4242,
} as const;

const DEFAULT_PART_URL_TTL_MS = 5_000;

/**
 * The embedded YouForce server's spike arrest (YF-RATE-LIMIT): a per-client quota on the second
 * token, in one-second windows, so the rate-limit check can exceed it in a burst and wait it out in
 * a second, while the checks' own traffic (on the first token; the isolation checks' few calls on
 * the second stay under it, and the HTTP layer waits out a 429 anyway) is not slowed.
 */
export const EMBEDDED_RATE_LIMIT = { requests: 10, windowMs: 1000 } as const;

interface Started {
  readonly server: ReferenceServer;
  readonly basePath: string;
}

async function startServer(
  protocol: Protocol,
  tokens: readonly [string, string],
  mutations: readonly string[],
  partUrlTtlMs: number,
  reading: Reading,
  storage: StorageOptions | undefined,
): Promise<Started> {
  const [owner] = tokens;
  // Mutation ids each server breaks on purpose; each server refuses ids it does not know.
  const mutable = {
    reading,
    ...(mutations.length > 0 ? { mutations } : {}),
    ...(storage === undefined ? {} : { storage }),
  };
  switch (protocol) {
    case "basespace": {
      const { createBasespaceServer, BASESPACE_BASE_PATH } = await import(
        "@partwise/protocol-basespace/server"
      );
      const options: Parameters<typeof createBasespaceServer>[0] = {
        tokens,
        appResults: { [EMBEDDED_RESOURCES.appResultId]: owner },
        ...mutable,
      };
      return { server: await createBasespaceServer(options), basePath: BASESPACE_BASE_PATH };
    }
    case "cavatica": {
      const { createCavaticaServer, CAVATICA_API_BASE_PATH } = await import(
        "@partwise/protocol-cavatica/server"
      );
      const options: Parameters<typeof createCavaticaServer>[0] = {
        tokens,
        partUrlTtlMs,
        projects: { [EMBEDDED_RESOURCES.project]: owner },
        parents: { [EMBEDDED_RESOURCES.parent]: owner },
        ...mutable,
      };
      return { server: await createCavaticaServer(options), basePath: CAVATICA_API_BASE_PATH };
    }
    case "youforce": {
      const { createYouforceServer, YOUFORCE_BASE_PATH } = await import("@partwise/protocol-youforce/server");
      const options: Parameters<typeof createYouforceServer>[0] = {
        tokens,
        businessTypes: { [String(EMBEDDED_RESOURCES.businessTypeId)]: owner },
        rateLimit: { requestsPerSecond: EMBEDDED_RATE_LIMIT.requests, tokens: [tokens[1]] },
        ...mutable,
      };
      return { server: await createYouforceServer(options), basePath: YOUFORCE_BASE_PATH };
    }
  }
}

function targetOf(protocol: Protocol, baseUrl: string, tokens: readonly [string, string]): Target {
  const [token, otherToken] = tokens;
  const common = { protocol, baseUrl, token, otherToken };
  switch (protocol) {
    case "basespace":
      return { ...common, appResultId: EMBEDDED_RESOURCES.appResultId };
    case "cavatica":
      return { ...common, project: EMBEDDED_RESOURCES.project, parent: EMBEDDED_RESOURCES.parent };
    case "youforce":
      return {
        ...common,
        businessTypeId: EMBEDDED_RESOURCES.businessTypeId,
        rateLimit: { ...EMBEDDED_RATE_LIMIT, token: otherToken },
      };
  }
}

export async function startEmbedded(options: EmbeddedOptions = {}): Promise<EmbeddedServers> {
  const protocols = options.protocols ?? (["basespace", "cavatica", "youforce"] as const);
  const partUrlTtlMs = options.partUrlTtlMs ?? DEFAULT_PART_URL_TTL_MS;
  const servers: ReferenceServer[] = [];
  const listeners: RunningServer[] = [];
  const targets: Partial<Record<Protocol, Target>> = {};
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await Promise.allSettled(listeners.map((listener) => listener.close()));
      await Promise.allSettled(servers.map((server) => server.close()));
    })();
    return closing;
  };
  try {
    for (const protocol of protocols) {
      const tokens = [
        `conformance-a-${randomBytes(12).toString("hex")}`,
        `conformance-b-${randomBytes(12).toString("hex")}`,
      ] as const;
      const { server, basePath } = await startServer(
        protocol,
        tokens,
        options.mutations?.[protocol] ?? [],
        partUrlTtlMs,
        options.reading ?? "default",
        options.storage,
      );
      servers.push(server);
      const listener = await server.listen({ host: "127.0.0.1", port: 0 });
      listeners.push(listener);
      targets[protocol] = targetOf(protocol, `${listener.url}${basePath}`, tokens);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    targets,
    dataDirs: servers.map((server) => server.dataDir),
    close,
    [Symbol.asyncDispose]: close,
  };
}
