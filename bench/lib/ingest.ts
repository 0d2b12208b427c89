/**
 * A reusable harness that measures how fast a server ingests parts over loopback, and how much
 * memory it needs to do so.
 *
 * The server runs in a CHILD process (`serverScript`), so the sender's CPU and memory never count
 * against it. It must print its base URL as the first line of stdout, as `partwise serve` does
 * (DESIGN.md, "The public contract"), and exit on SIGTERM. Its peak RSS is read from
 * `/proc/<pid>/status` (`VmHWM`) just before it is stopped; a server that prints a line
 * `peak-rss <bytes>` on stdout when it exits (as `ingest-server.ts` does) is believed instead,
 * which also works where there is no `/proc`.
 *
 * The sender in this process does not hash: it streams each part straight from the file on disk
 * (`createReadStream` with `start`/`end`, never the whole file in memory) to the server over
 * `node:http` keep-alive connections, at most `concurrency` parts in flight. Part sizes cycle
 * through `partSizes`. After the timed run it checks each part's digest (when the protocol gives
 * one back) against node:crypto, outside the timing.
 *
 * The timed run starts after an untimed warm-up (`WARMUP_BYTES` of the same file, as an upload of
 * their own), so it measures a server in its steady state, as one serving many clients would be.
 *
 * The baseline is `md5sum` on the same file in the same run: the speed of the one job a server
 * cannot avoid (hashing each byte), done by a tuned C program with no network in the way. It is
 * the best of three runs, two before and one after the ingest, so a busy moment on a shared
 * machine makes the target harder, never easier. CPU seconds (server, sender, md5sum) are
 * reported too: on a busy machine they are the steadier figures.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomFillSync } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { Agent, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

export const MiB = 2 ** 20;

/**
 * What the benches send untimed before the timed run (BENCH_WARMUP_MB, default 128; 0 for none):
 * every serious harness warms up first, so the figures are those of a server and an uploader in
 * their steady state (code compiled by the JIT, connections open), not of their first seconds.
 */
export const WARMUP_BYTES: number = Math.round(Number(process.env.BENCH_WARMUP_MB ?? 128) * MiB);

/** What the sender sends for one part. */
export interface PartRequest {
  readonly method?: string;
  /** Path and query, relative to the base URL (e.g. `/v1pre3/files/abc/parts/3`). */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** How one protocol uploads parts; the default (`rawPutProtocol`) suits `ingest-server.ts`. */
export interface IngestProtocol<Context = unknown> {
  /** Untimed: creates whatever the parts belong to (an upload, a file) and returns it. */
  prepare(baseUrl: string, totalSize: number): Promise<Context>;
  part(context: Context, partNumber: number, size: number): PartRequest;
  /** The hex MD5 the server reports for a part (from its ETag or body), or undefined if none. */
  digestOf(status: number, headers: Readonly<Record<string, unknown>>, body: string): string | undefined;
  /** Untimed: completes the upload once every part has been acknowledged. */
  finish?(baseUrl: string, context: Context, parts: number): Promise<void>;
}

export interface BenchIngestOptions<Context = unknown> {
  /** The server's entry point (a .ts or .js file), started with `node ...nodeArgs serverScript ...serverArgs`. */
  readonly serverScript: string;
  readonly serverArgs?: readonly string[];
  /** Default: `--conditions=partwise-source --import tsx`, so TypeScript sources run as they are. */
  readonly nodeArgs?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly sizeBytes: number;
  /** Part sizes to cycle through (default 8, 16 and 25 MiB). */
  readonly partSizes?: readonly number[];
  /** Parts in flight (default 4). */
  readonly concurrency?: number;
  readonly protocol?: IngestProtocol<Context>;
  /**
   * Bytes sent untimed first (the first bytes of the same file, as an upload of their own), so the
   * timed run measures a warm server and sender: code already compiled by the JIT, connections open.
   * Default `WARMUP_BYTES`.
   */
  readonly warmupBytes?: number;
  /** Check every part's digest after the timed run (default true). */
  readonly verify?: boolean;
  /** Where the test file goes (default a new temp dir, removed afterwards). */
  readonly workDir?: string;
  /**
   * An existing random file of `sizeBytes` to send instead of writing a new one (several runs in
   * one bench then send the same bytes and skip the write).
   */
  readonly payload?: string;
}

export interface BenchIngestResult {
  readonly bytes: number;
  readonly parts: number;
  readonly largestPart: number;
  readonly concurrency: number;
  readonly ingestSeconds: number;
  readonly ingestMiBps: number;
  readonly md5sumMiBps: number;
  readonly ratio: number;
  /** Peak resident set of the server process. */
  readonly serverPeakRss: number;
  readonly rssSource: "server" | "procfs";
  /** Parts whose reported digest did not match (0 when verified and correct). */
  readonly digestMismatches: number;
  /**
   * CPU seconds spent during the timed run (Linux `/proc`; undefined elsewhere): by the server,
   * by the sender (this process), and by `md5sum` over the same bytes. Unlike throughput, these
   * hardly depend on what else the machine is doing, so they show where the time goes.
   */
  readonly cpu: {
    readonly server:
      | {
          readonly user: number;
          readonly system: number;
          /** CPU seconds of the server's main thread (its event loop) alone: the serial part. */
          readonly main: number | undefined;
        }
      | undefined;
    readonly sender: number;
    readonly md5sum: number | undefined;
  };
}

/** Plain `PUT /parts/{n}` answered with the part's hex MD5 in the body (`ingest-server.ts`). */
export const rawPutProtocol: IngestProtocol<undefined> = {
  prepare: async () => undefined,
  part: (_context, partNumber) => ({ method: "PUT", path: `/parts/${partNumber}` }),
  digestOf: (_status, _headers, body) => body.trim(),
};

export async function benchIngest<Context = undefined>(
  options: BenchIngestOptions<Context>,
): Promise<BenchIngestResult> {
  const partSizes = options.partSizes ?? [8 * MiB, 16 * MiB, 25 * MiB];
  const concurrency = options.concurrency ?? 4;
  const protocol = (options.protocol ?? rawPutProtocol) as IngestProtocol<Context>;
  const work = options.workDir ?? (await mkdtemp(join(tmpdir(), "partwise-bench-ingest-")));
  const file = options.payload ?? join(work, "payload.bin");
  try {
    if (options.payload === undefined) await writeRandomFile(file, options.sizeBytes);
    const parts = planParts(options.sizeBytes, partSizes);
    const md5sumBefore = timeMd5sum(file, options.sizeBytes, 2);

    const server = await startServer(options);
    let result: Omit<BenchIngestResult, "serverPeakRss" | "rssSource" | "md5sumMiBps" | "ratio" | "cpu">;
    let serverCpu: { user: number; system: number; main: number | undefined } | undefined;
    let md5sum = md5sumBefore;
    let senderCpu: number;
    let rss: { bytes: number; source: "server" | "procfs" };
    try {
      const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
      const warmupBytes = Math.min(options.warmupBytes ?? WARMUP_BYTES, options.sizeBytes);
      if (warmupBytes > 0) {
        const warm = planParts(warmupBytes, partSizes);
        const warmContext = await protocol.prepare(server.url, warmupBytes);
        await sendParts(server.url, file, warm, concurrency, agent, protocol, warmContext);
        await protocol.finish?.(server.url, warmContext, warm.length);
      }
      const context = await protocol.prepare(server.url, options.sizeBytes);
      const cpuBefore = await procCpu(server.pid);
      const mainBefore = await procCpu(server.pid, server.pid);
      const senderBefore = process.cpuUsage();
      const started = performance.now();
      const digests = await sendParts(server.url, file, parts, concurrency, agent, protocol, context);
      const ingestSeconds = (performance.now() - started) / 1000;
      const sender = process.cpuUsage(senderBefore);
      senderCpu = (sender.user + sender.system) / 1e6;
      const cpuAfter = await procCpu(server.pid);
      const mainAfter = await procCpu(server.pid, server.pid);
      if (cpuBefore && cpuAfter)
        serverCpu = {
          user: cpuAfter.user - cpuBefore.user,
          system: cpuAfter.system - cpuBefore.system,
          main:
            mainBefore && mainAfter
              ? mainAfter.user + mainAfter.system - mainBefore.user - mainBefore.system
              : undefined,
        };
      agent.destroy();
      await protocol.finish?.(server.url, context, parts.length);
      rss = await server.stop();
      // Once more after the run, so a busy moment before it cannot make the baseline look slow.
      const md5sumAfter = timeMd5sum(file, options.sizeBytes, 1);
      md5sum = md5sumAfter.mibps > md5sumBefore.mibps ? md5sumAfter : md5sumBefore;
      const digestMismatches = options.verify === false ? 0 : await verifyDigests(file, parts, digests);
      result = {
        bytes: options.sizeBytes,
        parts: parts.length,
        largestPart: Math.max(...parts.map((p) => p.size)),
        concurrency,
        ingestSeconds,
        ingestMiBps: options.sizeBytes / MiB / ingestSeconds,
        digestMismatches,
      };
    } catch (error) {
      await server.stop().catch(() => {});
      throw error;
    }
    return {
      ...result,
      md5sumMiBps: md5sum.mibps,
      ratio: result.ingestMiBps / md5sum.mibps,
      serverPeakRss: rss.bytes,
      rssSource: rss.source,
      cpu: { server: serverCpu, sender: senderCpu, md5sum: md5sum.cpuSeconds },
    };
  } finally {
    if (options.workDir === undefined) await rm(work, { recursive: true, force: true });
  }
}

interface Part {
  readonly number: number;
  readonly offset: number;
  readonly size: number;
}

export function planParts(total: number, sizes: readonly number[]): Part[] {
  const parts: Part[] = [];
  for (let offset = 0, k = 0; offset < total || parts.length === 0; k++) {
    const size = Math.min(sizes[k % sizes.length]!, total - offset);
    parts.push({ number: k + 1, offset, size });
    offset += size;
    if (size === 0) break;
  }
  return parts;
}

/** Random bytes (incompressible, so no layer can cheat), written 16 MiB at a time and synced. */
export async function writeRandomFile(path: string, size: number): Promise<void> {
  const block = new Uint8Array(16 * MiB);
  const handle = await open(path, "w");
  try {
    for (let written = 0; written < size; ) {
      const n = Math.min(block.length, size - written);
      randomFillSync(block, 0, n);
      await handle.write(block, 0, n);
      written += n;
    }
    // On disk before the clock starts, so its writeback does not compete with the server.
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * md5sum over the file (already in the page cache, as it is for the sender), the best of `runs`;
 * its CPU time comes from this process's waited-for children in `/proc/self/stat`. `hex` is the
 * file's MD5 as md5sum printed it.
 */
export function timeMd5sum(
  path: string,
  size: number,
  runs: number,
): { mibps: number; seconds: number; cpuSeconds: number | undefined; hex: string } {
  let best = Number.POSITIVE_INFINITY;
  let cpuSeconds: number | undefined;
  let hex = "";
  for (let run = 0; run < runs; run++) {
    const before = childrenCpuSync();
    const started = performance.now();
    const result = spawnSync("md5sum", [path], { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`md5sum failed: ${result.stderr || result.error?.message}`);
    const seconds = (performance.now() - started) / 1000;
    hex = result.stdout.split(" ")[0] ?? "";
    const after = childrenCpuSync();
    if (seconds < best) {
      best = seconds;
      cpuSeconds = before !== undefined && after !== undefined ? after - before : undefined;
    }
  }
  return { mibps: size / MiB / best, seconds: best, cpuSeconds, hex };
}

let ticksPerSecond: number | undefined;
const clockTicks = (): number => {
  ticksPerSecond ??= Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
  return ticksPerSecond;
};

/** Fields of `/proc/<pid>/stat` after the command name (index 0 is the state, field 3). */
const statFields = (text: string): string[] => text.slice(text.lastIndexOf(")") + 2).split(" ");

/**
 * User and system CPU seconds of a process, from `/proc/<pid>/stat` (utime, stime); with `tid`,
 * of that one thread (`/proc/<pid>/task/<tid>/stat`; a process's main thread has `tid` = `pid`).
 */
export async function procCpu(
  pid: number | undefined,
  tid?: number,
): Promise<{ user: number; system: number } | undefined> {
  if (pid === undefined) return undefined;
  try {
    const path = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
    const fields = statFields(await readFile(path, "utf8"));
    return { user: Number(fields[11]) / clockTicks(), system: Number(fields[12]) / clockTicks() };
  } catch {
    return undefined;
  }
}

/** CPU seconds of this process's waited-for children (cutime + cstime). */
function childrenCpuSync(): number | undefined {
  try {
    const fields = statFields(readFileSync("/proc/self/stat", "utf8"));
    return (Number(fields[13]) + Number(fields[14])) / clockTicks();
  } catch {
    return undefined;
  }
}

export interface StartedServer {
  readonly url: string;
  readonly pid: number | undefined;
  stop(): Promise<{ bytes: number; source: "server" | "procfs" }>;
}

/** Starts `options.serverScript` in a child process and waits for the base URL on its first line. */
export async function startServer(
  options: Pick<BenchIngestOptions<unknown>, "serverScript" | "serverArgs" | "nodeArgs" | "env">,
): Promise<StartedServer> {
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? ["--conditions=partwise-source", "--import", "tsx"]),
      // BENCH_SERVER_NODE_ARGS adds Node flags to every bench's server, e.g. "--cpu-prof --cpu-prof-dir=DIR".
      ...(process.env.BENCH_SERVER_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
      options.serverScript,
      ...(options.serverArgs ?? []),
    ],
    { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...options.env } },
  );
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout });
  let reported: number | undefined;
  const url = await new Promise<string>((resolve, reject) => {
    let first = true;
    lines.on("line", (line) => {
      if (first) {
        first = false;
        resolve(line.trim().replace(/\/$/, ""));
        return;
      }
      const match = /^peak-rss (\d+)$/.exec(line.trim());
      if (match) reported = Number(match[1]);
    });
    void exited.then((code) => reject(new Error(`server exited (${code}) before printing its URL`)));
  });
  return {
    url,
    pid: child.pid,
    async stop() {
      const procfs = await procPeakRss(child.pid);
      child.kill("SIGTERM");
      await exited;
      if (reported !== undefined) return { bytes: reported, source: "server" };
      if (procfs !== undefined) return { bytes: procfs, source: "procfs" };
      throw new Error("could not learn the server's peak RSS (no /proc and no `peak-rss` line)");
    },
  };
}

async function procPeakRss(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

async function sendParts<Context>(
  baseUrl: string,
  file: string,
  parts: readonly Part[],
  concurrency: number,
  agent: Agent,
  protocol: IngestProtocol<Context>,
  context: Context,
): Promise<Map<number, string | undefined>> {
  const digests = new Map<number, string | undefined>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < parts.length) {
      const part = parts[next++]!;
      const spec = protocol.part(context, part.number, part.size);
      const { status, headers, body } = await putPart(baseUrl, file, part, spec, agent);
      if (status < 200 || status > 299)
        throw new Error(`part ${part.number}: HTTP ${status}: ${body.slice(0, 200)}`);
      digests.set(part.number, protocol.digestOf(status, headers, body));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, parts.length) }, worker));
  return digests;
}

function putPart(
  baseUrl: string,
  file: string,
  part: Part,
  spec: PartRequest,
  agent: Agent,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(spec.path, `${baseUrl}/`),
      {
        method: spec.method ?? "PUT",
        agent,
        headers: {
          "content-type": "application/octet-stream",
          ...spec.headers,
          "content-length": String(part.size),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (part.size === 0) {
      req.end();
      return;
    }
    const body = createReadStream(file, {
      start: part.offset,
      end: part.offset + part.size - 1,
      highWaterMark: MiB,
    });
    body.on("error", (error) => req.destroy(error));
    body.pipe(req);
  });
}

async function verifyDigests(
  file: string,
  parts: readonly Part[],
  digests: ReadonlyMap<number, string | undefined>,
): Promise<number> {
  let mismatches = 0;
  for (const part of parts) {
    const reported = digests.get(part.number);
    if (reported === undefined) continue;
    const hash = createHash("md5");
    if (part.size > 0)
      for await (const chunk of createReadStream(file, {
        start: part.offset,
        end: part.offset + part.size - 1,
        highWaterMark: MiB,
      }))
        hash.update(chunk as Buffer);
    if (hash.digest("hex") !== reported.toLowerCase()) mismatches += 1;
  }
  return mismatches;
}

/** The one-line verdict the benches print; `pass` is false when either target is missed. */
export function formatVerdict(
  label: string,
  result: BenchIngestResult,
  targets: { minRatio: number; rssBaseline: number },
): { line: string; pass: boolean; cpu?: string } {
  const rssBudget = targets.rssBaseline + result.concurrency * result.largestPart;
  const ratioPass = result.ratio >= targets.minRatio && result.digestMismatches === 0;
  const rssPass = result.serverPeakRss < rssBudget;
  const mib = (n: number) => (n / MiB).toFixed(0);
  const line =
    `${label}: ${result.ingestMiBps.toFixed(0)} MiB/s; md5sum: ${result.md5sumMiBps.toFixed(0)} MiB/s; ` +
    `ratio ${result.ratio.toFixed(2)} (target >= ${targets.minRatio}x) ${ratioPass ? "PASS" : "FAIL"}; ` +
    `server peak RSS ${mib(result.serverPeakRss)} MiB (target < ${mib(targets.rssBaseline)} MiB + parts in flight = ${mib(rssBudget)} MiB) ` +
    `${rssPass ? "PASS" : "FAIL"}` +
    (result.digestMismatches > 0 ? `; ${result.digestMismatches} part digests WRONG` : "");
  const perGiB = (seconds: number) => (seconds / (result.bytes / 2 ** 30)).toFixed(2);
  const { server, sender, md5sum } = result.cpu;
  const cpu =
    server === undefined
      ? undefined
      : `CPU s/GiB: server ${perGiB(server.user + server.system)} (user ${perGiB(server.user)}, sys ${perGiB(server.system)}` +
        `${server.main === undefined ? "" : `; main thread ${perGiB(server.main)}`}), ` +
        `sender ${perGiB(sender)}` +
        (md5sum === undefined ? "" : `, md5sum ${perGiB(md5sum)}`);
  return { line, pass: ratioPass && rssPass, ...(cpu === undefined ? {} : { cpu }) };
}
