/**
 * The vendors' own clients, replayed: each fixture here is our recording of the exact request
 * sequence one official SDK sent to `partwise serve --protocol cavatica` in one of its users' flows
 * (upload, download, overwrite, pause and resume, abort, file management). The recordings hold only
 * requests and answers, with the values the server chose (upload ids, hrefs, signed URLs, ETags)
 * replaced by `${name}` and captured again from this run's answers, and storage bodies reduced to
 * their sizes. Each sequence is replayed over a real socket, in the order the server received it,
 * and every answer must have the recorded status and carry the fields and values the client read.
 *
 * How they were made: the SDK (its own code, unchanged, built outside this repository) ran its
 * user's flow against `partwise serve --protocol cavatica` through a logging HTTP proxy; the log
 * was then templated as above. `source` names the SDK commit. Volatile fields (dates, expiry,
 * the rate-limit countdown) are left out of the expected answers.
 */
import { readdirSync, readFileSync } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { bytesOf, type Harness, startServer } from "../server/helpers.ts";

interface Step {
  readonly method: string;
  /** Path after `/v2`, with `${name}` placeholders. */
  readonly path: string;
  /** The header that carried the token, if any. */
  readonly auth?: "x-sbg-auth-token" | "authorization";
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON body, as sent (`null` too); absent: no body. */
  readonly json?: unknown;
  /** A storage body of this many bytes. */
  readonly bytes?: number;
  /** Variables this answer introduces: a JSON path into the answer, or `header:NAME`. */
  readonly capture?: Readonly<Record<string, readonly (string | number)[] | `header:${string}`>>;
  readonly expect: {
    readonly status: number;
    readonly headers?: readonly string[];
    /** The answer must contain this (templated, volatile fields left out). */
    readonly body?: unknown;
    readonly bodyBytes?: number;
  };
}

interface Fixture {
  readonly client: string;
  readonly flow: string;
  readonly source: string;
  readonly tokens?: readonly string[];
  readonly steps: readonly Step[];
}

const DIR = new URL(".", import.meta.url).pathname;
const FIXTURES = readdirSync(DIR)
  .filter((name) => name.endsWith(".json"))
  .sort()
  .map((name) => ({ name, fixture: JSON.parse(readFileSync(join(DIR, name), "utf8")) as Fixture }));

let h: Harness;

/** Replaces `${name}` in every string of `value`; an unknown name fails the replay. */
function substitute(value: unknown, vars: ReadonlyMap<string, string>): unknown {
  if (typeof value === "string")
    return value.replace(/\$\{(\w+)\}/g, (_, name: string) => {
      const bound = vars.get(name);
      if (bound === undefined) throw new Error(`unbound \${${name}}`);
      return bound;
    });
  if (Array.isArray(value)) return value.map((item) => substitute(item, vars));
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, vars)]));
  return value;
}

/** A URL of the answer as the recordings hold it: without this server's origin and `/v2`. */
function local(value: string): string {
  return value.startsWith(h.base) ? value.slice(h.base.length) : value;
}

/** Answers compare their URLs without origin, as recorded. */
function localised(value: unknown): unknown {
  if (typeof value === "string") return local(value);
  if (Array.isArray(value)) return value.map(localised);
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, localised(item)]));
  return value;
}

/** One request as the SDKs send it (a GET may carry the body `null`, which fetch refuses). */
function send(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string | Uint8Array | undefined,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    // With a Content-Length, as requests and HttpClient send bodies (a GET body is not chunked).
    const length = body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) };
    const req = httpRequest(url, { method, headers: { ...headers, ...length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

function at(value: unknown, path: readonly (string | number)[]): unknown {
  let here = value;
  for (const key of path) here = (here as Record<string | number, unknown> | undefined)?.[key];
  return here;
}

describe.each(FIXTURES)("$fixture.client: $fixture.flow ($name)", ({ name, fixture }) => {
  // A server of its own, as each recording started from one.
  beforeAll(async () => {
    h = await startServer();
  });
  afterAll(() => h.close());

  test("every recorded request gets the recorded status and the fields the client reads", async () => {
    const token = `replay-${name}`;
    const vars = new Map<string, string>();
    for (const [index, step] of fixture.steps.entries()) {
      const where = `step ${index + 1}: ${step.method} ${step.path}`;
      const headers: Record<string, string> = { ...step.headers };
      if (step.auth === "x-sbg-auth-token") headers["x-sbg-auth-token"] = token;
      if (step.auth === "authorization") headers.authorization = `Bearer ${token}`;
      let body: string | Uint8Array | undefined;
      if (step.bytes !== undefined) body = bytesOf(step.bytes, index + 1);
      else if ("json" in step) body = JSON.stringify(substitute(step.json, vars));
      const response = await send(
        step.method,
        `${h.base}${substitute(step.path, vars) as string}`,
        headers,
        body,
      );
      const raw = response.body;
      expect(response.status, `${where}: ${raw.subarray(0, 300).toString("utf8")}`).toBe(step.expect.status);
      for (const name of step.expect.headers ?? [])
        expect(response.headers[name], `${where}: ${name}`).toBeDefined();
      if (step.expect.bodyBytes !== undefined) expect(raw.length, where).toBe(step.expect.bodyBytes);
      const answer: unknown =
        String(response.headers["content-type"]).includes("json") && raw.length > 0
          ? JSON.parse(raw.toString("utf8"))
          : undefined;
      for (const [name, from] of Object.entries(step.capture ?? {})) {
        const value =
          typeof from === "string"
            ? String(response.headers[from.slice("header:".length)]).replaceAll('"', "")
            : at(answer, from);
        expect(typeof value, `${where}: capture ${name}`).toBe("string");
        vars.set(name, local(value as string));
      }
      if (step.expect.body !== undefined)
        expect(localised(answer), where).toMatchObject(substitute(step.expect.body, vars) as object);
    }
  });
});
