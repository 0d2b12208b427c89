import { readFileSync } from "node:fs";
import { parseRelated } from "@partwise/engine";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { youforceSchemas } from "../src/index.ts";

// The raw multipart/related bodies documented on POST /files (`x-wire-examples`, printed with LF)
// must parse, with CRLF line breaks as on the wire, into a metadata part the File API accepts and
// the documented media bytes: the spec's prose and the engine's parser agree.
const spec = parse(readFileSync(new URL("../../../specs/youforce.yaml", import.meta.url), "utf8"));
const media = spec.paths["/files"].post.requestBody.content["multipart/related"];
const wire = Object.entries<{ value: string; description: string }>(media["x-wire-examples"]);

async function collect(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Uint8Array.from(chunks.flatMap((c) => [...c]));
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

describe("POST /files x-wire-examples", () => {
  test("there are wire examples", () => {
    expect(wire.length).toBeGreaterThanOrEqual(3);
  });

  test.each(wire)("%s parses into valid metadata and the file bytes", async (_name, example) => {
    const text = example.value.replaceAll("\n", "\r\n");
    // The first line that starts with "--" is the first delimiter (after any preamble).
    const delimiter = text.split("\r\n").find((line) => line.startsWith("--"))!;
    const boundary = delimiter.slice(2).replace(/[ \t]+$/, "");
    const contentType = `multipart/related; boundary="${boundary}"`;
    const parts: { headers: ReadonlyMap<string, string>; bytes: Uint8Array }[] = [];
    for await (const part of parseRelated(contentType, once(new TextEncoder().encode(text)))) {
      parts.push({ headers: part.headers, bytes: await collect(part.body) });
    }
    expect(parts).toHaveLength(2);
    expect(parts[0]!.headers.get("content-type")).toMatch(/^application\/json/);
    const metadata = JSON.parse(new TextDecoder().decode(parts[0]!.bytes));
    expect(youforceSchemas.validate("FileMetadata", metadata).ok).toBe(true);
    expect(parts[1]!.bytes.length).toBeGreaterThan(0);
  });
});
