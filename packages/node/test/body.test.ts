/** NodeBody and nodeChunks: a listener's request body read on demand, and the store's fast path. */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { nodeChunks } from "../src/body.ts";
import { DiskStore, listen } from "../src/index.ts";
import { exchange, md5Hex, patternBytes, withServer } from "./helpers.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "partwise-body-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("nodeChunks", () => {
  test("takes only a listener's untouched request body, and locks it", async () => {
    const seen: Record<string, unknown> = {};
    await withServer(
      async (request) => {
        const path = new URL(request.url).pathname;
        const body = request.body!;
        if (path === "/untouched") {
          const chunks = nodeChunks(body);
          seen.untouched = chunks !== undefined && body.locked;
          const hash = createHash("md5");
          for await (const chunk of chunks!) hash.update(chunk);
          seen.digest = hash.digest("hex");
        } else if (path === "/started") {
          const reader = body.getReader();
          await reader.read();
          reader.releaseLock();
          seen.started = nodeChunks(body);
        } else if (path === "/locked") {
          body.getReader();
          seen.locked = nodeChunks(body);
        }
        return new Response("ok");
      },
      async ({ url }) => {
        const bytes = patternBytes(300_000, 2);
        for (const path of ["/untouched", "/started", "/locked"])
          expect((await exchange(`${url}${path}`, { method: "PUT", body: bytes })).status).toBe(200);
        expect(seen).toEqual({
          untouched: true,
          digest: md5Hex(bytes),
          started: undefined,
          locked: undefined,
        });
      },
    );
    expect(nodeChunks(new Blob(["x"]).stream())).toBeUndefined();
  });

  test("DiskStore.ingest stores a request body byte for byte, straight from Node or through the Web stream", async () => {
    const store = await DiskStore.open(dir);
    let round = 0;
    await withServer(
      async (request) => {
        const viaWeb = new URL(request.url).searchParams.has("web");
        let body = request.body!;
        if (viaWeb) {
          // A handler that peeks at the first chunk first: the store must take the Web path.
          const reader = body.getReader();
          const first = await reader.read();
          reader.releaseLock();
          const rest = body;
          body = new ReadableStream({
            start(controller) {
              if (!first.done) controller.enqueue(first.value);
            },
            async pull(controller) {
              const reader2 = rest.getReader();
              const next = await reader2.read();
              reader2.releaseLock();
              if (next.done) controller.close();
              else controller.enqueue(next.value);
            },
          });
        }
        const staged = await store.ingest(body);
        const key = `body-${++round}`;
        await staged.commit(key);
        return new Response(`${Buffer.from(staged.md5).toString("hex")} ${md5Hex(await store.readAll(key))}`);
      },
      async ({ url }) => {
        await fc.assert(
          fc.asyncProperty(fc.integer({ min: 0, max: 3_000_000 }), fc.boolean(), async (size, viaWeb) => {
            const bytes = patternBytes(size, size + 3);
            const response = await exchange(`${url}/${viaWeb ? "?web" : ""}`, { method: "PUT", body: bytes });
            expect(response.body.toString()).toBe(`${md5Hex(bytes)} ${md5Hex(bytes)}`);
          }),
          { numRuns: 12 },
        );
      },
    );
  });
});

test("a client that is gone before the handler's first read ends the body with ECONNRESET, not a hang", async () => {
  const { connect } = await import("node:net");
  let outcome: Promise<string> | undefined;
  let gone: () => void = () => {};
  const goneYet = new Promise<void>((resolve) => {
    gone = resolve;
  });
  await using server = await listen(async (request) => {
    outcome = (async () => {
      await goneYet;
      await new Promise((resolve) => setTimeout(resolve, 50));
      try {
        for await (const _ of request.body as unknown as AsyncIterable<Uint8Array>) {
          // drain
        }
        return "ended";
      } catch (error) {
        return String((error as { code?: string }).code);
      }
    })();
    return new Response(await outcome);
  });
  const { port } = new URL(server.url);
  await new Promise<void>((resolve) => {
    const socket = connect(Number(port), "127.0.0.1", () => {
      socket.write("PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc");
      setTimeout(() => {
        socket.destroy();
        gone();
        resolve();
      }, 50);
    });
    socket.on("error", () => {});
  });
  for (let i = 0; i < 200 && outcome === undefined; i++) await new Promise((r) => setTimeout(r, 5));
  expect(await outcome).toBe("ECONNRESET");
});
