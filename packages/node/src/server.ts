/**
 * What every reference server shares around its protocol handler: a data directory (a temp dir
 * by default), fault injection, CORS, a request log with secrets redacted, and the Node listener.
 * A protocol package builds its `handler` and hands it to `composeServer`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CorsOptions, withCors } from "./cors.ts";
import { type FaultSpec, type InjectedFault, withFaults } from "./faults.ts";
import { retainSharedHashPool } from "./hash-pool.ts";
import { BODY_TIMEOUT_MESSAGE, FAILURE_STATUS } from "./kit/failure.ts";
import {
  ConnectionResetSignal,
  type FetchHandler,
  type ListenOptions,
  listen,
  type RunningServer,
} from "./listen.ts";
import type { Reading } from "./mutations.ts";
import { credentialsOf, redact } from "./redact.ts";
import type { StorageOptions } from "./storage.ts";

/** Options every reference server takes (`partwise serve` maps its flags onto them). */
export interface ReferenceServerOptions {
  /** Where uploads are stored; a new temp directory (removed on close) when absent. */
  readonly dataDir?: string | undefined;
  /**
   * The tokens the server accepts. Each token is its own identity: it sees only what it created.
   * When absent or empty, any non-empty token is accepted (a development server).
   */
  readonly tokens?: readonly string[] | undefined;
  readonly faults?: readonly FaultSpec[] | undefined;
  readonly cors?: CorsOptions | undefined;
  /** fsync every acknowledged write (power-loss durability); SIGKILL safety does not need it. */
  readonly fsync?: boolean | undefined;
  /**
   * Where blobs are stored: `{ kind: "disk" }` (the default, in `dataDir`) or `{ kind: "s3",
   * endpoint, bucket, prefix? }` (credentials from the options or `AWS_*`); state stays in `dataDir`.
   */
  readonly storage?: StorageOptions | undefined;
  /**
   * How the server reads the points the documents leave open (`reading` in mutations.ts): `default`,
   * `lenient` (accepts all the documents do not forbid) or `strict` (refuses all they allow it to
   * refuse, and takes the other answer where they leave a choice). Default `default`.
   */
  readonly reading?: Reading | undefined;
  /**
   * Mutation ids (a rule id of specs/rules.yaml, optionally `:variant`) to break on purpose, for
   * testing conformance suites only. An unknown id throws a RangeError. Default none.
   */
  readonly mutations?: readonly string[] | undefined;
  /** Receives one entry per request; paths and messages are already redacted. */
  readonly log?: ((entry: ServerLogEntry) => void) | undefined;
  /**
   * Body idle timeout of the server's listeners (`ListenOptions.bodyIdleTimeoutMs`, default 30 s):
   * a request body that brings no byte for this long while the server waits for it is answered
   * 408 in the protocol's error envelope and its connection closed.
   */
  readonly bodyIdleTimeoutMs?: number | undefined;
}

export interface ServerLogEntry {
  readonly method: string;
  /** Path and query with credentials redacted. */
  readonly path: string;
  readonly status: number | "reset";
  readonly op: string | undefined;
  readonly fault: InjectedFault["action"] | undefined;
  readonly ms: number;
}

export interface ReferenceServer {
  /** The fetch-style handler, faults and CORS included; callable without a socket. */
  readonly handler: FetchHandler;
  readonly dataDir: string;
  listen(options?: ListenOptions): Promise<RunningServer>;
  /**
   * Stops every listener started by `listen`, releases the protocol server's resources and removes
   * a temp data directory. Calling it again returns the same promise.
   */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Resolves the data directory: the given one, or a fresh temp dir that `close` removes. */
export async function resolveDataDir(
  dataDir: string | undefined,
  prefix: string,
): Promise<{
  dir: string;
  cleanup: () => Promise<void>;
}> {
  if (dataDir !== undefined) return { dir: dataDir, cleanup: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), `partwise-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface ComposeOptions {
  readonly handler: FetchHandler;
  readonly dataDir: string;
  readonly options: ReferenceServerOptions;
  /** The operationId (specs/*.yaml) of a request, for fault targeting and logs. */
  readonly operationOf: (request: Request) => string | undefined;
  /** The protocol's error envelope, for injected statuses. */
  readonly errorResponse: (status: number, message: string) => Response;
  /** Releases what the protocol server holds (called by `close`, before the temp dir goes). */
  readonly cleanup?: () => Promise<void>;
  /**
   * Removes the data directory when it is a temp one: pass `resolveDataDir(...).cleanup`. Called
   * by `close` last, after `cleanup`.
   */
  readonly removeDataDir?: () => Promise<void>;
}

export function composeServer(compose: ComposeOptions): ReferenceServer {
  const { options } = compose;
  const secrets = options.tokens ?? [];
  const injected = new WeakMap<Request, InjectedFault>();
  let handler = withFaults(
    compose.handler,
    options.faults ?? [],
    { operationOf: compose.operationOf, errorResponse: compose.errorResponse },
    (fault, request) => injected.set(request, fault),
  );
  if (options.cors) handler = withCors(handler, options.cors);
  if (options.log) {
    const log = options.log;
    const inner = handler;
    handler = async (request) => {
      const started = performance.now();
      const url = new URL(request.url);
      const entry = (status: ServerLogEntry["status"]): ServerLogEntry => ({
        method: request.method,
        // The tokens this request carries too: on a server that accepts any token (no `tokens`),
        // they are known only here.
        path: redact(url.pathname + url.search, [...secrets, ...credentialsOf(request)]),
        status,
        op: compose.operationOf(request),
        fault: injected.get(request)?.action,
        ms: Math.round(performance.now() - started),
      });
      try {
        const response = await inner(request);
        log(entry(response.status));
        return response;
      } catch (error) {
        // The listener turns a reset signal into a reset and anything else into a 500.
        log(entry(error instanceof ConnectionResetSignal ? "reset" : 500));
        throw error;
      }
    };
  }
  const running: RunningServer[] = [];
  // The store hashes on the shared worker pool; the last server to close stops its threads.
  const releaseHashPool = retainSharedHashPool();
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await Promise.all(running.splice(0).map((server) => server.close()));
      try {
        await compose.cleanup?.();
      } finally {
        await Promise.all([compose.removeDataDir?.(), releaseHashPool()]);
      }
    })();
    return closing;
  };
  return {
    handler,
    dataDir: compose.dataDir,
    async listen(listenOptions?: ListenOptions) {
      if (closing) throw new Error("the reference server is closed");
      const server = await listen(handler, {
        overloaded: () =>
          compose.errorResponse(FAILURE_STATUS.overloaded, "Too many connections; retry later"),
        bodyTimedOut: () => compose.errorResponse(FAILURE_STATUS["body-timeout"], BODY_TIMEOUT_MESSAGE),
        ...(options.bodyIdleTimeoutMs === undefined ? {} : { bodyIdleTimeoutMs: options.bodyIdleTimeoutMs }),
        ...listenOptions,
      });
      running.push(server);
      return server;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
