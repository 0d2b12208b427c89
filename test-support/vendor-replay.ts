/**
 * Replays a vendor client's recorded request sequence against a reference server over a real
 * socket, and checks each answer for what that client reads from it.
 *
 * A fixture (`packages/protocol-* /test/vendor-replay/*.json`) is our recording of the requests a
 * vendor's own client made (method, target, headers in the order sent, body), never the client's
 * code. Bodies that were file content are described as slices of deterministic files
 * (`bytesOf(size, seed)`, the bytes the client was given to upload), so a recorded `Content-MD5`
 * still matches. Values the server chose (ids, tokens, signed URLs) are captured from an answer
 * (a dotted path into its JSON, or `header:NAME`) into `{{name}}` variables and substituted into
 * later targets, headers, bodies and expected strings. `{{origin}}` is bound from the start to the
 * server's origin (`http://127.0.0.1:PORT`), for the URLs a server hands out on itself; a captured
 * absolute URL (an href, a signed part URL) is used as a target as it is.
 *
 * Each answer must have the expected status; then the captures are taken (so an expectation may
 * name a variable its own answer introduces), and the expected JSON leaves, headers (a value, or
 * just `{ "$present": true }`), byte length and bytes are checked.
 *
 * Requests go through node:http, which sends the recorded headers as they are (fetch would add or
 * refuse some); only the transport headers (Host, Content-Length, Connection, Expect,
 * Transfer-Encoding) are left to node:http.
 */
import { request as httpRequest } from "node:http";
import { expect } from "vitest";
import { bytesOf } from "./bytes.ts";

/** File content the client uploaded: `bytesOf(size, seed)`. */
export interface ReplayFile {
  readonly size: number;
  readonly seed: number;
}

/** A body: text (after substitution), a slice of a file, or several of them in a row. */
export type ReplayBody =
  | { readonly text: string }
  | { readonly file: string; readonly start?: number; readonly end?: number }
  | { readonly parts: readonly ReplayBody[] };

/**
 * An expected value: literally equal (a string after `{{var}}` substitution), equal to a captured
 * variable, matching a pattern, or (an answer header) present with any value.
 */
export type Expected =
  | unknown
  | { readonly $var: string }
  | { readonly $match: string }
  | { readonly $present: true };

export interface ReplayStep {
  /** What the client was doing (for failure messages). */
  readonly name?: string;
  readonly method: string;
  /** Path and query on the server's origin, or `{{var}}` holding an absolute URL. */
  readonly target: string;
  /** As recorded, in order (a name may repeat). */
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: ReplayBody;
  readonly expect: {
    /** The status, or the statuses the client accepts. */
    readonly status: number | readonly number[];
    /** Dotted paths into the JSON answer (`Response.Id`, `data.0.fileName`). */
    readonly json?: Readonly<Record<string, Expected>>;
    /** Answer headers (lower case names). */
    readonly headers?: Readonly<Record<string, Expected>>;
    /** The answer's bytes: a slice of a file. */
    readonly body?: { readonly file: string; readonly start?: number; readonly end?: number };
    /** The answer's length in bytes (where its content is not one of the fixture's files). */
    readonly bodyLength?: number;
  };
  /**
   * Variables to take from the answer: name → a dotted path into its JSON, or `header:NAME` for an
   * answer header (lower case), taken without double quotes: an entity-tag's opaque-tag (RFC 9110
   * section 8.8.3), as the clients that echo an ETag into a JSON body send it.
   */
  readonly capture?: Readonly<Record<string, string>>;
}

export interface ReplayFixture {
  /** The vendor client and the commit that was run. */
  readonly client: string;
  /** How the sequence was recorded. */
  readonly how: string;
  readonly files: Readonly<Record<string, ReplayFile>>;
  readonly steps: readonly ReplayStep[];
}

interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** Header lines in order; a name sent twice becomes an array, which node:http writes as two lines. */
function headerObject(lines: readonly (readonly [string, string])[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of lines) {
    const seen = out[name];
    out[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return out;
}

function send(
  url: string,
  method: string,
  headers: Record<string, string | string[]>,
  body: Uint8Array | undefined,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
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

function pathOf(value: unknown, path: string): unknown {
  let at = value;
  for (const key of path.split(".")) {
    if (at === null || typeof at !== "object") return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function isVar(value: unknown): value is { $var: string } {
  return (
    typeof value === "object" && value !== null && typeof (value as { $var?: unknown }).$var === "string"
  );
}

function isMatch(value: unknown): value is { $match: string } {
  return (
    typeof value === "object" && value !== null && typeof (value as { $match?: unknown }).$match === "string"
  );
}

function isPresent(value: unknown): value is { $present: true } {
  return typeof value === "object" && value !== null && (value as { $present?: unknown }).$present === true;
}

/** Replays `fixture` against the server at `origin`; every expectation failure names its step. */
export async function replay(fixture: ReplayFixture, origin: string): Promise<Record<string, string>> {
  const vars: Record<string, string> = { origin: new URL(origin).origin };
  const files = new Map<string, Uint8Array>();
  const fileBytes = (name: string): Uint8Array => {
    let bytes = files.get(name);
    if (bytes === undefined) {
      const file = fixture.files[name];
      if (file === undefined) throw new Error(`the fixture names no file ${name}`);
      bytes = bytesOf(file.size, file.seed);
      files.set(name, bytes);
    }
    return bytes;
  };
  const expand = (text: string): string =>
    text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
      const value = vars[name];
      if (value === undefined) throw new Error(`{{${name}}} is used before it is captured`);
      return value;
    });
  const bodyOf = (body: ReplayBody): Uint8Array => {
    if ("text" in body) return new TextEncoder().encode(expand(body.text));
    if ("file" in body) return fileBytes(body.file).subarray(body.start ?? 0, body.end);
    return Buffer.concat(body.parts.map(bodyOf));
  };

  for (const [index, step] of fixture.steps.entries()) {
    const target = expand(step.target);
    const url = /^https?:/.test(target) ? target : `${origin}${target}`;
    const lines: [string, string][] = step.headers.map(([name, value]) => [name, expand(value)]);
    const body = step.body === undefined ? undefined : bodyOf(step.body);
    if (body !== undefined || step.method === "POST" || step.method === "PUT")
      lines.push(["Content-Length", String(body?.length ?? 0)]);
    const headers = headerObject(lines);
    const what = `step ${index + 1} (${step.name ?? `${step.method} ${step.target}`})`;
    const answer = await send(url, step.method, headers, body);

    const statuses = typeof step.expect.status === "number" ? [step.expect.status] : step.expect.status;
    expect(statuses, `${what}: status ${answer.status}: ${answer.body.toString("utf8", 0, 300)}`).toContain(
      answer.status,
    );
    const captures = Object.entries(step.capture ?? {});
    const json: unknown =
      step.expect.json !== undefined || captures.some(([, from]) => !from.startsWith("header:"))
        ? JSON.parse(answer.body.toString("utf8"))
        : undefined;
    for (const [name, from] of captures) {
      const value = from.startsWith("header:")
        ? answer.headers[from.slice("header:".length)]
        : pathOf(json, from);
      expect(typeof value === "string" || typeof value === "number", `${what}: capture ${from}`).toBe(true);
      vars[name] = from.startsWith("header:") ? String(value).replaceAll('"', "") : String(value);
    }
    const check = (actual: unknown, expected: Expected, label: string) => {
      if (isVar(expected)) expect(actual, `${what}: ${label}`).toBe(vars[expected.$var]);
      else if (isMatch(expected))
        expect(String(actual), `${what}: ${label}`).toMatch(new RegExp(expected.$match));
      else if (isPresent(expected)) expect(actual, `${what}: ${label}`).toBeDefined();
      else
        expect(actual, `${what}: ${label}`).toEqual(
          typeof expected === "string" ? expand(expected) : expected,
        );
    };
    for (const [path, expected] of Object.entries(step.expect.json ?? {}))
      check(pathOf(json, path), expected, path);
    for (const [name, expected] of Object.entries(step.expect.headers ?? {}))
      check(answer.headers[name], expected, `header ${name}`);
    if (step.expect.bodyLength !== undefined)
      expect(answer.body.length, `${what}: body length`).toBe(step.expect.bodyLength);
    if (step.expect.body !== undefined) {
      const { file, start, end } = step.expect.body;
      const wanted = fileBytes(file).subarray(start ?? 0, end);
      expect(answer.body.length, `${what}: body length`).toBe(wanted.length);
      expect(Buffer.compare(answer.body, wanted), `${what}: body bytes`).toBe(0);
    }
  }
  return vars;
}
