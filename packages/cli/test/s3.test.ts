/**
 * The reference servers on a real S3 (Ceph's RADOS Gateway, test-support/rgw-setup.ts):
 * `partwise serve --storage s3` and `partwise upload` for each protocol, every byte read back
 * through the protocol and present as objects in the bucket. On CAVATICA the client PUTs its parts
 * to RGW's presigned URLs: the server itself never sees a part (no `storagePutPart` in its log).
 */
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Store } from "@partwise/node/s3";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { testBucket } from "../../../test-support/s3-tests.ts";
import { firstLine, partwise, runPartwise } from "./helpers.ts";

const MiB = 1024 * 1024;
const TOKEN = "cli-s3-token";
const s3 = inject("partwiseS3");
const bucket = testBucket("cli");

type Protocol = "basespace" | "cavatica" | "youforce";

const FLAGS: Record<Protocol, string[]> = {
  basespace: ["--app-result", "77"],
  cavatica: ["--project", "team/s3"],
  youforce: ["--business-type-id", "7100"],
};

/** Reads a file back through the protocol's own download path (no S3 credentials needed). */
async function download(protocol: Protocol, base: string, id: string): Promise<Uint8Array> {
  let url: string;
  let headers: Record<string, string> = {};
  if (protocol === "basespace") {
    const meta = (await (
      await fetch(`${base}/files/${id}/content?redirect=meta`, { headers: { "x-access-token": TOKEN } })
    ).json()) as { Response: { HrefContent: string } };
    url = meta.Response.HrefContent;
  } else if (protocol === "cavatica") {
    const info = (await (
      await fetch(`${base}/files/${id}/download_info`, { headers: { "x-sbg-auth-token": TOKEN } })
    ).json()) as { url: string };
    url = info.url;
  } else {
    url = `${base}/files/${id}?role=publisher`;
    headers = { authorization: `Bearer ${TOKEN}` };
  }
  // BaseSpace's redirect=meta and CAVATICA's download_info hand out presigned S3 GETs.
  if (protocol !== "youforce") expect(url.startsWith(`${s3?.endpoint}/`)).toBe(true);
  const answer = await fetch(url, { headers });
  expect(answer.status).toBe(200);
  return new Uint8Array(await answer.arrayBuffer());
}

describe.skipIf(s3 === undefined)("partwise serve --storage s3 (RGW)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "partwise-cli-s3-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test.each(["basespace", "cavatica", "youforce"] as const)(
    "%s: partwise upload in several parts; the bytes read back and sit as objects in the bucket",
    async (protocol) => {
      if (s3 === undefined) throw new Error("no S3 endpoint");
      const env = {
        AWS_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
        AWS_REGION: s3.region,
      };
      const prefix = `cli-${protocol}`;
      const server = partwise(
        [
          "serve",
          "--protocol",
          protocol,
          "--token",
          TOKEN,
          "--storage",
          "s3",
          "--s3-endpoint",
          s3.endpoint,
          "--s3-bucket",
          bucket,
          "--s3-prefix",
          prefix,
        ],
        env,
      );
      let log = "";
      server.stderr.on("data", (d) => (log += d));
      try {
        const base = await firstLine(server);
        const bytes = randomBytes(11 * MiB + 123);
        const file = join(dir, `${protocol}.bin`);
        await writeFile(file, bytes);
        const { code, stdout, stderr } = await runPartwise([
          "upload",
          file,
          "--protocol",
          protocol,
          "--base-url",
          base,
          "--token",
          TOKEN,
          ...FLAGS[protocol],
          "--part-size",
          String(5 * MiB),
          "--json",
          "--quiet",
        ]);
        expect(code, stderr).toBe(0);
        const result = JSON.parse(stdout) as { id: string; size: number; parts: number };
        expect(result.size).toBe(bytes.length);
        // BaseSpace and YouForce may send a file this size in one request; CAVATICA always in parts.
        if (protocol === "cavatica") expect(result.parts).toBe(3);
        expect(Buffer.from(await download(protocol, base, result.id)).equals(bytes)).toBe(true);

        const store = await S3Store.open(join(dir, `${protocol}-reader`), { ...s3, bucket, prefix });
        try {
          const keys = await store.listBlobs();
          expect(keys.length).toBeGreaterThan(0);
          let stored = 0;
          for (const key of keys) stored += (await store.size(key)) ?? 0;
          expect(stored).toBe(bytes.length);
        } finally {
          store.close();
        }
        if (protocol === "cavatica") {
          // The parts went to RGW's presigned URLs: the server's log shows no storage PUT.
          expect(log).toMatch(/POST \/v2\/upload\/multipart\/\w+\/complete 200/);
          expect(log).not.toMatch(/PUT \/v2\/storage\//);
        }
      } finally {
        server.kill("SIGTERM");
        await once(server, "exit");
      }
    },
    180_000,
  );

  test("bad --storage flags are usage errors (exit 2)", async () => {
    const cases: [string[], RegExp][] = [
      [["--s3-bucket", "b"], /--s3-bucket applies to --storage s3 only/],
      [["--storage", "s3", "--s3-bucket", "b"], /--s3-endpoint/],
      [["--storage", "tape"], /--storage must be disk or s3/],
    ];
    for (const [flags, message] of cases) {
      const { code, stderr } = await runPartwise(["serve", "--protocol", "cavatica", ...flags]);
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
    }
  });
});
