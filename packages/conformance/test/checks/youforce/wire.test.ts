/**
 * The byte-exact body builder of the YouForce checks (src/checks/youforce/wire.ts) and the generated
 * streams (stream.ts): the [S4] example byte for byte, and every framing the checks send parsed back
 * by the engine's RFC 2046 parser into the same parts — so a check's "valid" body is valid.
 */
import { parseRelated } from "@partwise/engine";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { CheckSkipped } from "../../../src/check.ts";
import { bcharsBoundary, freshBoundary, trickyText } from "../../../src/checks/youforce/arbitraries.ts";
import { generatedBody } from "../../../src/checks/youforce/stream.ts";
import {
  concat,
  frame,
  holdsDelimiter,
  mediaPart,
  metadataPart,
  parameterValue,
  relatedContentType,
  utf8,
} from "../../../src/checks/youforce/wire.ts";
import { createContext } from "../../../src/context.ts";

const decoder = new TextDecoder();

async function parse(contentType: string, body: Uint8Array) {
  const parts: { headers: Record<string, string>; content: string }[] = [];
  const source = (async function* () {
    yield body;
  })();
  for await (const part of parseRelated(contentType, source)) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of part.body) chunks.push(chunk.slice());
    parts.push({ headers: Object.fromEntries(part.headers), content: decoder.decode(concat(...chunks)) });
  }
  return parts;
}

describe("frame", () => {
  test("writes the [S4] multipart request byte for byte", () => {
    const body = frame(
      [
        metadataPart('{\r\n    "name":"TestFile.txt",\r\n    "businesstypeid":"7100"\r\n}'),
        mediaPart("This is a test file"),
      ],
      { boundary: "foo_bar_baz" },
    );
    expect(decoder.decode(body)).toBe(
      '--foo_bar_baz\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{\r\n    "name":"TestFile.txt",\r\n    "businesstypeid":"7100"\r\n}\r\n--foo_bar_baz\r\n\r\nThis is a test file\r\n--foo_bar_baz--',
    );
  });

  test("every framing the checks send parses back into the same parts", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .record({
            boundary: fc.oneof(freshBoundary, bcharsBoundary(1, 70)),
            contents: fc.array(trickyText(), { minLength: 1, maxLength: 4 }),
            preamble: fc.option(trickyText(), { nil: undefined }),
            epilogue: fc.option(trickyText(), { nil: undefined }),
            padding: fc.array(fc.stringMatching(/^[ \t]{0,4}$/), { maxLength: 5 }),
            finalCrlf: fc.boolean(),
          })
          .filter(({ boundary, contents, preamble, epilogue }) =>
            [...contents, preamble ?? "", epilogue ?? ""].every((text) => !holdsDelimiter(text, boundary)),
          ),
        async ({ boundary, contents, preamble, epilogue, padding, finalCrlf }) => {
          const parts = contents.map((content, i) =>
            i === 0 ? metadataPart(content) : mediaPart(content, i % 2 === 0 ? "X-Part: yes\r\n" : ""),
          );
          const body = frame(parts, { boundary, preamble, epilogue, padding, finalCrlf });
          const parsed = await parse(relatedContentType(boundary), body);
          expect(parsed.map((p) => p.content)).toEqual(contents);
          expect(parsed[0]?.headers["content-type"]).toBe("application/json; charset=UTF-8");
        },
      ),
      { numRuns: 200 },
    );
  });

  test("a body without its close delimiter, or with one part's delimiter in another, is not the parts sent", async () => {
    const open = frame([mediaPart("a")], { boundary: "b", close: false });
    await expect(parse(relatedContentType("b"), open)).rejects.toMatchObject({
      rule: "MIME-CLOSE-DELIMITER",
    });
    expect(holdsDelimiter("x\r\n--b\r\n", "b")).toBe(true);
    expect(holdsDelimiter("--b", "b")).toBe(true);
    expect(holdsDelimiter("x--b\n--b\r--b", "b")).toBe(false);
  });

  test("parameter values are quoted when they are not tokens", () => {
    expect(parameterValue("foo_bar_baz")).toBe("foo_bar_baz");
    expect(parameterValue("a b:c")).toBe('"a b:c"');
    expect(parameterValue('q"\\')).toBe('"q\\"\\\\"');
    expect(relatedContentType("=_Part 0", '; type="application/json"')).toBe(
      'multipart/related; boundary="=_Part 0"; type="application/json"',
    );
  });
});

describe("generatedBody", () => {
  const context = (remaining: number) =>
    createContext({
      target: { protocol: "youforce", baseUrl: "http://127.0.0.1:9/v1.0", token: "t" },
      seed: 1,
      numRuns: 1,
      propertyTimeMs: 1000,
      budget: { remaining },
      signal: new AbortController().signal,
    });

  async function read(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk.slice());
    return concat(...chunks);
  }

  test("streams head, the repeated block and tail, exactly `size` bytes, charging the budget as it goes", async () => {
    const budget = 10_000_000;
    const ctx = context(budget);
    const body = generatedBody(ctx, {
      head: utf8("HEAD"),
      fillSize: 3 * 1024 * 1024 + 5,
      block: utf8("0123456"),
      tail: utf8("TAIL"),
    });
    const bytes = await read(body.stream);
    expect(bytes.length).toBe(body.size);
    expect(body.sent()).toBe(body.size);
    const text = decoder.decode(bytes);
    expect(text.startsWith("HEAD0123456012")).toBe(true);
    expect(text.endsWith("TAIL")).toBe(true);
    // The fill is the block repeated without a seam, across chunk boundaries.
    const fill = text.slice(4, -4);
    expect(fill).toBe("0123456".repeat(Math.ceil(fill.length / 7)).slice(0, fill.length));
  });

  test("a spent budget errors the stream and is reported as a skip; stop() ends it", async () => {
    const body = generatedBody(context(2 * 1024 * 1024), {
      head: new Uint8Array(0),
      fillSize: 10 * 1024 * 1024,
      block: utf8("x"),
      tail: new Uint8Array(0),
    });
    await expect(read(body.stream)).rejects.toBeInstanceOf(CheckSkipped);
    expect(body.skipped()).toBeInstanceOf(CheckSkipped);

    const stopped = generatedBody(context(Number.POSITIVE_INFINITY), {
      head: utf8("h"),
      fillSize: 10,
      block: utf8("x"),
      tail: utf8("t"),
    });
    stopped.stop();
    await expect(read(stopped.stream)).rejects.toThrow(/stopped/);
  });
});
