/** The Node transport against a real local HTTP server (node:http). */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isAbortError, isNetworkError } from "../src/classify.ts";
import { createFetch } from "../src/fetch-node.ts";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  length: number;
  md5: string;
  text: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
  const hash = createHash("md5");
  const head: Buffer[] = [];
  let length = 0;
  req.on("data", (chunk: Buffer) => {
    hash.update(chunk);
    if (length < 1024) head.push(chunk);
    length += chunk.length;
  });
  req.on("end", () => {
    const record: Seen = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      length,
      md5: hash.digest("hex"),
      text: Buffer.concat(head).toString("utf8").slice(0, 1024),
    };
    seen.push(record);
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/empty") {
      res.writeHead(204, { "x-kind": "empty" }).end();
    } else if (path === "/slow") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("partial");
      // Never ends: the client aborts.
    } else if (path === "/hang") {
      // Never answers.
    } else if (path === "/redirect") {
      res.writeHead(302, { location: "/echo?from=redirect" }).end();
    } else {
      res.setHeader("set-cookie", ["a=1", "b=2"]);
      res.setHeader("x-multi", ["one", "two"]);
      res.writeHead(201, "Made It", { "content-type": "application/json" });
      res.end(JSON.stringify(record));
    }
  });
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const fetch = createFetch();

describe("createFetch (Node)", () => {
  test("returns an injected fetch unchanged", () => {
    const injected = async () => new Response("x");
    expect(createFetch({ fetch: injected })).toBe(injected);
  });

  test.each(["GET", "POST", "PUT", "DELETE", "PATCH"])("%s with headers both ways", async (method) => {
    const response = await fetch(`${base}/echo?q=1`, {
      method,
      headers: { "x-custom": "value", Authorization: "Bearer t" },
    });
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(201);
    expect(response.statusText).toBe("Made It");
    expect(response.ok).toBe(true);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("x-multi")).toBe("one, two");
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    const echoed = (await response.json()) as Seen;
    expect(echoed.method).toBe(method);
    expect(echoed.url).toBe("/echo?q=1");
    expect(echoed.headers["x-custom"]).toBe("value");
    expect(echoed.headers.authorization).toBe("Bearer t");
    expect(echoed.length).toBe(0);
  });

  test("a byte body is sent as is, with its Content-Length", async () => {
    const bytes = new Uint8Array(1000).map((_, i) => i % 251);
    const view = bytes.subarray(100, 900);
    const response = await fetch(`${base}/echo`, { method: "PUT", body: view });
    const echoed = (await response.json()) as Seen;
    expect(echoed.length).toBe(800);
    expect(echoed.headers["content-length"]).toBe("800");
    expect(echoed.md5).toBe(createHash("md5").update(view).digest("hex"));
  });

  test("a string body is sent as UTF-8 text", async () => {
    const response = await fetch(`${base}/echo`, { method: "POST", body: "héllo" });
    const echoed = (await response.json()) as Seen;
    expect(echoed.text).toBe("héllo");
    expect(echoed.headers["content-length"]).toBe("6");
    expect(echoed.headers["content-type"]).toBe("text/plain;charset=UTF-8");
  });

  test("an empty body and a Blob body", async () => {
    const empty = (await (
      await fetch(`${base}/echo`, { method: "PUT", body: new Uint8Array(0) })
    ).json()) as Seen;
    expect(empty.length).toBe(0);
    expect(empty.headers["content-length"]).toBe("0");
    const blob = new Blob(["blob bytes"], { type: "application/x-test" });
    const sent = (await (await fetch(`${base}/echo`, { method: "PUT", body: blob })).json()) as Seen;
    expect(sent.text).toBe("blob bytes");
    expect(sent.headers["content-type"]).toBe("application/x-test");
  });

  test("a stream body goes through undici's fetch", async () => {
    const stream = new Blob(["streamed"]).stream();
    const response = await fetch(`${base}/echo`, {
      method: "PUT",
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(((await response.json()) as Seen).text).toBe("streamed");
  });

  test("a 204 and a HEAD have a null body", async () => {
    const empty = await fetch(`${base}/empty`, { method: "DELETE" });
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
    expect(empty.headers.get("x-kind")).toBe("empty");
    const head = await fetch(`${base}/echo`, { method: "HEAD" });
    expect(head.status).toBe(201);
    expect(head.body).toBeNull();
  });

  test("redirects are followed, or returned with redirect: manual", async () => {
    const manual = await fetch(`${base}/redirect`, { redirect: "manual" });
    expect(manual.status).toBe(302);
    expect(manual.headers.get("location")).toBe("/echo?from=redirect");
    await manual.body?.cancel();
    const followed = await fetch(`${base}/redirect`);
    expect(followed.status).toBe(201);
    expect(followed.redirected).toBe(true);
    expect(((await followed.json()) as Seen).url).toBe("/echo?from=redirect");
  });

  test("a 25 MB body arrives intact", async () => {
    const bytes = new Uint8Array(25_000_000);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = (i / 4096) % 256;
    bytes[bytes.length - 1] = 7;
    const response = await fetch(`${base}/echo`, { method: "PUT", body: bytes });
    const echoed = (await response.json()) as Seen;
    expect(echoed.length).toBe(bytes.length);
    expect(echoed.md5).toBe(createHash("md5").update(bytes).digest("hex"));
  });

  test("abort before the answer rejects with the signal's reason", async () => {
    const controller = new AbortController();
    const pending = fetch(`${base}/hang`, {
      method: "PUT",
      body: new Uint8Array(10),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    const error = await pending.catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    const reason = new Error("stop");
    const again = new AbortController();
    const second = fetch(`${base}/hang`, { signal: again.signal });
    setTimeout(() => again.abort(reason), 50);
    await expect(second).rejects.toBe(reason);
    const already = AbortSignal.abort();
    await expect(fetch(`${base}/echo`, { signal: already })).rejects.toMatchObject({ name: "AbortError" });
  });

  test("abort while the body is read errors the body", async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}/slow`, { signal: controller.signal });
    expect(response.status).toBe(200);
    const reading = response.text();
    setTimeout(() => controller.abort(), 50);
    const error = await reading.catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
  });

  test("a refused connection is a network error", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const error = await fetch(`http://127.0.0.1:${port}/`, { method: "PUT", body: new Uint8Array(3) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(isNetworkError(error)).toBe(true);
  });
});
