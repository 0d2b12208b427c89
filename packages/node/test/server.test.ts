/** composeServer and resolveDataDir: faults, CORS and a redacted log around a protocol handler. */
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import {
  ConnectionResetSignal,
  composeServer,
  parseFaultSpec,
  resolveDataDir,
  type ServerLogEntry,
} from "../src/index.ts";
import { exchange } from "./helpers.ts";

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

const protocol = {
  operationOf: (request: Request) => {
    const path = new URL(request.url).pathname;
    return path.startsWith("/parts") ? "uploadPart" : path === "/boom" ? "boom" : undefined;
  },
  errorResponse: (status: number, message: string) =>
    Response.json({ ResponseStatus: { Message: message } }, { status }),
};

const handler = async (request: Request) => {
  const path = new URL(request.url).pathname;
  if (path === "/boom") throw new Error("storage failed");
  if (path === "/reset") throw new ConnectionResetSignal("reset");
  await request.arrayBuffer();
  return new Response("ok", { headers: { etag: '"abc"' } });
};

describe("composeServer", () => {
  test("wraps the handler with faults, CORS and a log whose paths carry no secrets", async () => {
    const log: ServerLogEntry[] = [];
    const server = composeServer({
      handler,
      dataDir: "/unused",
      options: {
        tokens: ["TOKEN-1234567"],
        faults: [parseFaultSpec("op=uploadPart,status=503,count=1")],
        cors: { origins: ["https://app.test"] },
        log: (entry) => log.push(entry),
      },
      ...protocol,
    });
    const call = (path: string, init: RequestInit = {}) =>
      server.handler(new Request(`http://h${path}`, init));

    const injected = await call("/parts/1?access_token=TOKEN-1234567", { method: "PUT", body: "x" });
    expect(injected.status).toBe(503);
    expect(await injected.json()).toEqual({ ResponseStatus: { Message: "injected fault: status 503" } });
    const fine = await call("/parts/1?sig=abcdef", {
      method: "PUT",
      body: "x",
      headers: { origin: "https://app.test" },
    });
    expect(fine.status).toBe(200);
    expect(fine.headers.get("access-control-expose-headers")).toContain("ETag");
    await expect(call("/boom")).rejects.toThrow("storage failed");
    await expect(call("/reset")).rejects.toBeInstanceOf(ConnectionResetSignal);

    expect(log.map(({ ms, ...rest }) => rest)).toEqual([
      {
        method: "PUT",
        path: "/parts/1?access_token=[redacted]",
        status: 503,
        op: "uploadPart",
        fault: "status",
      },
      { method: "PUT", path: "/parts/1?sig=[redacted]", status: 200, op: "uploadPart", fault: undefined },
      { method: "GET", path: "/boom", status: 500, op: "boom", fault: undefined },
      { method: "GET", path: "/reset", status: "reset", op: undefined, fault: undefined },
    ]);
    expect(JSON.stringify(log)).not.toContain("TOKEN-1234567");
    for (const entry of log) expect(entry.ms).toBeGreaterThanOrEqual(0);
  });

  test("without configured tokens, the tokens a request carries are redacted wherever they appear in the log", async () => {
    const log: ServerLogEntry[] = [];
    const server = composeServer({
      handler,
      dataDir: "/unused",
      options: { log: (entry) => log.push(entry) },
      ...protocol,
    });
    const carriers: [string, Record<string, string>][] = [
      ["SBG-TOKEN-123", { "x-sbg-auth-token": "SBG-TOKEN-123" }],
      ["BEARER-TOKEN-456", { authorization: "Bearer BEARER-TOKEN-456" }],
      ["BS-TOKEN-789", { "x-access-token": "BS-TOKEN-789" }],
      ["RAW-AUTH-0ab", { authorization: "RAW-AUTH-0ab" }],
    ];
    for (const [token, headers] of carriers) {
      const response = await server.handler(
        new Request(`http://h/files/${token}/x?auth=${encodeURIComponent(token)}&q=${token}`, { headers }),
      );
      expect(response.status).toBe(200);
    }
    // A token in the query under its name, and again under another.
    await server.handler(new Request("http://h/files/QUERY-TOKEN-1?access_token=QUERY-TOKEN-1"));
    const text = JSON.stringify(log);
    for (const token of [...carriers.map(([token]) => token), "QUERY-TOKEN-1"])
      expect(text).not.toContain(token);
    expect(log[0]?.path).toBe("/files/[redacted]/x?auth=[redacted]&q=[redacted]");
  });

  test("listen serves the composed handler; close stops every listener, cleans up once, in order", async () => {
    const order: string[] = [];
    const server = composeServer({
      handler,
      dataDir: "/unused",
      options: {},
      ...protocol,
      cleanup: async () => {
        order.push("cleanup");
      },
      removeDataDir: async () => {
        order.push("removeDataDir");
      },
    });
    const a = await server.listen();
    const b = await server.listen({ host: "127.0.0.1" });
    expect(
      (await exchange(`${a.url}/parts/1`, { method: "PUT", body: new Uint8Array(3) })).body.toString(),
    ).toBe("ok");
    await Promise.all([server.close(), server[Symbol.asyncDispose]()]);
    expect(order).toEqual(["cleanup", "removeDataDir"]);
    expect(a.server.listening).toBe(false);
    expect(b.server.listening).toBe(false);
    await expect(server.listen()).rejects.toThrow(/closed/);
  });

  test("the data directory is removed even when the protocol's cleanup fails", async () => {
    const removeDataDir = vi.fn(async () => {});
    const server = composeServer({
      handler,
      dataDir: "/unused",
      options: {},
      ...protocol,
      cleanup: async () => {
        throw new Error("busy");
      },
      removeDataDir,
    });
    await expect(server.close()).rejects.toThrow("busy");
    expect(removeDataDir).toHaveBeenCalledTimes(1);
  });
});

describe("resolveDataDir", () => {
  test("a given directory is used as it is and never removed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "partwise-given-"));
    try {
      const resolved = await resolveDataDir(dir, "basespace");
      expect(resolved.dir).toBe(dir);
      await resolved.cleanup();
      expect(await exists(dir)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("without one, a fresh temp directory is made, and cleanup removes it", async () => {
    const first = await resolveDataDir(undefined, "cavatica");
    const second = await resolveDataDir(undefined, "cavatica");
    expect(first.dir).not.toBe(second.dir);
    expect(first.dir).toContain("partwise-cavatica-");
    expect(await exists(first.dir)).toBe(true);
    await first.cleanup();
    await second.cleanup();
    expect(await exists(first.dir)).toBe(false);
  });
});
