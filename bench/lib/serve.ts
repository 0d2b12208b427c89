/**
 * A protocol's reference server in a process of its own, for the upload benches: it prints the
 * API base URL (version path included: `/v1pre3`, `/v2`, `/v1.0`) as the first line of stdout, as
 * `partwise serve` does, and on SIGTERM prints `peak-rss <bytes>` (`process.resourceUsage().maxRSS`),
 * closes (which removes its temp data dir) and exits. Uploads go to a new temp dir, or under
 * `PARTWISE_BENCH_DATA_DIR` (so the stored parts land on the same disk as the test file);
 * `PARTWISE_BENCH_S3` (JSON of the `storage` option) puts the blobs in an S3 bucket instead.
 *
 *   node --conditions=partwise-source --import tsx bench/lib/serve.ts basespace|cavatica|youforce TOKEN
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReferenceServer, StorageOptions } from "@partwise/node";
import { BASESPACE_BASE_PATH, createBasespaceServer } from "@partwise/protocol-basespace/server";
import { CAVATICA_API_BASE_PATH, createCavaticaServer } from "@partwise/protocol-cavatica/server";
import { createYouforceServer, YOUFORCE_BASE_PATH } from "@partwise/protocol-youforce/server";

const [protocol, token] = process.argv.slice(2);
if (token === undefined) {
  process.stderr.write("usage: serve.ts basespace|cavatica|youforce TOKEN\n");
  process.exit(2);
}

const dataDir = await mkdtemp(
  join(process.env.PARTWISE_BENCH_DATA_DIR ?? tmpdir(), `partwise-bench-${protocol}-`),
);
const s3 = process.env.PARTWISE_BENCH_S3;
const options = {
  tokens: [token],
  dataDir,
  ...(s3 === undefined || s3 === "" ? {} : { storage: JSON.parse(s3) as StorageOptions }),
};
let server: ReferenceServer;
let basePath: string;
switch (protocol) {
  case "basespace":
    server = await createBasespaceServer(options);
    basePath = BASESPACE_BASE_PATH;
    break;
  case "cavatica":
    server = await createCavaticaServer(options);
    basePath = CAVATICA_API_BASE_PATH;
    break;
  case "youforce":
    server = await createYouforceServer(options);
    basePath = YOUFORCE_BASE_PATH;
    break;
  default:
    process.stderr.write(`unknown protocol ${protocol}\n`);
    process.exit(2);
}
const { url } = await server.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(`${url}${basePath}\n`);

process.once("SIGTERM", () => {
  void (async () => {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
    process.stdout.write(`peak-rss ${process.resourceUsage().maxRSS * 1024}\n`);
    process.exit(0);
  })();
});
