/**
 * The CAVATICA / Seven Bridges API v2 multipart-upload reference server (specs/cavatica.yaml,
 * rules CV-* of specs/rules.yaml): the API under `/v2` of its origin, and a storage emulator for
 * the signed part and download URLs under `/v2/storage`.
 *
 * ```ts
 * const server = await createCavaticaServer({ tokens: ["t1"] });
 * const { url } = await server.listen({ port: 0 });
 * const base = `${url}${CAVATICA_API_BASE_PATH}`; // http://127.0.0.1:PORT/v2
 * ```
 */

import { randomBytes } from "node:crypto";
import { type PartLimits, validateLimits } from "@partwise/engine";
import {
  composeServer,
  isObjectStore,
  openStore,
  type ReferenceServer,
  type ReferenceServerOptions,
  resolveDataDir,
  type Store,
} from "@partwise/node";
import { cavaticaLimits } from "../limits.ts";
import { createAuthenticator, type OwnerId, ownerOf } from "./auth.ts";
import type { ServerContext } from "./context.ts";
import { errorResponse } from "./errors.ts";
import { createHandler } from "./handler.ts";
import { parseCavaticaMutations } from "./mutations.ts";
import { CAVATICA_API_BASE_PATH, operationOf } from "./routes.ts";
import { UrlSigner } from "./signing.ts";
import { CavaticaState, targetKey } from "./state.ts";

export { errorResponse } from "./errors.ts";
export { CAVATICA_MUTATIONS, type CavaticaMutation } from "./mutations.ts";
export { CAVATICA_READINGS } from "./readings.ts";
export { CAVATICA_API_BASE_PATH, type OperationId, operationOf } from "./routes.ts";

export interface CavaticaServerOptions extends ReferenceServerOptions {
  /** Lifetime of a part URL (CV-PART-URL-EXPIRY); default 15 minutes. 0 makes every URL expired. */
  readonly partUrlTtlMs?: number | undefined;
  /** Lifetime of a download URL of `getDownloadInfo`; default 1 hour. */
  readonly downloadUrlTtlMs?: number | undefined;
  /**
   * The HMAC key of the signed storage URLs. Default: a random secret kept in the data directory,
   * so URLs stay valid across a restart on the same directory.
   */
  readonly signingSecret?: string | undefined;
  /** Fixed owners: project id (`owner/project`) → the token that owns it. Others are claimed by first use. */
  readonly projects?: Readonly<Record<string, string>> | undefined;
  /** Fixed owners: parent folder id → the token that owns it. Others are claimed by first use. */
  readonly parents?: Readonly<Record<string, string>> | undefined;
  /**
   * The public base URL, `/v2` included (e.g. behind a proxy). Default: the request's origin + `/v2`.
   * Used in `href`, part URLs and download URLs.
   */
  readonly baseUrl?: string | undefined;
  /**
   * Overrides of the part limits, for fast tests only (e.g. `{ minPartSize: 1024 }`). The spec's
   * limits are 5 MiB..5 GiB parts, 10,000 parts, 5 TiB; answered `part_size` values below 5 MiB do
   * not validate against the spec's `MultipartUpload` schema.
   */
  readonly limits?: Partial<Omit<PartLimits, "rules">> | undefined;
  /** The clock (epoch ms) used for URL expiry and dates; default `Date.now`. */
  readonly now?: (() => number) | undefined;
  /** Receives unexpected handler failures (answered 500); never called with tokens. */
  readonly onError?: ((error: unknown) => void) | undefined;
  /**
   * Rule ids of specs/rules.yaml this server deliberately breaks — for testing conformance suites
   * only (a mutant server must fail the check of each rule it breaks). `CAVATICA_MUTATIONS` says
   * what each one does; an unknown id throws a RangeError. Default none: the faithful server.
   */
  readonly mutations?: readonly string[] | undefined;
}

const DEFAULT_PART_URL_TTL_MS = 15 * 60 * 1000;
const DEFAULT_DOWNLOAD_URL_TTL_MS = 60 * 60 * 1000;

/** The signing secret: given, or the one kept in the data directory (created on first start). */
async function signingSecret(store: Store, given: string | undefined): Promise<Uint8Array> {
  if (given !== undefined) return new TextEncoder().encode(given);
  const kept = await store.getJson<{ secret: string }>("signing-secret");
  if (kept !== undefined && /^[0-9a-f]{64}$/.test(kept.secret)) return Buffer.from(kept.secret, "hex");
  const secret = randomBytes(32);
  await store.putJson("signing-secret", { secret: secret.toString("hex") });
  return secret;
}

function fixedOwners(options: CavaticaServerOptions): Map<string, OwnerId> {
  const owners = new Map<string, OwnerId>();
  for (const [id, token] of Object.entries(options.projects ?? {}))
    owners.set(targetKey({ kind: "project", id }), ownerOf(token));
  for (const [id, token] of Object.entries(options.parents ?? {}))
    owners.set(targetKey({ kind: "parent", id }), ownerOf(token));
  return owners;
}

export async function createCavaticaServer(options: CavaticaServerOptions = {}): Promise<ReferenceServer> {
  const limits: PartLimits = { ...cavaticaLimits, ...options.limits, rules: cavaticaLimits.rules };
  validateLimits(limits);
  const mutations = parseCavaticaMutations(options.mutations);
  const { dir, cleanup } = await resolveDataDir(options.dataDir, "cavatica");
  const store = await openStore(dir, options.storage, {
    fsync: options.fsync,
    corsOrigins: options.cors?.origins,
    defaultPrefix: "cavatica/",
  });
  const now = options.now ?? Date.now;
  const signer = new UrlSigner(await signingSecret(store, options.signingSecret), now);
  const state = await CavaticaState.open(store);
  const baseUrl = options.baseUrl?.replace(/\/+$/, "");
  const context: ServerContext = {
    state,
    store,
    s3: isObjectStore(store) ? store : undefined,
    auth: createAuthenticator(options.tokens, options.reading === "strict"),
    signer,
    limits,
    partUrlTtlMs: options.partUrlTtlMs ?? DEFAULT_PART_URL_TTL_MS,
    downloadUrlTtlMs: options.downloadUrlTtlMs ?? DEFAULT_DOWNLOAD_URL_TTL_MS,
    now,
    fixedOwners: fixedOwners(options),
    baseUrl: (request) => baseUrl ?? `${new URL(request.url).origin}${CAVATICA_API_BASE_PATH}`,
    mutations,
    reading: options.reading ?? "default",
  };
  return composeServer({
    handler: createHandler(context, options.onError),
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
