/**
 * `partwise serve --protocol basespace|cavatica|youforce [--host 127.0.0.1] [--port 0]
 *                 [--data-dir DIR] [--token T ...] [--fault SPEC ...] [--cors-origin O ...] [--fsync] [--quiet]`
 *
 * Prints the server's base URL (API root, e.g. `http://127.0.0.1:PORT/v1pre3`) as the first line of
 * stdout, logs each request to stderr (tokens redacted) unless --quiet, and serves until
 * SIGINT/SIGTERM, then closes and exits 0 (DESIGN.md, "The public contract").
 */
import { parseArgs } from "node:util";
import {
  FaultSpecError,
  parseFaultSpec,
  type ReferenceServer,
  type ReferenceServerOptions,
} from "@partwise/node";
import { type Io, type Protocol, parsePort, parseProtocol, UsageError } from "../usage.ts";

/** Starts a protocol's reference server; loaded lazily so one protocol's code is not loaded for another. */
const FACTORIES: Record<
  Protocol,
  (options: ReferenceServerOptions) => Promise<ReferenceServer & { basePath?: string }>
> = {
  basespace: async (o) => (await import("@partwise/protocol-basespace/server")).createBasespaceServer(o),
  cavatica: async (o) => (await import("@partwise/protocol-cavatica/server")).createCavaticaServer(o),
  youforce: async (o) => (await import("@partwise/protocol-youforce/server")).createYouforceServer(o),
};

/** Where each protocol's API lives below the server's origin (the vendors' own version paths). */
export const BASE_PATHS: Record<Protocol, string> = {
  basespace: "/v1pre3",
  cavatica: "/v2",
  youforce: "/v1.0",
};

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
      quiet: { type: "boolean", default: false },
    },
  });
  const protocol = parseProtocol(values.protocol);
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
  const quiet = values.quiet;
  const server = await FACTORIES[protocol]({
    dataDir: values["data-dir"],
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
