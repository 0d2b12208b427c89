/**
 * The YouForce File API v1.0 reference server (`@partwise/protocol-youforce/server`): the endpoints,
 * fields, status codes and error envelope of specs/youforce.yaml, every YF-* rule of
 * specs/rules.yaml and the MIME-* rules of the upload body enforced, state on disk that survives
 * SIGKILL, token isolation and fault injection (through `composeServer`).
 *
 * Routes live under `/v1.0` (YOUFORCE_BASE_PATH): a client's base URL is the listener's URL plus
 * `/v1.0`, as `https://fileapi.youforce.com/v1.0` is the vendor's [S4].
 */
import {
  composeServer,
  openStore,
  type ReferenceServer,
  type ReferenceServerOptions,
  resolveDataDir,
} from "@partwise/node";
import { youforceResumableLimits } from "../limits.ts";
import { Authenticator } from "./auth.ts";
import type { ServerConfig } from "./context.ts";
import { errorResponse } from "./errors.ts";
import { createHandler } from "./handler.ts";
import { normaliseExtensions } from "./metadata.ts";
import { resolveMutations, withForeignErrorShape } from "./mutations.ts";
import { RateLimiter, type RateLimitOptions } from "./rate-limit.ts";
import { readingPoints } from "./readings.ts";
import { operationOf } from "./routes.ts";
import { YouforceState } from "./state.ts";

export { errorResponse } from "./errors.ts";
export { DEFAULT_DENIED_EXTENSIONS } from "./metadata.ts";
export { YOUFORCE_MUTATIONS, type YouforceMutation } from "./mutations.ts";
export type { RateLimitOptions } from "./rate-limit.ts";
export { YOUFORCE_READINGS } from "./readings.ts";
export { type OperationId, operationOf, YOUFORCE_BASE_PATH } from "./routes.ts";

export interface YouforceServerOptions extends ReferenceServerOptions {
  /**
   * YF-NAME-EXTENSION: file extensions refused in any letter case, with or without the dot.
   * Default the reading's list: `DEFAULT_DENIED_EXTENSIONS` (.exe .bat .cmd .com .scr .js .vbs .ps1
   * .msi .jar); `lenient` denies the programs only, `strict` adds more scripts (readings.ts).
   */
  readonly deniedExtensions?: readonly string[] | undefined;
  /**
   * Fixed ownership of business types: id → the token (or tokens) that may publish to it and
   * subscribe to it. Ids not listed are claimed by the first token that uploads to them.
   */
  readonly businessTypes?: Readonly<Record<string, string | readonly string[]>> | undefined;
  /** YF-RATE-LIMIT: answer 429 with Retry-After beyond this many requests per client and minute. */
  readonly rateLimit?: RateLimitOptions | undefined;
  /** YF-MULTIPART-MAX-SIZE override, for tests (default the reading's: 100 MiB, strict 100,000,000 bytes). */
  readonly multipartMaxSize?: number | undefined;
  /** YF-RESUMABLE-CHUNK-SIZE override, for tests (default the reading's: 9 MiB, strict 9,000,000 bytes, lenient 100 MiB). */
  readonly chunkMaxSize?: number | undefined;
  /** Largest metadata part (MIME-LIMIT-PART-SIZE; default 64 KiB). */
  readonly metadataMaxSize?: number | undefined;
  /** Milliseconds since the epoch; injectable so tests control dates and the rate-limit window. */
  readonly clock?: (() => number) | undefined;
  /**
   * Deliberately breaks the named rules — for testing conformance suites only. Each entry is a rule
   * id of `YOUFORCE_MUTATIONS` (e.g. `"YF-METADATA-FIRST"`: the metadata part is accepted second);
   * an unknown id throws. A server with mutations is not a reference server. Default: none.
   */
  readonly mutations?: readonly string[] | undefined;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isSafeInteger(value) && value >= 0))
    throw new RangeError(`${name} must be a non-negative integer`);
  return value;
}

/** Starts a YouForce reference server on its data dir (a temp dir, removed on close, by default). */
export async function createYouforceServer(options: YouforceServerOptions = {}): Promise<ReferenceServer> {
  const mutations = resolveMutations(options.mutations);
  const { dir, cleanup } = await resolveDataDir(options.dataDir, "youforce");
  const store = await openStore(dir, options.storage, {
    fsync: options.fsync,
    corsOrigins: options.cors?.origins,
    defaultPrefix: "youforce/",
  });
  // Mutation YF-AUTH: any bearer token is accepted, not only the configured ones.
  const auth = new Authenticator(
    await YouforceState.secret(store),
    mutations.has("YF-AUTH") ? undefined : options.tokens,
  );

  const fixedOwners = new Map<number, Set<string>>();
  for (const [key, tokens] of Object.entries(options.businessTypes ?? {})) {
    const id = Number(key);
    if (!/^\d{1,15}$/.test(key) || !Number.isSafeInteger(id))
      throw new RangeError(`businessTypes: ${JSON.stringify(key)} is not a business type id`);
    const list = typeof tokens === "string" ? [tokens] : tokens;
    fixedOwners.set(id, new Set(list.map((token) => auth.identity(token).id)));
  }
  const state = await YouforceState.open(store, fixedOwners);

  const now = options.clock ?? Date.now;
  const reading = readingPoints(options.reading);
  const config: ServerConfig = {
    multipartMaxSize: positiveInteger("multipartMaxSize", options.multipartMaxSize, reading.multipartMaxSize),
    chunkMaxSize: positiveInteger("chunkMaxSize", options.chunkMaxSize, reading.chunkMaxSize),
    maxChunks: youforceResumableLimits.maxParts,
    maxTotalSize: youforceResumableLimits.maxTotalSize,
    metadataMaxSize: positiveInteger("metadataMaxSize", options.metadataMaxSize, 64 * 1024),
    headerMaxSize: 16 * 1024,
    deniedExtensions: normaliseExtensions(options.deniedExtensions ?? reading.deniedExtensions),
    now,
    reading,
    mutations,
  };
  // Mutation YF-RATE-LIMIT: the configured limit is not applied.
  const rateLimiter =
    options.rateLimit && !mutations.has("YF-RATE-LIMIT")
      ? new RateLimiter(options.rateLimit, now)
      : undefined;

  const limitedTokens = options.rateLimit?.tokens;
  const rateLimited =
    limitedTokens === undefined ? undefined : new Set(limitedTokens.map((token) => auth.identity(token).id));
  const handler = createHandler({ state, config, auth, rateLimiter, rateLimited });
  return composeServer({
    handler: mutations.has("YF-ERROR-ENVELOPE")
      ? withForeignErrorShape(handler)
      : mutations.has("YF-ERROR-ENVELOPE-ALL")
        ? withForeignErrorShape(handler, [401, 404])
        : handler,
    dataDir: dir,
    options,
    operationOf,
    errorResponse: (status, message) => errorResponse(status, message),
    cleanup: async () => {
      state.close();
      store.close();
      await cleanup();
    },
  });
}
