/**
 * Interoperability with Python's standard `email` package (after h11's test against the standard
 * library's HTTP): bodies its generator writes must parse with `parseRelated`, and bodies
 * `encodeRelated` writes must parse with its `BytesParser`, part for part and byte for byte.
 * One `python3` process serves every run, so spawning costs once.
 */

import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BoundaryInContentError,
  createBoundary,
  encodeRelated,
  parseRelated,
} from "../../src/related/index.ts";
import { contentArb, cutsArb, fromChunks, readAll, splitAt } from "./helpers.ts";

const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "base64"));
const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

/**
 * One python3 process answers every request, one JSON line in, one out: "build" writes a body
 * with email.mime.multipart (a JSON part and an octet-stream part, CRLF line endings), "read"
 * parses one of ours with email.parser.BytesParser.
 */
const SCRIPT = `
import sys, json, base64
from email import policy, encoders
from email.mime.multipart import MIMEMultipart
from email.mime.application import MIMEApplication
from email.parser import BytesParser
b64 = lambda b: base64.b64encode(b).decode()

def build(req, pol):
    m = MIMEMultipart("related", type="application/json")
    m.attach(MIMEApplication(req["json"].encode(), "json", _encoder=encoders.encode_7or8bit))
    m.attach(MIMEApplication(base64.b64decode(req["data"]), "octet-stream"))
    head, _, body = m.as_bytes(policy=pol).partition(b"\\r\\n\\r\\n")
    return {
        "contentType": str(m["Content-Type"]),
        "body": b64(body),
        "parts": [{"contentType": p.get_content_type(), "cte": p["Content-Transfer-Encoding"],
                   "payload": b64(p.get_payload(decode=True))} for p in m.get_payload()],
    }

def read(req, pol):
    raw = b"Content-Type: " + req["contentType"].encode() + b"\\r\\nMIME-Version: 1.0\\r\\n\\r\\n" + base64.b64decode(req["body"])
    msg = BytesParser(policy=pol).parsebytes(raw)
    parts = msg.get_payload() if msg.is_multipart() else []
    return {
        "multipart": msg.is_multipart(),
        "defects": [repr(d) for d in msg.defects] + [repr(d) for p in parts for d in p.defects],
        "parts": [{"headers": [[k, str(v)] for k, v in p.items()], "payload": b64(p.get_payload(decode=True))}
                  for p in parts],
    }

for line in sys.stdin:
    req = json.loads(line)
    pol = policy.HTTP if req["policy"] == "HTTP" else policy.compat32.clone(linesep="\\r\\n")
    print(json.dumps((build if req["op"] == "build" else read)(req, pol)), flush=True)
`;

let child: ChildProcessWithoutNullStreams;
let answers: AsyncIterator<string>;

async function python<T>(request: Record<string, unknown>): Promise<T> {
  child.stdin.write(`${JSON.stringify(request)}\n`);
  const answer = await answers.next();
  if (answer.done) throw new Error("python3 exited");
  return JSON.parse(answer.value) as T;
}

async function readParts(contentType: string, chunks: Uint8Array[]) {
  const parts: { headers: ReadonlyMap<string, string>; body: Uint8Array }[] = [];
  for await (const part of parseRelated(contentType, fromChunks(chunks))) {
    parts.push({ headers: part.headers, body: await readAll(part.body) });
  }
  return parts;
}

const policyArb = fc.constantFrom("HTTP", "compat32");

describe("interoperability with Python's email package", () => {
  beforeAll(() => {
    child = spawn("python3", ["-c", SCRIPT]);
    child.stderr.pipe(process.stderr);
    answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  });
  afterAll(() => {
    child.stdin.end();
  });

  it("parses what email.mime.multipart writes (JSON part, octet-stream part, CRLF)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue().map((v) => JSON.stringify(v) ?? "null"),
        fc.uint8Array({ maxLength: 2000 }),
        policyArb,
        cutsArb,
        async (json, data, policy, cuts) => {
          const built = await python<{
            contentType: string;
            body: string;
            parts: { contentType: string; cte: string; payload: string }[];
          }>({ op: "build", json, data: toBase64(data), policy });
          const parts = await readParts(built.contentType, splitAt(fromBase64(built.body), cuts));
          expect(parts.map((p) => p.headers.get("content-type"))).toEqual([
            "application/json",
            "application/octet-stream",
          ]);
          for (const [i, part] of parts.entries()) {
            const cte = part.headers.get("content-transfer-encoding");
            expect(cte).toBe(built.parts[i]!.cte);
            const text = Buffer.from(part.body).toString("latin1");
            const payload = cte === "base64" ? fromBase64(text.replace(/\s+/g, "")) : part.body;
            expect(payload).toEqual(fromBase64(built.parts[i]!.payload));
          }
          expect(parts[0]!.body).toEqual(new TextEncoder().encode(json));
          expect(fromBase64(built.parts[1]!.payload)).toEqual(data);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("writes what email.parser.BytesParser reads back part for part", async () => {
    const headerValueArb = fc
      .string({ unit: fc.constantFrom(..."abcXYZ019 ;,()<>@/.-_"), maxLength: 20 })
      .map((v) => v.trim());
    const partArb = (boundary: string) =>
      fc.record({
        contentType: fc.option(fc.constantFrom("application/json", "application/octet-stream", "text/plain")),
        extra: headerValueArb,
        // Random bytes, and content full of CR, LF, dashes and pieces of the delimiter.
        body: fc.oneof(fc.uint8Array({ maxLength: 400 }), contentArb(boundary, 20)),
      });
    const bodyArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).chain((random) => {
      const boundary = createBoundary(() => random);
      return fc.record({
        boundary: fc.constant(boundary),
        parts: fc.array(partArb(boundary), { minLength: 1, maxLength: 3 }),
      });
    });
    await fc.assert(
      fc.asyncProperty(bodyArb, policyArb, async ({ boundary, parts }, policy) => {
        const inputs = parts.map((p) => ({
          headers: {
            ...(p.contentType === null ? {} : { "Content-Type": p.contentType }),
            "X-Extra": p.extra,
          },
          body: p.body,
        }));
        let encoded: ReturnType<typeof encodeRelated>;
        try {
          encoded = encodeRelated(inputs, { boundary });
        } catch (error) {
          expect(error).toBeInstanceOf(BoundaryInContentError);
          return;
        }
        const body = await readAll(encoded.body);
        const read = await python<{
          multipart: boolean;
          defects: string[];
          parts: { headers: [string, string][]; payload: string }[];
        }>({ op: "read", contentType: encoded.contentType, body: toBase64(body), policy });
        expect(read.multipart).toBe(true);
        expect(read.defects).toEqual([]);
        expect(read.parts.map((p) => Object.fromEntries(p.headers))).toEqual(inputs.map((p) => p.headers));
        expect(read.parts.map((p) => fromBase64(p.payload))).toEqual(parts.map((p) => p.body));
      }),
      { numRuns: 100 },
    );
  });
});
