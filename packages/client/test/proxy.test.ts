/** HTTP_PROXY / HTTPS_PROXY / NO_PROXY in Node: requests go through the proxy unless excluded. */
import { createServer, request as httpRequest } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createFetch, envDispatcher } from "../src/fetch-node.ts";

let origin: ReturnType<typeof createServer>;
let proxy: ReturnType<typeof createServer>;
let target: string;
let proxyUrl: string;
const proxied: string[] = [];

beforeAll(async () => {
  origin = createServer((req, res) => {
    let length = 0;
    req.on("data", (chunk: Buffer) => (length += chunk.length));
    req.on("end", () => res.end(`${req.method} ${length}`));
  });
  await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
  target = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  // A minimal forward proxy: CONNECT tunnels and absolute-form requests, each one recorded.
  proxy = createServer((req, res) => {
    proxied.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? "");
    const upstream = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  proxy.on("connect", (req, socket, head) => {
    proxied.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? "").split(":");
    const upstream = connect(Number(port), host, () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  origin.closeAllConnections();
  proxy.closeAllConnections();
  await Promise.all([
    new Promise((resolve) => origin.close(resolve)),
    new Promise((resolve) => proxy.close(resolve)),
  ]);
});

test("HTTP_PROXY: byte bodies and plain GETs go through the proxy", async () => {
  proxied.length = 0;
  const fetch = createFetch({ dispatcher: envDispatcher({ HTTP_PROXY: proxyUrl }) });
  const put = await fetch(`${target}/part`, { method: "PUT", body: new Uint8Array(1000) });
  expect(await put.text()).toBe("PUT 1000");
  const get = await fetch(`${target}/x`);
  expect(await get.text()).toBe("GET 0");
  expect(proxied.length).toBeGreaterThan(0);
  expect(proxied.every((line) => line.includes(target.replace("http://", "")))).toBe(true);
});

test("NO_PROXY: an excluded host is reached directly", async () => {
  proxied.length = 0;
  const fetch = createFetch({ dispatcher: envDispatcher({ HTTP_PROXY: proxyUrl, NO_PROXY: "127.0.0.1" }) });
  const answer = await fetch(`${target}/y`, { method: "POST", body: "abc" });
  expect(await answer.text()).toBe("POST 3");
  expect(proxied).toEqual([]);
});

test("no proxy variable: a plain pooled agent, nothing through the proxy", async () => {
  proxied.length = 0;
  const fetch = createFetch({ dispatcher: envDispatcher({}) });
  expect(await (await fetch(`${target}/z`)).text()).toBe("GET 0");
  expect(proxied).toEqual([]);
});
