/**
 * Fault soak of the uploaders: each protocol's reference server, over a real socket, with
 * 30% 503 + 10% connection resets + 5% corrupted bodies + 5% dropped answers on every request;
 * N uploads per protocol, each run with a journal and rerun (same journal) at most 3 times when it
 * fails. Every upload that says it succeeded is downloaded and compared byte for byte.
 *
 *   node --conditions=partwise-source --import tsx bench/upload-soak.ts [protocol…]
 *   BENCH_SOAK_UPLOADS=20 BENCH_SOAK_SEED=1 …
 *
 * Prints, per protocol: uploads, done on the first run, done after 1/2/3 reruns, still failing
 * after 3 reruns, and "false success" (resolved with bytes that differ from the source: must be
 * 0). Exits 1 unless every upload ended byte-equal within 3 reruns and none was a false success.
 */
import { randomBytes } from "node:crypto";
import { type JournalStore, memoryJournal } from "@partwise/client";
import { parseFaultSpec } from "@partwise/node";

const UPLOADS = Number(process.env.BENCH_SOAK_UPLOADS ?? 20);
const SEED = Number(process.env.BENCH_SOAK_SEED ?? 1);
const KiB = 1024;
const TOKEN = "soak-token-0123456789abcdef";

const faults = (seed: number) => [
  parseFaultSpec(`op=*,status=503,rate=0.3,seed=${seed}`),
  parseFaultSpec(`op=*,reset,rate=0.1,seed=${seed + 1}`),
  parseFaultSpec(`op=*,corrupt,rate=0.05,seed=${seed + 2}`),
  parseFaultSpec(`op=*,drop,rate=0.05,seed=${seed + 3}`),
];
const retry = { retries: 30, retryForMs: 60_000, baseDelayMs: 2, maxDelayMs: 50 };

interface Soaked {
  /** One run: resolves with the stored file's bytes (downloaded), or rejects. */
  run(bytes: Uint8Array<ArrayBuffer>, name: string, journal: JournalStore): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Retries a read-back through the faulty server until it answers. */
async function patiently<T>(read: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await read();
    } catch (error) {
      if (i >= 200) throw error;
    }
  }
}

async function youforce(seed: number): Promise<Soaked> {
  const { createYouforceServer } = await import("@partwise/protocol-youforce/server");
  const { createYouforceClient, upload } = await import("@partwise/protocol-youforce");
  const server = await createYouforceServer({
    tokens: [TOKEN],
    faults: faults(seed),
    chunkMaxSize: 64 * KiB,
  });
  const base = `${(await server.listen()).url}/v1.0`;
  const client = createYouforceClient({ baseUrl: base, token: TOKEN });
  return {
    async run(bytes, name, journal) {
      const file = await upload(new Blob([bytes]), {
        client,
        businessTypeId: 7100,
        name,
        chunkSize: 64 * KiB,
        multipartThreshold: 100 * KiB,
        journal,
        retry,
      });
      return patiently(async () =>
        (await client.downloadFile({ fileId: file.id, role: "publisher" })).bytes(),
      );
    },
    close: () => server.close(),
  };
}

async function cavatica(seed: number): Promise<Soaked> {
  const { createCavaticaServer } = await import("@partwise/protocol-cavatica/server");
  const { createCavaticaClient, upload } = await import("@partwise/protocol-cavatica");
  const limits = { minPartSize: 16 * KiB, maxPartSize: 1024 * KiB };
  const server = await createCavaticaServer({ tokens: [TOKEN], faults: faults(seed), limits });
  const base = `${(await server.listen()).url}/v2`;
  const client = createCavaticaClient({ baseUrl: base, token: TOKEN, limits });
  return {
    async run(bytes, name, journal) {
      const file = await upload(new Blob([bytes]), {
        client,
        project: "soak/test",
        name,
        partSize: 64 * KiB,
        journal,
        retry,
      });
      // A file found by name after a lost completion has no id: compare its size only.
      if (file.found === "by-name") return file.size === bytes.length ? bytes : new Uint8Array(0);
      return patiently(async () => client.storageGetFile(await client.getDownloadInfo(file.id)));
    },
    close: () => server.close(),
  };
}

async function basespace(seed: number): Promise<Soaked> {
  const { createBasespaceServer } = await import("@partwise/protocol-basespace/server");
  const { createBasespaceClient, upload } = await import("@partwise/protocol-basespace");
  const server = await createBasespaceServer({ tokens: [TOKEN], faults: faults(seed) });
  const base = `${(await server.listen()).url}/v1pre3`;
  const client = createBasespaceClient({ baseUrl: base, token: TOKEN });
  return {
    async run(bytes, name, journal) {
      const file = await upload(new Blob([bytes]), {
        client,
        appResultId: "5",
        name,
        journal,
        keepOnAbort: true,
        retry,
      } as Parameters<typeof upload>[1]);
      return patiently(async () => {
        const answer = await fetch(`${base}/files/${file.id}/content?redirect=false`, {
          headers: { "x-access-token": TOKEN },
        });
        if (!answer.ok) throw new Error(`download ${answer.status}`);
        return new Uint8Array(await answer.arrayBuffer());
      });
    },
    close: () => server.close(),
  };
}

const PROTOCOLS = { youforce, cavatica, basespace } as const;

async function soak(protocol: keyof typeof PROTOCOLS): Promise<boolean> {
  const target = await PROTOCOLS[protocol](SEED * 10);
  const counts = { uploads: 0, firstRun: 0, rerun1: 0, rerun2: 0, rerun3: 0, failed: 0, falseSuccess: 0 };
  const causes = new Map<string, number>();
  try {
    for (let i = 0; i < UPLOADS; i++) {
      counts.uploads++;
      const bytes = new Uint8Array(
        randomBytes(100 * KiB + Math.floor(Math.random() * 600 * KiB)),
      ) as Uint8Array<ArrayBuffer>;
      const journal = memoryJournal();
      const name = `soak-${protocol}-${SEED}-${i}.bin`;
      let done = false;
      for (let run = 0; run <= 3 && !done; run++) {
        try {
          const stored = await target.run(bytes, name, journal);
          done = true;
          if (!Buffer.from(stored).equals(Buffer.from(bytes))) counts.falseSuccess++;
          else if (run === 0) counts.firstRun++;
          else counts[`rerun${run}` as "rerun1"]++;
        } catch (error) {
          const cause = (error as { code?: string }).code ?? (error as Error).name;
          causes.set(cause, (causes.get(cause) ?? 0) + 1);
        }
      }
      if (!done) counts.failed++;
    }
  } finally {
    await target.close();
  }
  const failedRuns = [...causes].map(([c, n]) => `${c}×${n}`).join(", ") || "none";
  console.log(
    `${protocol}: ${counts.uploads} uploads; done on the first run ${counts.firstRun}, after 1/2/3 reruns ${counts.rerun1}/${counts.rerun2}/${counts.rerun3}; still failing after 3 reruns ${counts.failed}; false success ${counts.falseSuccess} (failed runs: ${failedRuns})`,
  );
  return counts.failed === 0 && counts.falseSuccess === 0;
}

const chosen = (
  process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(PROTOCOLS)
) as (keyof typeof PROTOCOLS)[];
let ok = true;
for (const protocol of chosen) ok = (await soak(protocol)) && ok;
process.exitCode = ok ? 0 : 1;
