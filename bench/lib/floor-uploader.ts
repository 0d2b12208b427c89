/**
 * The FLOOR of a Node uploader: what any uploader of these protocols must do and nothing else.
 * Each part is read from the file into a buffer its lane reuses, hashed (MD5, for its
 * `Content-MD5`), and `PUT` with `node:http` over keep-alive connections, `concurrency` parts in
 * flight; the server's answer (the part's hex MD5, from `floor-server.ts`) must match. No protocol
 * calls, no retries, no journal, no whole-file check: `floor.bench.ts` measures it, so a target for
 * `partwise upload` can be read against what the machine allows at all.
 */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { Agent, request } from "node:http";

export interface FloorUpload {
  readonly seconds: number;
  /** CPU seconds of this process during the upload (user, system). */
  readonly cpu: { readonly user: number; readonly system: number };
  readonly parts: number;
}

export async function floorUpload(
  baseUrl: string,
  file: string,
  size: number,
  options: { readonly partSize: number; readonly concurrency: number },
): Promise<FloorUpload> {
  const handle = await open(file, "r");
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  let next = 0;
  let parts = 0;
  const lane = async (): Promise<void> => {
    const buffer = Buffer.allocUnsafeSlow(Math.min(options.partSize, size));
    for (;;) {
      const offset = next;
      if (offset >= size) return;
      next += options.partSize;
      const number = ++parts;
      const length = Math.min(options.partSize, size - offset);
      for (let read = 0; read < length; ) {
        const { bytesRead } = await handle.read(buffer, read, length - read, offset + read);
        if (bytesRead === 0) throw new Error(`${file} ended at byte ${offset + read}`);
        read += bytesRead;
      }
      const body = buffer.subarray(0, length);
      const md5 = createHash("md5").update(body).digest();
      const answer = await put(`${baseUrl}/parts/${number}`, body, md5.toString("base64"), agent);
      if (answer !== md5.toString("hex")) throw new Error(`part ${number}: the server hashed ${answer}`);
    }
  };
  const before = process.cpuUsage();
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: options.concurrency }, lane));
  } finally {
    agent.destroy();
    await handle.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(before);
  return { seconds, cpu: { user: cpu.user / 1e6, system: cpu.system / 1e6 }, parts };
}

function put(url: string, body: Uint8Array, contentMd5: string, agent: Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "PUT",
        agent,
        headers: { "content-length": String(body.length), "content-md5": contentMd5 },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () =>
          res.statusCode === 200
            ? resolve(text.trim())
            : reject(new Error(`HTTP ${res.statusCode}: ${text}`)),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
