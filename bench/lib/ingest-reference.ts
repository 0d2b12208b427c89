/**
 * Runs `benchIngest` against a protocol's REAL reference server (lib/reference-server.mjs, in a
 * child process) and prints the verdict against the issue's targets: ingest >= 0.8 x md5sum on the
 * same bytes in the same run; server peak RSS < 128 MiB + parts in flight. Sets the exit code.
 */
import { fileURLToPath } from "node:url";
import { benchIngest, formatVerdict, type IngestProtocol, MiB } from "./ingest.ts";

export const BENCH_TOKEN = "partwise-bench-ingest-token";

export async function runReferenceIngest<Context>(options: {
  readonly protocol: "basespace" | "cavatica" | "youforce";
  readonly ingest: IngestProtocol<Context>;
  readonly sizeBytes: number;
  readonly partSizes?: readonly number[];
}): Promise<void> {
  const result = await benchIngest<Context>({
    serverScript: fileURLToPath(new URL("./reference-server.mjs", import.meta.url)),
    // The built packages, as users run them (reference-server.mjs); BENCH_FROM_SOURCE=1: the sources.
    // BENCH_SERVER_NODE_ARGS (lib/ingest.ts startServer) adds Node flags, e.g. "--cpu-prof --cpu-prof-dir=DIR".
    nodeArgs:
      process.env.BENCH_FROM_SOURCE === "1" ? ["--conditions=partwise-source", "--import", "tsx"] : [],
    serverArgs: [options.protocol, BENCH_TOKEN],
    sizeBytes: options.sizeBytes,
    protocol: options.ingest,
    ...(options.partSizes === undefined ? {} : { partSizes: options.partSizes }),
  });
  const { line, pass, cpu } = formatVerdict(`${options.protocol} server ingest`, result, {
    minRatio: 0.8,
    rssBaseline: 128 * MiB,
  });
  const sizes = (options.partSizes ?? [8 * MiB, 16 * MiB, 25 * MiB])
    .map((n) => (n / MiB).toFixed(1))
    .join("/");
  console.log(
    `${(options.sizeBytes / MiB).toFixed(0)} MiB in ${result.parts} parts of ${sizes} MiB, ${result.concurrency} in flight, ` +
      `${result.ingestSeconds.toFixed(2)} s (peak RSS from ${result.rssSource})${cpu ? `; ${cpu}` : ""}`,
  );
  console.log(line);
  process.exitCode = pass ? 0 : 1;
}
