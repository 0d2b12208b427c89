/**
 * `partwise serve`: runs a protocol's reference server (usage text in ../help.ts).
 *
 * Prints the server's base URL (API root, e.g. `http://127.0.0.1:PORT/v1pre3`) as the first line of
 * stdout, logs each request to stderr (tokens redacted) unless --quiet, and serves until
 * SIGINT/SIGTERM, then closes and exits 0.
 */
import { parseArgs } from "node:util";
import {
  FaultSpecError,
  parseFaultSpec,
  parseReading,
  type Reading,
  type ReferenceServer,
  type ReferenceServerOptions,
  S3StoreError,
  type StorageOptions,
} from "@partwise/node";
import { type Io, type Protocol, parsePort, parseProtocol, UsageError } from "../usage.ts";

/** The protocol-specific flags, already parsed. */
interface ProtocolFlags {
  readonly partUrlTtlMs?: number | undefined;
  readonly rateLimit?: RateLimitFlag | undefined;
}

/** Starts a protocol's reference server; loaded lazily so one protocol's code is not loaded for another. */
const FACTORIES: Record<
  Protocol,
  (options: ReferenceServerOptions, flags: ProtocolFlags) => Promise<ReferenceServer & { basePath?: string }>
> = {
  basespace: async (o) => (await import("@partwise/protocol-basespace/server")).createBasespaceServer(o),
  cavatica: async (o, { partUrlTtlMs }) =>
    (await import("@partwise/protocol-cavatica/server")).createCavaticaServer({
      ...o,
      ...(partUrlTtlMs === undefined ? {} : { partUrlTtlMs }),
    }),
  youforce: async (o, { rateLimit }) =>
    (await import("@partwise/protocol-youforce/server")).createYouforceServer({
      ...o,
      ...(rateLimit === undefined ? {} : { rateLimit }),
    }),
};

/** `--part-url-ttl SECONDS`: a positive number of seconds, as milliseconds. */
export function parsePartUrlTtl(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (value.trim() === "" || !Number.isFinite(seconds) || seconds <= 0)
    throw new UsageError(`--part-url-ttl must be a positive number of seconds, not "${value}"`);
  return Math.round(seconds * 1000);
}

/** A rate limit as the YouForce server takes it: per-second windows, or per-minute windows. */
export type RateLimitFlag = { readonly requestsPerSecond: number } | { readonly requestsPerMinute: number };

/**
 * `--rate-limit N/s` (a bare N is per second) or `N/min`: whole requests per one-second or
 * one-minute window, at least 1, so a 429's `Retry-After` is at most the window.
 */
export function parseRateLimit(value: string | undefined): RateLimitFlag | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*(\d+)\s*(?:\/\s*(s|sec|second|m|min|minute))?\s*$/i.exec(value);
  const count = match ? Number(match[1]) : Number.NaN;
  if (!(Number.isSafeInteger(count) && count >= 1))
    throw new UsageError(
      `--rate-limit must be N/s or N/min with N a whole number of at least 1, not "${value}"`,
    );
  return match?.[2] && /^m/i.test(match[2]) ? { requestsPerMinute: count } : { requestsPerSecond: count };
}

function parseReadingFlag(value: string | undefined): Reading {
  try {
    return parseReading(value);
  } catch (error) {
    throw new UsageError(`--${(error as Error).message}`);
  }
}

/** Where each protocol's API lives below the server's origin (the vendors' own version paths). */
export const BASE_PATHS: Record<Protocol, string> = {
  basespace: "/v1pre3",
  cavatica: "/v2",
  youforce: "/v1.0",
};

/**
 * `--storage disk|s3` and its S3 flags: disk by default; s3 needs `--s3-endpoint` and `--s3-bucket`
 * and takes its credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_REGION.
 */
export function parseStorage(
  values: {
    storage?: string | undefined;
    "s3-endpoint"?: string | undefined;
    "s3-bucket"?: string | undefined;
    "s3-prefix"?: string | undefined;
  },
  env: NodeJS.ProcessEnv,
): StorageOptions | undefined {
  const kind = values.storage ?? "disk";
  const s3Flags = ["s3-endpoint", "s3-bucket", "s3-prefix"] as const;
  if (kind === "disk") {
    const given = s3Flags.find((flag) => values[flag] !== undefined);
    if (given !== undefined) throw new UsageError(`--${given} applies to --storage s3 only`);
    return undefined;
  }
  if (kind !== "s3") throw new UsageError(`--storage must be disk or s3, not "${kind}"`);
  const endpoint = values["s3-endpoint"];
  const bucket = values["s3-bucket"];
  if (endpoint === undefined || !/^https?:\/\/[^/]/.test(endpoint))
    throw new UsageError("--storage s3 needs --s3-endpoint URL (http:// or https://)");
  if (bucket === undefined || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new UsageError(
      "--storage s3 needs --s3-bucket NAME (3-63 lowercase letters, digits, dots, dashes)",
    );
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY)
    throw new UsageError(
      "--storage s3 takes its credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    );
  return {
    kind: "s3",
    endpoint,
    bucket,
    ...(values["s3-prefix"] === undefined ? {} : { prefix: values["s3-prefix"] }),
    accessKeyId: env.AWS_ACCESS_KEY_ID,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
    ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
  };
}

export async function serve(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      protocol: { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string" },
      "data-dir": { type: "string" },
      token: { type: "string", multiple: true, default: [] },
      fault: { type: "string", multiple: true, default: [] },
      "cors-origin": { type: "string", multiple: true, default: [] },
      fsync: { type: "boolean", default: false },
      storage: { type: "string" },
      "s3-endpoint": { type: "string" },
      "s3-bucket": { type: "string" },
      "s3-prefix": { type: "string" },
      quiet: { type: "boolean", default: false },
      reading: { type: "string" },
      "part-url-ttl": { type: "string" },
      "rate-limit": { type: "string" },
    },
  });
  const protocol = parseProtocol(values.protocol);
  const reading = parseReadingFlag(values.reading);
  const flags: ProtocolFlags = {
    partUrlTtlMs: parsePartUrlTtl(values["part-url-ttl"]),
    rateLimit: parseRateLimit(values["rate-limit"]),
  };
  if (flags.partUrlTtlMs !== undefined && protocol !== "cavatica")
    throw new UsageError("--part-url-ttl applies to --protocol cavatica only");
  if (flags.rateLimit !== undefined && protocol !== "youforce")
    throw new UsageError("--rate-limit applies to --protocol youforce only");
  const port = parsePort(values.port);
  const tokens = values.token.filter((t) => t.length > 0);
  if (tokens.length !== values.token.length) throw new UsageError("--token must not be empty");
  let faults: ReturnType<typeof parseFaultSpec>[];
  try {
    faults = values.fault.map(parseFaultSpec);
  } catch (error) {
    if (error instanceof FaultSpecError) throw new UsageError(error.message);
    throw error;
  }
  const storage = parseStorage(values, io.env);
  const quiet = values.quiet;
  const server = await FACTORIES[protocol](
    {
      ...(storage === undefined ? {} : { storage }),
      dataDir: values["data-dir"],
      reading,
      tokens,
      faults,
      fsync: values.fsync,
      ...(values["cors-origin"].length > 0 ? { cors: { origins: values["cors-origin"] } } : {}),
      ...(quiet
        ? {}
        : {
            log: (e) =>
              io.stderr.write(
                `${e.method} ${e.path} ${e.status}${e.fault ? ` [fault ${e.fault}]` : ""} ${e.ms}ms\n`,
              ),
          }),
    },
    flags,
  ).catch((error: unknown) => {
    // An S3 endpoint that cannot be reached or refuses the credentials is a configuration error.
    if (error instanceof S3StoreError) throw new UsageError(`--storage s3: ${error.message}`);
    throw error;
  });
  let running: Awaited<ReturnType<ReferenceServer["listen"]>>;
  try {
    running = await server.listen({ host: values.host, port });
  } catch (error) {
    await server.close();
    throw new UsageError(`cannot listen on ${values.host}:${port}: ${(error as Error).message}`);
  }
  io.stdout.write(`${running.url}${server.basePath ?? BASE_PATHS[protocol]}\n`);
  if (!quiet) io.stderr.write(`partwise: ${protocol} reference server, data in ${server.dataDir}\n`);
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await server.close();
  return 0;
}
