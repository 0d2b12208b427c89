/** The listener over real sockets: fetch, node:http, and raw bytes where the wire matters. */

import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import {
  BlobTooLargeError,
  ConnectionResetSignal,
  DiskStore,
  listen,
  resetConnection,
  toRequest,
} from "../src/index.ts";
import {
  deferred,
  eventually,
  exchange,
  MiB,
  md5Hex,
  parseResponses,
  patternBytes,
  RawClient,
  readAll,
  withServer,
} from "./helpers.ts";

/** Counts the TCP connections a server accepts, to tell keep-alive from reconnects. */
function connections(server: { server: import("node:http").Server }): { count: number; sockets: Socket[] } {
  const seen = { count: 0, sockets: [] as Socket[] };
  server.server.on("connection", (socket: Socket) => {
    seen.count += 1;
    seen.sockets.push(socket);
  });
  return seen;
}

describe("requests and responses", () => {
  test("method, URL, headers and body reach the handler; status, headers and body reach the client", async () => {
    await withServer(
      async (request) => {
        const body = await request.text();
        const url = new URL(request.url);
        return new Response(
          `${request.method} ${url.pathname}${url.search} ${request.headers.get("x-a")} ${body}`,
          {
            status: 201,
            statusText: "Made",
            headers: [
              ["etag", '"abc"'],
              ["set-cookie", "a=1"],
              ["set-cookie", "b=2"],
            ],
          },
        );
      },
      async ({ url }) => {
        const response = await exchange(`${url}/files/1?x=y`, {
          method: "PUT",
          headers: { "x-a": "one" },
          body: new TextEncoder().encode("hello"),
        });
        expect(response.status).toBe(201);
        expect(response.body.toString()).toBe("PUT /files/1?x=y one hello");
        expect(response.headers.etag).toBe('"abc"');
        expect(response.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
      },
    );
  });

  test("a handler failure is a 500 reported to onError, and the server goes on", async () => {
    const onError = vi.fn();
    await withServer(
      (request) => {
        if (new URL(request.url).pathname === "/boom") throw new Error("boom");
        return new Response("fine");
      },
      async ({ url }) => {
        const failed = await fetch(`${url}/boom`);
        expect(failed.status).toBe(500);
        expect(await failed.json()).toEqual({ message: "internal error" });
        expect(onError).toHaveBeenCalledTimes(1);
        expect((onError.mock.calls[0]![0] as Error).message).toBe("boom");
        expect(await (await fetch(url)).text()).toBe("fine");
      },
      { onError },
    );
  });

  test("a Host header that is not a valid authority does not crash the server", async () => {
    await withServer(
      (request) => new Response(new URL(request.url).pathname),
      async ({ url }) => {
        const client = await RawClient.connect(url);
        await client.write("GET /p HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n");
        const [response] = parseResponses(await client.until((t) => parseResponses(t).length === 1));
        expect(response?.status).toBe(200);
        expect(response?.body).toBe("/p");
        expect((await fetch(url)).status).toBe(200);
      },
    );
  });

  test("HEAD gets the headers without a body, and the body stream is cancelled", async () => {
    const cancelled = deferred();
    await withServer(
      () =>
        new Response(
          new ReadableStream({
            pull: (c) => c.enqueue(new Uint8Array(10)),
            cancel: () => cancelled.resolve(),
          }),
          { headers: { "content-length": "10" } },
        ),
      async ({ url }) => {
        const response = await exchange(url, { method: "HEAD" });
        expect(response.status).toBe(200);
        expect(response.headers["content-length"]).toBe("10");
        expect(response.body.length).toBe(0);
        await cancelled.promise;
      },
    );
  });

  test("a response body that fails mid-way breaks the response instead of ending it short", async () => {
    await withServer(
      () => {
        let sent = 0;
        return new Response(
          new ReadableStream({
            pull(controller) {
              if (sent++ < 3) controller.enqueue(new Uint8Array(1024));
              else controller.error(new Error("disk failed"));
            },
          }),
          { headers: { "content-length": String(10 * 1024) } },
        );
      },
      async ({ url }) => {
        await expect(exchange(url)).rejects.toThrow();
        await expect(fetch(url).then((r) => r.arrayBuffer())).rejects.toThrow();
      },
    );
  });

  test("toRequest turns a plain node:http request into a Request whose body streams", async () => {
    const seen = deferred<{ method: string; url: string; header: string | null; body: string }>();
    const server = createServer(async (req, res) => {
      const request = toRequest(req, "http://origin.test");
      seen.resolve({
        method: request.method,
        url: request.url,
        header: request.headers.get("x-b"),
        body: await request.text(),
      });
      res.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await exchange(`http://127.0.0.1:${port}/a?b=c`, {
        method: "POST",
        headers: { "x-b": "B", host: "example.test" },
        body: new TextEncoder().encode("payload"),
      });
      expect(await seen.promise).toEqual({
        method: "POST",
        url: "http://example.test/a?b=c",
        header: "B",
        body: "payload",
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("streaming with backpressure", () => {
  test("a large body streams through intact, and the socket is read no faster than the handler reads", async () => {
    const size = 32 * MiB;
    const bytes = patternBytes(size, 7);
    const release = deferred();
    const waiting = deferred();
    await withServer(
      async (request) => {
        waiting.resolve();
        await release.promise;
        return new Response(md5Hex(await readAll(request.body)));
      },
      async (server) => {
        const conns = connections(server);
        const answer = exchange(`${server.url}/`, { method: "PUT", body: bytes });
        await waiting.promise;
        // Give the client every chance to push the body; only buffers (Node's 16 KiB high-water
        // mark, one 64 KiB read, the kernel's socket buffers on the client side) may take any.
        await new Promise((resolve) => setTimeout(resolve, 200));
        const taken = conns.sockets[0]!.bytesRead;
        expect(taken).toBeLessThan(2 * MiB);
        release.resolve();
        const response = await answer;
        expect(response.body.toString()).toBe(md5Hex(bytes));
        expect(conns.sockets[0]!.bytesRead).toBeGreaterThan(size);
      },
    );
  });

  test("a large response is produced no faster than the client reads it", async () => {
    const chunk = patternBytes(64 * 1024, 3);
    const total = 64 * MiB;
    let produced = 0;
    await withServer(
      () =>
        new Response(
          new ReadableStream<Uint8Array>(
            {
              pull(controller) {
                if (produced >= total) return controller.close();
                produced += chunk.length;
                controller.enqueue(chunk);
              },
            },
            { highWaterMark: 0 },
          ),
        ),
      async ({ url }) => {
        const client = await RawClient.connect(url);
        // Pause reading at once: only the kernel buffers and Node's high-water mark may fill up.
        client.socket.pause();
        await client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await eventually(() => produced > 0, "the response started");
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(produced).toBeLessThan(16 * MiB);
        client.socket.resume();
        await client.waitFor(() => client.received > total);
        expect(produced).toBe(total);
        client.destroy();
      },
    );
  });

  test("a handler may echo the request body as its response while it streams in", async () => {
    const bytes = patternBytes(5 * MiB, 11);
    await withServer(
      (request) => new Response(request.body),
      async ({ url }) => {
        const response = await fetch(url, { method: "PUT", body: bytes });
        expect(md5Hex(new Uint8Array(await response.arrayBuffer()))).toBe(md5Hex(bytes));
      },
    );
  });
});

describe("refusals: answering before reading the request body", () => {
  test("a refusal of a large body reaches fetch in full, every time, and announces the close", async () => {
    const body = patternBytes(25 * MiB, 5);
    await withServer(
      () => new Response("too large", { status: 413 }),
      async ({ url }) => {
        for (let i = 0; i < 5; i++) {
          const response = await fetch(url, { method: "PUT", body });
          expect(response.status).toBe(413);
          expect(response.headers.get("connection")).toBe("close");
          expect(await response.text()).toBe("too large");
        }
        // The server is still well.
        expect((await fetch(url, { method: "PUT", body: "x" })).status).toBe(413);
      },
    );
  });

  test("after refusing a large body the server lingers: the client may finish sending and sees a clean close", async () => {
    await withServer(
      () => new Response("too large", { status: 413 }),
      async ({ url }) => {
        const client = await RawClient.connect(url);
        const size = 8 * MiB;
        await client.write(`PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\n\r\n`);
        const [answer] = parseResponses(await client.until((t) => parseResponses(t).length === 1));
        expect(answer?.status).toBe(413);
        expect(answer?.headers.connection).toBe("close");
        // The client goes on sending the body it had started, then closes its side.
        const chunk = patternBytes(MiB);
        for (let sent = 0; sent < size; sent += chunk.length) await client.write(chunk);
        client.socket.end();
        await new Promise((resolve) => client.socket.once("close", resolve));
        expect(client.writeError).toBeUndefined();
        expect(await client.ended).toBe("end");
      },
    );
  });

  test("a refused small body is read off the wire, so the next request on the connection is intact", async () => {
    const body = "x".repeat(100_000);
    await withServer(
      (request) => {
        if (request.method === "PUT") return new Response("no", { status: 409 });
        return new Response(`second ${new URL(request.url).pathname}`);
      },
      async (server) => {
        const conns = connections(server);
        const client = await RawClient.connect(server.url);
        await client.write(`PUT /first HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
        await client.write(body);
        await client.write("GET /second HTTP/1.1\r\nHost: x\r\n\r\n");
        const responses = parseResponses(await client.until((t) => parseResponses(t).length === 2));
        expect(responses.map((r) => [r.status, r.body, r.headers.connection])).toEqual([
          [409, "no", "keep-alive"],
          [200, "second /second", "keep-alive"],
        ]);
        expect(conns.count).toBe(1);
        client.destroy();
      },
    );
  });

  test("issue: a body refused by DiskStore.ingest's maxBytes crashed the process (Readable.toWeb)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "partwise-node-test-"));
    try {
      const store = await DiskStore.open(dir);
      await withServer(
        async (request) => {
          try {
            await (await store.ingest(request.body, { maxBytes: MiB })).discard();
            return new Response("stored");
          } catch (error) {
            if (error instanceof BlobTooLargeError) return new Response("too large", { status: 413 });
            throw error;
          }
        },
        async ({ url }) => {
          for (const size of [2 * MiB, 25 * MiB]) {
            const response = await fetch(url, { method: "PUT", body: patternBytes(size) });
            expect(response.status).toBe(413);
            expect(await response.text()).toBe("too large");
          }
          expect((await fetch(url, { method: "PUT", body: "small" })).status).toBe(200);
          expect(await readdir(join(dir, "tmp"))).toEqual([]);
        },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("Expect: 100-continue is answered only when the handler reads the body", async () => {
    await withServer(
      async (request) => {
        if (new URL(request.url).pathname === "/refuse") return new Response("no", { status: 403 });
        return new Response(await request.text());
      },
      async ({ url }) => {
        const refused = await RawClient.connect(url);
        await refused.write(
          "PUT /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
        );
        const [answer] = parseResponses(await refused.until((t) => parseResponses(t).length === 1));
        expect(answer?.status).toBe(403);
        expect(answer?.headers.connection).toBe("close");
        refused.destroy();

        const accepted = await RawClient.connect(url);
        await accepted.write(
          "PUT /read HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
        );
        await accepted.until((t) => t.includes("100 Continue"));
        await accepted.write("hello");
        const responses = parseResponses(await accepted.until((t) => parseResponses(t).length === 2));
        expect(responses.map((r) => [r.status, r.body])).toEqual([
          [100, ""],
          [200, "hello"],
        ]);
        accepted.destroy();
      },
    );
  });
});

describe("connection resets and disconnects", () => {
  test("ConnectionResetSignal resets the TCP connection: the client sees ECONNRESET", async () => {
    await withServer(
      async (request) => {
        if (new URL(request.url).pathname === "/helper") resetConnection();
        await request.body?.cancel();
        throw new ConnectionResetSignal("gone");
      },
      async ({ url }) => {
        await expect(exchange(`${url}/`, { method: "PUT", body: patternBytes(1024) })).rejects.toMatchObject({
          code: "ECONNRESET",
        });
        await expect(exchange(`${url}/helper`)).rejects.toMatchObject({ code: "ECONNRESET" });
        await expect(fetch(url)).rejects.toThrow();
        const raw = await RawClient.connect(url);
        await raw.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        expect(await raw.ended).toBe("reset");
        expect(raw.text).toBe("");
      },
    );
  });

  test("a reset signal from another copy of the package is recognised by its brand", () => {
    const foreign = Object.assign(new Error("x"), {
      [Symbol.for("@partwise/node.ConnectionResetSignal")]: true,
    });
    expect(foreign instanceof ConnectionResetSignal).toBe(true);
    expect(new Error("x") instanceof ConnectionResetSignal).toBe(false);
    expect(new ConnectionResetSignal("y")).toMatchObject({
      code: "PW_CONNECTION_RESET",
      name: "ConnectionResetSignal",
    });
  });

  test("a client that disconnects mid-body aborts request.signal and errors the body", async () => {
    const outcome = deferred<{ aborted: boolean; bodyError: string }>();
    await withServer(
      async (request) => {
        const reader = request.body!.getReader();
        let bodyError = "";
        try {
          for (;;) if ((await reader.read()).done) break;
        } catch (error) {
          bodyError = (error as Error).message;
        }
        if (!request.signal.aborted)
          await new Promise((resolve) => request.signal.addEventListener("abort", resolve));
        outcome.resolve({ aborted: request.signal.aborted, bodyError });
        return new Response("unreachable");
      },
      async ({ url }) => {
        const client = await RawClient.connect(url);
        await client.write("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
        await client.write(patternBytes(10_000));
        client.destroy();
        const { aborted, bodyError } = await outcome.promise;
        expect(aborted).toBe(true);
        expect(bodyError).toMatch(/aborted|closed/);
      },
    );
  });

  test("a client that disconnects while the handler works on a GET aborts request.signal", async () => {
    const started = deferred();
    const aborted = deferred<boolean>();
    await withServer(
      async (request) => {
        started.resolve();
        await new Promise((resolve) => request.signal.addEventListener("abort", resolve));
        aborted.resolve(request.signal.aborted);
        return new Response("late");
      },
      async ({ url }) => {
        const client = await RawClient.connect(url);
        await client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await started.promise;
        client.destroy();
        expect(await aborted.promise).toBe(true);
      },
    );
  });

  test("a completed request does not abort its signal", async () => {
    const signals: AbortSignal[] = [];
    await withServer(
      async (request) => {
        signals.push(request.signal);
        await request.arrayBuffer();
        return new Response("ok");
      },
      async ({ url }) => {
        await fetch(url, { method: "PUT", body: "abc" }).then((r) => r.text());
        await fetch(url).then((r) => r.text());
      },
    );
    expect(signals.map((s) => s.aborted)).toEqual([false, false]);
  });
});

describe("limits", () => {
  test("oversized headers get 431 and the server goes on", async () => {
    await withServer(
      () => new Response("ok"),
      async ({ url }) => {
        const client = await RawClient.connect(url);
        await client.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
        const text = await client.until((t) => t.includes("\r\n\r\n"));
        expect(text).toMatch(/^HTTP\/1\.1 431 /);
        expect((await fetch(url)).status).toBe(200);
      },
      { maxHeaderSize: 8 * 1024 },
    );
  });

  test("a malformed request gets 400 and the server goes on", async () => {
    await withServer(
      () => new Response("ok"),
      async ({ url }) => {
        const client = await RawClient.connect(url);
        await client.write("NOT HTTP AT ALL\r\n\r\n");
        expect(await client.until((t) => t.includes("\r\n\r\n"))).toMatch(/^HTTP\/1\.1 400 /);
        expect((await fetch(url)).status).toBe(200);
      },
    );
  });

  test("an idle connection is closed", async () => {
    await withServer(
      () => new Response("ok"),
      async ({ url }) => {
        const client = await RawClient.connect(url);
        expect(["end", "close", "reset"]).toContain(await client.ended);
      },
      { idleTimeoutMs: 50 },
    );
  });
});

/** True once every client's socket has closed. */
const settled = (clients: readonly RawClient[]): boolean => clients.every((c) => c.socket.closed);

describe("too many connections", () => {
  test("requests past maxConnections get 503 with Retry-After and a closed connection; the others go on", async () => {
    await withServer(
      () => new Response("ok"),
      async ({ url }) => {
        const held = [await RawClient.connect(url), await RawClient.connect(url)];
        for (const client of held) await client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        for (const client of held)
          expect(await client.until((t) => t.includes("ok"))).toMatch(/^HTTP\/1\.1 200 /);
        const extra = await RawClient.connect(url);
        await extra.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        const text = await extra.until((t) => t.includes("retry later"));
        expect(text).toMatch(/^HTTP\/1\.1 503 /);
        expect(text.toLowerCase()).toContain("retry-after: 1");
        expect(text.toLowerCase()).toContain("connection: close");
        expect(["end", "close", "reset"]).toContain(await extra.ended);
        held[0]?.socket.destroy();
        held[1]?.socket.destroy();
        await eventually(() => settled(held), "the held connections closed");
        // The server counts a connection gone when its own socket closes, a moment after ours.
        let status = 0;
        for (let i = 0; i < 200 && status !== 200; i++) {
          const again = await fetch(url, { headers: { connection: "close" } });
          status = again.status;
          await again.body?.cancel();
          if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 10));
        }
        expect(status).toBe(200);
      },
      { maxConnections: 2, keepAliveTimeoutMs: 10_000 },
    );
  });
});

describe("close", () => {
  test("close does not hang on idle keep-alive connections, nor on busy ones, and may be called twice", async () => {
    const server = await listen(async (request) => {
      if (new URL(request.url).pathname === "/hang") await new Promise(() => {});
      return new Response("ok");
    });
    const conns = connections(server);
    // fetch keeps its connection alive in its pool; node:http does with an agent.
    expect(await (await fetch(server.url)).text()).toBe("ok");
    const hanging = fetch(`${server.url}/hang`).catch((error: unknown) => error);
    await eventually(() => conns.count >= 1 && conns.sockets.every((s) => !s.destroyed), "connected");
    await Promise.all([server.close(), server.close()]);
    expect(await hanging).toBeInstanceOf(Error);
    expect(server.server.listening).toBe(false);
  });

  test("listen rejects when the port is taken", async () => {
    await withServer(
      () => new Response("ok"),
      async ({ port }) => {
        await expect(listen(() => new Response("x"), { port })).rejects.toMatchObject({ code: "EADDRINUSE" });
      },
    );
  });
});

describe("body idle timeout", () => {
  const WINDOW = 300;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  test("a body that stops arriving while the handler reads it is answered 408 (bodyTimedOut) and its connection closed", async () => {
    const failed = deferred<unknown>();
    await withServer(
      async (request) => {
        try {
          await request.arrayBuffer();
        } catch (error) {
          failed.resolve(error);
          throw error;
        }
        return new Response("read it all");
      },
      async ({ url }) => {
        const client = await RawClient.connect(url);
        await client.write("PUT /p HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
        const [answer] = parseResponses(await client.until((t) => parseResponses(t).length === 1));
        expect(answer?.status).toBe(408);
        expect(answer?.headers.connection).toBe("close");
        expect(JSON.parse(answer?.body ?? "")).toEqual({ envelope: "timed out" });
        expect(await client.ended).not.toBe("reset");
        // The handler's read fails once the connection is closed; its own answer is dropped.
        expect(await failed.promise).toBeInstanceOf(Error);
      },
      {
        bodyIdleTimeoutMs: WINDOW,
        lingerMs: 50,
        bodyTimedOut: () => Response.json({ envelope: "timed out" }, { status: 408 }),
      },
    );
  });

  test("a kept-alive connection idle between requests for many windows is not closed", async () => {
    const seen: number[] = [];
    await withServer(
      async (request) => {
        seen.push((await request.arrayBuffer()).byteLength);
        return new Response("ok");
      },
      async ({ url }) => {
        const client = await RawClient.connect(url);
        await client.write("PUT /1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
        await client.until((t) => parseResponses(t).length === 1);
        await sleep(4 * WINDOW);
        await client.write("PUT /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nde");
        const responses = parseResponses(await client.until((t) => parseResponses(t).length === 2));
        expect(responses.map((r) => r.status)).toEqual([200, 200]);
        expect(seen).toEqual([3, 2]);
        expect(client.writeError).toBeUndefined();
        client.destroy();
      },
      { bodyIdleTimeoutMs: WINDOW },
    );
  });

  test("time before the handler reads (100-continue not yet sent) and unread received bytes do not count", async () => {
    await withServer(
      async (request) => {
        await sleep(4 * WINDOW); // the server's own wait, before reading
        const reader = request.body!.getReader();
        let total = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          total += value.byteLength;
          await sleep(WINDOW); // reads slowly: the bytes already received wait in the buffer
        }
        return new Response(String(total));
      },
      async ({ url }) => {
        const client = await RawClient.connect(url);
        const size = 256 * 1024;
        await client.write(
          `PUT /p HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\nExpect: 100-continue\r\n\r\n`,
        );
        await client.until((t) => t.startsWith("HTTP/1.1 100"));
        await client.write(patternBytes(size));
        const responses = parseResponses(await client.until((t) => parseResponses(t).length === 2));
        expect(responses.map((r) => [r.status, r.body])).toEqual([
          [100, ""],
          [200, String(size)],
        ]);
        client.destroy();
      },
      { bodyIdleTimeoutMs: WINDOW },
    );
  });
});
