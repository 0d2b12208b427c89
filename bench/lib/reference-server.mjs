/**
 * A reference server for the ingest benches (`server-ingest-*.bench.ts`), in a process of its
 * own, run as users run it: the BUILT packages (`dist/`, plain `node`, no TypeScript loader, whose
 * transpiler and source maps would add some 30 MiB to the peak RSS the bench measures). The root
 * `npm run bench` builds first; `BENCH_FROM_SOURCE=1` runs the sources through tsx instead. It prints the listener's URL (no API path; the `IngestProtocol`s add it) as the first line
 * of stdout and, on SIGTERM, `peak-rss <bytes>` (`process.resourceUsage().maxRSS`), then closes
 * (removing its temp data dir) and exits. Nothing but the protocol's defaults and one token.
 *
 *   node bench/lib/reference-server.mjs basespace|cavatica|youforce TOKEN
 */
const modules = {
  basespace: ["@partwise/protocol-basespace/server", "createBasespaceServer"],
  cavatica: ["@partwise/protocol-cavatica/server", "createCavaticaServer"],
  youforce: ["@partwise/protocol-youforce/server", "createYouforceServer"],
};

const [protocol, token] = process.argv.slice(2);
if (token === undefined) {
  process.stderr.write("usage: reference-server.mjs basespace|cavatica|youforce TOKEN\n");
  process.exit(2);
}
const entry = modules[protocol];
if (entry === undefined) {
  process.stderr.write(`unknown protocol ${protocol}\n`);
  process.exit(2);
}
const [specifier, factory] = entry;
const loaded = await import(specifier).catch((error) => {
  process.stderr.write(
    `cannot load ${specifier} (${error.code ?? error.message}): run \`npm run build\` first\n`,
  );
  process.exit(2);
});
const server = await loaded[factory]({ tokens: [token] });
const { url } = await server.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(`${url}\n`);

process.once("SIGTERM", () => {
  void (async () => {
    await server.close();
    process.stdout.write(`peak-rss ${process.resourceUsage().maxRSS * 1024}\n`);
    process.exit(0);
  })();
});
