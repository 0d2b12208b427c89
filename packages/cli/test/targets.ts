/** The three reference servers as `partwise upload` tests use them: base URL, request log, target flags, download. */
import type { ReferenceServer, ServerLogEntry } from "@partwise/node";
import { createBasespaceServer } from "@partwise/protocol-basespace/server";
import { createCavaticaServer } from "@partwise/protocol-cavatica/server";
import { createYouforceServer } from "@partwise/protocol-youforce/server";

export const TOKEN = "cli-token";

export type ProtocolName = "basespace" | "cavatica" | "youforce";

export interface Target {
  readonly server: ReferenceServer;
  readonly base: string;
  readonly log: ServerLogEntry[];
  readonly flags: string[];
  readonly partOp: string;
  download(id: string): Promise<Uint8Array>;
}

export async function start(protocol: ProtocolName, extra: Record<string, unknown> = {}): Promise<Target> {
  const log: ServerLogEntry[] = [];
  const options = { tokens: [TOKEN], log: (e: ServerLogEntry) => log.push(e), ...extra };
  if (protocol === "basespace") {
    const server = await createBasespaceServer(options);
    const base = `${(await server.listen()).url}/v1pre3`;
    return {
      server,
      base,
      log,
      flags: ["--app-result", "77"],
      partOp: "uploadFilePart",
      download: async (id) =>
        new Uint8Array(
          await (
            await fetch(`${base}/files/${id}/content?redirect=false`, {
              headers: { "x-access-token": TOKEN },
            })
          ).arrayBuffer(),
        ),
    };
  }
  if (protocol === "cavatica") {
    const server = await createCavaticaServer(options);
    const base = `${(await server.listen()).url}/v2`;
    return {
      server,
      base,
      log,
      flags: ["--project", "team/cli"],
      partOp: "storagePutPart",
      download: async (id) => {
        const info = (await (
          await fetch(`${base}/files/${id}/download_info`, { headers: { "x-sbg-auth-token": TOKEN } })
        ).json()) as {
          url: string;
        };
        return new Uint8Array(await (await fetch(info.url)).arrayBuffer());
      },
    };
  }
  const server = await createYouforceServer(options);
  const base = `${(await server.listen()).url}/v1.0`;
  return {
    server,
    base,
    log,
    flags: ["--business-type-id", "7100"],
    partOp: "uploadChunk",
    download: async (id) =>
      new Uint8Array(
        await (
          await fetch(`${base}/files/${id}?role=publisher`, { headers: { authorization: `Bearer ${TOKEN}` } })
        ).arrayBuffer(),
      ),
  };
}
