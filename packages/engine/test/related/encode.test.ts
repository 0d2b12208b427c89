import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BoundaryError,
  BoundaryInContentError,
  ContentTypeError,
  encodeRelated,
  PartHeadersError,
  parseContentType,
  RelatedRootError,
  RelatedTypeError,
} from "../../src/related/index.ts";
import {
  boundaryArb,
  bytesOf,
  concat,
  contentArb,
  cutsArb,
  fromChunks,
  hasLineStartBoundary,
  latin1,
  readAll,
  splitAt,
  utf8,
} from "./helpers.ts";

describe("encodeRelated: framing", () => {
  it("writes the documented layout: no preamble, CRLF before each delimiter, CRLF after the close", async () => {
    const encoded = encodeRelated(
      [
        { headers: { "Content-Type": "application/json; charset=UTF-8" }, body: '{"name":"a.txt"}' },
        { body: utf8("file bytes") },
      ],
      { boundary: "foo_bar_baz", type: "application/json" },
    );
    const expected =
      '--foo_bar_baz\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{"name":"a.txt"}' +
      "\r\n--foo_bar_baz\r\n\r\nfile bytes\r\n--foo_bar_baz--\r\n";
    expect(latin1(await readAll(encoded.body))).toBe(expected);
    expect(encoded.length).toBe(expected.length);
    expect(encoded.contentType).toBe('multipart/related; boundary=foo_bar_baz; type="application/json"');
  });

  it("length is the exact byte count when every size is known, and absent otherwise", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            header: fc.string({ unit: fc.constantFrom("a", "é", "✓", " "), maxLength: 6 }),
            body: fc.uint8Array({ maxLength: 40 }),
            kind: fc.constantFrom("bytes", "blob", "iterable"),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        async (parts) => {
          const encoded = encodeRelated(
            parts.map((p) => ({
              headers: { "X-Value": p.header.trim() },
              body:
                p.kind === "bytes"
                  ? p.body
                  : p.kind === "blob"
                    ? new Blob([p.body.slice()])
                    : fromChunks([p.body]),
            })),
            { boundary: "0-0" },
          );
          const body = await readAll(encoded.body);
          if (parts.some((p) => p.kind === "iterable")) expect(encoded.length).toBeUndefined();
          else expect(encoded.length).toBe(body.length);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("the Content-Type quotes what needs quoting and reads back with parseContentType", () => {
    const valueArb = fc.string({
      unit: fc.constantFrom("a", "<", ">", "@", " ", '"', "\\", "/", "=", "é"),
      maxLength: 10,
    });
    fc.assert(
      fc.property(boundaryArb, fc.option(valueArb), fc.option(valueArb), (boundary, start, startInfo) => {
        const parts = [
          {
            headers: { "Content-ID": start ?? "<root>", "Content-Type": "Application/JSON; x=1" },
            body: "{}",
          },
        ];
        const options = {
          boundary,
          type: "application/json",
          ...(start === null ? {} : { start }),
          ...(startInfo === null ? {} : { startInfo }),
        };
        const parsed = parseContentType(encodeRelated(parts, options).contentType);
        expect(parsed).toMatchObject({ mediaType: "multipart/related", boundary, type: "application/json" });
        expect(parsed.start).toBe(start ?? undefined);
        expect(parsed.startInfo).toBe(startInfo ?? undefined);
      }),
    );
  });
});

describe("encodeRelated: rules checked before anything is sent", () => {
  const json = { headers: { "Content-Type": "application/json", "Content-ID": "<root@x>" }, body: "{}" };

  it("a boundary outside RFC 2046's grammar is a BoundaryError", () => {
    for (const boundary of ["", "a".repeat(71), "ends in space ", "semi;colon"]) {
      expect(() => encodeRelated([json], { boundary })).toThrow(BoundaryError);
    }
  });

  it("no parts, or a start naming no part, is a RelatedRootError (MIME-RELATED-ROOT)", () => {
    expect(() => encodeRelated([], { boundary: "b" })).toThrow(RelatedRootError);
    expect(() => encodeRelated([json], { boundary: "b", start: "<other@x>" })).toThrow(RelatedRootError);
    expect(() => encodeRelated([{ body: "" }, json], { boundary: "b", start: "<root@x>" })).not.toThrow();
  });

  it("a type that is no media type, or differs from the root's Content-Type, is a RelatedTypeError", () => {
    for (const type of ["json", "application/json/x", "application/", "a b/c"]) {
      expect(() => encodeRelated([json], { boundary: "b", type })).toThrow(RelatedTypeError);
    }
    expect(() => encodeRelated([json], { boundary: "b", type: "text/plain" })).toThrow(RelatedTypeError);
    expect(() => encodeRelated([json], { boundary: "b", type: "APPLICATION/json" })).not.toThrow();
    // The root is the part `start` names.
    const parts = [{ headers: { "Content-Type": "text/plain" }, body: "" }, json];
    expect(() =>
      encodeRelated(parts, { boundary: "b", type: "application/json", start: "<root@x>" }),
    ).not.toThrow();
    expect(() => encodeRelated(parts, { boundary: "b", type: "application/json" })).toThrow(RelatedTypeError);
    // A root without a Content-Type has nothing to disagree with.
    expect(() => encodeRelated([{ body: "" }], { boundary: "b", type: "application/json" })).not.toThrow();
  });

  it("a header that cannot be sent is a local PartHeadersError", () => {
    for (const headers of [
      { "Bad Name": "x" },
      { "": "x" },
      { "X-A": "a\r\nInjected: 1" },
      { "X-A": "a\nb" },
    ]) {
      const error = (() => {
        try {
          encodeRelated([{ headers, body: "" }], { boundary: "b" });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(PartHeadersError);
      expect(error).toMatchObject({ side: "local", rule: "MIME-PART-HEADERS" });
    }
    expect(() => encodeRelated([{ body: "" }], { boundary: "b", startInfo: "a\r\nb" })).toThrow(
      ContentTypeError,
    );
  });

  it("a byte or string part holding --boundary at a line start is refused up front", () => {
    fc.assert(
      fc.property(
        boundaryArb.chain((b) => fc.tuple(fc.constant(b), contentArb(b))),
        ([boundary, content]) => {
          const collides = hasLineStartBoundary(content, boundary);
          for (const body of [content, latin1(content)]) {
            const call = () => encodeRelated([{ body: "root" }, { body }], { boundary });
            // A string is sent as UTF-8, which changes only bytes >= 0x80: never CR, LF or the boundary.
            if (collides) expect(call).toThrow(BoundaryInContentError);
            else expect(call).not.toThrow();
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a header line starting with --boundary is refused", () => {
    expect(() => encodeRelated([{ headers: { "--b-x": "1" }, body: "" }], { boundary: "b" })).toThrow(
      BoundaryInContentError,
    );
  });
});

describe("encodeRelated: streamed parts", () => {
  it("a collision errors the stream, and no byte of the chunk completing it is sent", async () => {
    await fc.assert(
      fc.asyncProperty(
        boundaryArb.chain((b) => fc.tuple(fc.constant(b), contentArb(b, 20))),
        cutsArb,
        async ([boundary, content], cuts) => {
          const chunks = splitAt(content, cuts);
          const encoded = encodeRelated([{ body: "root" }, { body: fromChunks(chunks) }], { boundary });
          const reader = encoded.body.getReader();
          const sent: Uint8Array[] = [];
          let error: unknown;
          try {
            for (;;) {
              const { done, value } = await reader.read();
              if (done) break;
              sent.push(value);
            }
          } catch (e) {
            error = e;
          }
          const head = utf8(`--${boundary}\r\n\r\nroot\r\n--${boundary}\r\n\r\n`);
          if (!hasLineStartBoundary(content, boundary)) {
            expect(error).toBeUndefined();
            return;
          }
          expect(error).toBeInstanceOf(BoundaryInContentError);
          expect(error).toMatchObject({ partIndex: 1, rule: "MIME-BOUNDARY-IN-CONTENT" });
          const sentContent = concat(sent).subarray(head.length);
          // What was sent is a whole number of chunks and holds no collision itself …
          expect(hasLineStartBoundary(sentContent, boundary)).toBe(false);
          // … and the next chunk would have completed one.
          let prefix = 0;
          let n = 0;
          while (prefix < sentContent.length) prefix += chunks[n++]!.length;
          expect(prefix).toBe(sentContent.length);
          while (chunks[n]?.length === 0) n++;
          expect(hasLineStartBoundary(concat(chunks.slice(0, n + 1)), boundary)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reads a streamed part lazily, one source chunk per read", async () => {
    let pulls = 0;
    async function* source() {
      for (let i = 0; i < 5; i++) {
        pulls++;
        yield bytesOf(`chunk ${i};`);
      }
    }
    const encoded = encodeRelated([{ body: source() }], { boundary: "b" });
    await Promise.resolve();
    expect(pulls).toBe(0);
    const reader = encoded.body.getReader();
    await reader.read(); // the delimiter line
    expect(pulls).toBe(0);
    expect(latin1((await reader.read()).value!)).toBe("chunk 0;");
    expect(pulls).toBe(1);
    expect(latin1((await reader.read()).value!)).toBe("chunk 1;");
    expect(pulls).toBe(2);
    await reader.cancel();
  });

  it("cancelling the body cancels the part's source (iterable, ReadableStream and Blob)", async () => {
    let returned = false;
    const iterable: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => ({ done: false, value: bytesOf("x") }),
        return: async () => {
          returned = true;
          return { done: true, value: undefined };
        },
      }),
    };
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(bytesOf("y")),
      cancel: () => {
        cancelled = true;
      },
    });
    for (const body of [iterable, stream, new Blob([new Uint8Array(1 << 20)])]) {
      const reader = encodeRelated([{ body }], { boundary: "b" }).body.getReader();
      await reader.read();
      await reader.read();
      await reader.cancel();
    }
    expect(returned).toBe(true);
    expect(cancelled).toBe(true);
  });

  it("sends a Blob part whole", async () => {
    const bytes = new Uint8Array(100_000).map((_, i) => i % 251);
    const encoded = encodeRelated([{ body: new Blob([bytes]) }], { boundary: "b" });
    const body = await readAll(encoded.body);
    expect(encoded.length).toBe(body.length);
    expect(body.subarray(7, 7 + bytes.length)).toEqual(bytes);
  });
});
