/**
 * The BaseSpace v1pre3 reference server: `createBasespaceServer(options)` → a `ReferenceServer`
 * (fetch-style `handler`, `listen`, `close`) that enforces every BaseSpace rule of
 * specs/rules.yaml with the envelope of specs/basespace.yaml, stores uploads on disk so they
 * survive SIGKILL, and isolates tokens. The API is mounted at `/v1pre3`: clients use
 * `${url}${BASESPACE_BASE_PATH}` as their base URL, e.g. `${url}/v1pre3/appresults/1/files`.
 */
import { type PartLimits, validateLimits } from "@partwise/engine";
import {
  composeServer,
  openStore,
  type ReferenceServer,
  type ReferenceServerOptions,
  resolveDataDir,
} from "@partwise/node";
import { basespaceServerLimits } from "../limits.ts";
import { identityOf } from "./auth.ts";
import type { ServerContext } from "./context.ts";
import { errorResponse } from "./errors.ts";
import { createHandler } from "./handler.ts";
import { Mutations } from "./mutations.ts";
import { readingPolicy } from "./readings.ts";
import { operationOf } from "./routes.ts";
import { ContentSigner } from "./signing.ts";
import { BasespaceState } from "./state.ts";

export { errorResponse } from "./errors.ts";
export { BASESPACE_MUTATIONS, type BasespaceMutation } from "./mutations.ts";
export { BASESPACE_READINGS, type ReadingPolicy, readingPolicy } from "./readings.ts";
export { BASESPACE_BASE_PATH, type BasespaceOperationId, operationOf } from "./routes.ts";

export interface BasespaceServerOptions extends ReferenceServerOptions {
  /**
   * Fixed AppResult ownership: AppResult id → the token that owns it. Listed AppResults accept
   * writes from their owner only; any other AppResult is claimed by the first token that writes
   * to it (BS-AUTH-ISOLATION).
   */
  readonly appResults?: Readonly<Record<string, string>> | undefined;
  /**
   * Part rules to enforce; default `basespaceServerLimits` (5 MiB minimum for non-final parts,
   * 25 MiB maximum, 10,000 parts) with the sizes of the `reading` (lenient: 5,000,000 bytes minimum;
   * strict: 25,000,000 bytes maximum). Tests may shrink the sizes to stay fast.
   */
  readonly limits?: PartLimits | undefined;
  /**
   * Largest simple (single-request) upload in bytes; default the reading's: 26,214,400 (the SDKs
   * switch to multipart below it), lenient 1 GiB, strict 25,000,000.
   */
  readonly maxSimpleUploadSize?: number | undefined;
  /** Lifetime of the signed URLs of `redirect=meta`/`redirect=true`, in seconds; default 3600. */
  readonly contentUrlTtlSeconds?: number | undefined;
  /** The clock, in ms since the epoch (DateCreated, content-URL expiry); default `Date.now`. */
  readonly now?: (() => number) | undefined;
  /**
   * Deliberately breaks the named rules — for testing conformance suites only. Rule ids of
   * specs/rules.yaml; a server started with one is a mutant that the check of that rule must
   * catch. `BASESPACE_MUTATIONS` says how each is broken; an unknown id throws a RangeError.
   * Default none: the faithful server, whose code paths the mutations leave untouched.
   */
  readonly mutations?: readonly string[] | undefined;
}

export async function createBasespaceServer(options: BasespaceServerOptions = {}): Promise<ReferenceServer> {
  const policy = readingPolicy(options.reading);
  const limits = options.limits ?? {
    ...basespaceServerLimits,
    minPartSize: policy.minPartSize,
    maxPartSize: policy.maxPartSize,
  };
  validateLimits(limits);
  const maxSimpleUploadSize = options.maxSimpleUploadSize ?? policy.maxSimpleUploadSize;
  const contentUrlTtlSeconds = options.contentUrlTtlSeconds ?? 3600;
  if (!Number.isSafeInteger(maxSimpleUploadSize) || maxSimpleUploadSize < 0)
    throw new RangeError("maxSimpleUploadSize must be a non-negative safe integer");
  if (!Number.isSafeInteger(contentUrlTtlSeconds) || contentUrlTtlSeconds < 1)
    throw new RangeError("contentUrlTtlSeconds must be a positive integer");

  const mutations = new Mutations(options.mutations);
  const { dir, cleanup } = await resolveDataDir(options.dataDir, "basespace");
  const store = await openStore(dir, options.storage, {
    fsync: options.fsync,
    corsOrigins: options.cors?.origins,
    defaultPrefix: "basespace/",
  });
  const fixedOwners = new Map(
    Object.entries(options.appResults ?? {}).map(([id, token]) => [id, identityOf(token)]),
  );
  const state = await BasespaceState.open(store, fixedOwners);
  const ctx: ServerContext = {
    state,
    store,
    limits,
    maxSimpleUploadSize,
    signer: new ContentSigner(state.signingKey),
    contentUrlTtlSeconds,
    now: options.now ?? Date.now,
    mutations,
    policy,
  };
  const tokens = options.tokens ?? [];
  const accepted = tokens.length === 0 ? undefined : new Set(tokens.map(identityOf));
  return composeServer({
    handler: createHandler(ctx, accepted),
    dataDir: dir,
    options,
    operationOf,
    errorResponse: (status, message) => errorResponse(status, message),
    cleanup: async () => {
      store.close();
      await cleanup();
    },
  });
}
