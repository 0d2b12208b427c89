/** CORS: preflights, exposed headers (ETag above all), Vary, over a handler and a socket. */
import { describe, expect, test, vi } from "vitest";
import { withCors } from "../src/index.ts";
import { withServer } from "./helpers.ts";

const inner = vi.fn(
  async () =>
    new Response("body", { status: 201, statusText: "Made", headers: { etag: '"e1"', vary: "Accept" } }),
);
const preflight = (origin: string | undefined, headers: Record<string, string> = {}) =>
  new Request("http://h/files", {
    method: "OPTIONS",
    headers: { "access-control-request-method": "PUT", ...(origin ? { origin } : {}), ...headers },
  });

describe("withCors", () => {
  test("a preflight from an allowed origin is answered without the handler", async () => {
    inner.mockClear();
    const handler = withCors(inner, { origins: ["https://app.test"], maxAgeSeconds: 60 });
    const response = await handler(
      preflight("https://app.test", { "access-control-request-headers": "content-md5, x-access-token" }),
    );
    expect(response.status).toBe(204);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      "access-control-allow-origin": "https://app.test",
      "access-control-allow-methods": expect.stringContaining("PUT"),
      "access-control-allow-headers": "content-md5, x-access-token",
      "access-control-max-age": "60",
      vary: expect.stringContaining("Origin"),
    });
    expect(inner).not.toHaveBeenCalled();
  });

  test("a preflight from another origin, or without one, is refused", async () => {
    const handler = withCors(inner, { origins: ["https://app.test"] });
    for (const origin of ["https://evil.test", undefined]) {
      const response = await handler(preflight(origin));
      expect(response.status).toBe(403);
      expect(response.headers.has("access-control-allow-origin")).toBe(false);
    }
  });

  test("a response to an allowed origin exposes ETag and keeps status, text, headers and body", async () => {
    const handler = withCors(inner, { origins: ["https://app.test", "https://other.test"] });
    const response = await handler(new Request("http://h/x", { headers: { origin: "https://other.test" } }));
    expect(response.status).toBe(201);
    expect(response.statusText).toBe("Made");
    expect(await response.text()).toBe("body");
    expect(response.headers.get("etag")).toBe('"e1"');
    expect(response.headers.get("access-control-allow-origin")).toBe("https://other.test");
    expect(response.headers.get("access-control-expose-headers")?.split(", ")).toEqual(
      expect.arrayContaining(["ETag", "Location", "Retry-After", "Content-Range"]),
    );
    expect(response.headers.get("vary")).toBe("Accept, Origin");
  });

  test("a response to another origin gets no CORS headers, but says it varies by Origin", async () => {
    const handler = withCors(inner, { origins: ["https://app.test"] });
    const response = await handler(new Request("http://h/x", { headers: { origin: "https://evil.test" } }));
    expect(response.headers.has("access-control-allow-origin")).toBe(false);
    expect(response.headers.get("vary")).toBe("Accept, Origin");
  });

  test('"*" allows any origin without credentials; custom exposed headers replace the defaults', async () => {
    const handler = withCors(inner, { origins: ["*"], exposeHeaders: ["ETag", "X-Part"] });
    const response = await handler(new Request("http://h/x", { headers: { origin: "https://any.test" } }));
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-expose-headers")).toBe("ETag, X-Part");
    expect(response.headers.has("access-control-allow-credentials")).toBe(false);
    const preflightAnswer = await handler(preflight("https://any.test"));
    expect(preflightAnswer.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflightAnswer.headers.get("access-control-allow-headers")).toBe("*");
  });

  test("requests without Origin pass through; no origins means no CORS at all", async () => {
    const handler = withCors(inner, { origins: ["*"] });
    const response = await handler(new Request("http://h/x"));
    expect(response.headers.has("access-control-allow-origin")).toBe(false);
    expect(withCors(inner, { origins: [] })).toBe(inner);
  });

  test("over a socket, the browser-facing headers arrive", async () => {
    await withServer(withCors(inner, { origins: ["https://app.test"] }), async ({ url }) => {
      const answer = await fetch(url, {
        method: "OPTIONS",
        headers: { origin: "https://app.test", "access-control-request-method": "PUT" },
      });
      expect(answer.status).toBe(204);
      const response = await fetch(url, { headers: { origin: "https://app.test" } });
      expect(response.headers.get("access-control-expose-headers")).toContain("ETag");
      expect(response.headers.get("etag")).toBe('"e1"');
      await response.text();
    });
  });
});
