/**
 * A reference server for the ingest benches (`server-ingest-*.bench.ts`), in a process of its
 * own: it prints the listener's URL (no API path; the `IngestProtocol`s add it) as the first line
 * of stdout and, on SIGTERM, `peak-rss <bytes>` (`process.resourceUsage().maxRSS`), then closes
 * (removing its temp data dir) and exits. Nothing but the protocol's defaults and one token.
 *
 *   node --conditions=partwise-source --import tsx bench/lib/reference-server.ts basespace|cavatica|youforce TOKEN
 */
import type { ReferenceServer } from "@partwise/node";
import { createBasespaceServer } from "@partwise/protocol-basespace/server";
import { createCavaticaServer } from "@partwise/protocol-cavatica/server";
import { createYouforceServer } from "@partwise/protocol-youforce/server";

const [protocol, token] = process.argv.slice(2);
if (token === undefined) {
  process.stderr.write("usage: reference-server.ts basespace|cavatica|youforce TOKEN\n");
  process.exit(2);
}
const create = {
  basespace: createBasespaceServer,
  cavatica: createCavaticaServer,
  youforce: createYouforceServer,
}[protocol as "basespace" | "cavatica" | "youforce"];
if (create === undefined) {
  process.stderr.write(`unknown protocol ${protocol}\n`);
  process.exit(2);
}
const server: ReferenceServer = await create({ tokens: [token] });
const { url } = await server.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(`${url}\n`);

process.once("SIGTERM", () => {
  void (async () => {
    await server.close();
    process.stdout.write(`peak-rss ${process.resourceUsage().maxRSS * 1024}\n`);
    process.exit(0);
  })();
});
