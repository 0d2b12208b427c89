import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPartwiseError } from "../../src/errors.ts";
import type { RelatedBody, RelatedPart } from "../../src/related/index.ts";
import {
  BoundaryError,
  BoundaryInContentError,
  ContentTypeError,
  createBoundary,
  encodeRelated,
  MalformedDelimiterError,
  PartSkippedError,
  PartsLimitError,
  parseRelated,
} from "../../src/related/index.ts";
import { accepted, rejected } from "./cases.ts";
import {
  boundaryArb,
  bytesOf,
  contentArb,
  cutsArb,
  fromChunks,
  hasLineStartBoundary,
  latin1,
  oneByteChunks,
  readAll,
  runParseRelated,
  splitAt,
  utf8,
} from "./helpers.ts";

async function bodyText(part: RelatedPart): Promise<string> {
  return latin1(await readAll(part.body));
}

describe("parseRelated: the accepted and rejected tables", () => {
  for (const c of accepted) {
    it(`accepts: ${c.name}`, async () => {
      await fc.assert(
        fc.asyncProperty(cutsArb, async (cuts) => {
          const body = bytesOf(c.body);
          for (const chunks of [[body], oneByteChunks(body), splitAt(body, cuts)]) {
            expect(await runParseRelated(c.contentType, chunks)).toEqual({ parts: c.parts, ended: true });
          }
        }),
        { numRuns: 10 },
      );
    });
  }
  for (const c of rejected) {
    it(`rejects: ${c.name} -> ${c.code}`, async () => {
      await fc.assert(
        fc.asyncProperty(cutsArb, async (cuts) => {
          const body = bytesOf(c.body);
          for (const chunks of [[body], splitAt(body, cuts)]) {
            const outcome = await runParseRelated(c.contentType, chunks, c.limits);
            expect({ error: outcome.error, rule: outcome.rule }).toEqual({ error: c.code, rule: c.rule });
          }
        }),
        { numRuns: 5 },
      );
    });
  }
});

describe("parseRelated: YouForce multipart upload [S4]", () => {
  const metadata = '{\r\n    "name":"TestFile.txt",\r\n    "businesstypeid":"7100"\r\n}';
  const seedBody = [
    "--foo_bar_baz",
    "Content-Type: application/json; charset=UTF-8",
    "",
    "{",
    '    "name":"TestFile.txt",',
    '    "businesstypeid":"7100"',
    "}",
    "--foo_bar_baz",
    "",
    "This is a test file",
    "--foo_bar_baz--",
  ].join("\r\n");

  it("the seed's example body, with CRLF line endings, is its two parts", async () => {
    await fc.assert(
      fc.asyncProperty(cutsArb, async (cuts) => {
        for (const contentType of [
          "multipart/related;boundary=foo_bar_baz",
          "multipart/related; boundary=foo_bar_baz",
        ]) {
          const outcome = await runParseRelated(contentType, splitAt(utf8(seedBody), cuts));
          expect(outcome).toEqual({
            ended: true,
            parts: [
              { headers: [["content-type", "application/json; charset=UTF-8"]], body: metadata },
              { headers: [], body: "This is a test file" },
            ],
          });
          // The seed's response says "size": 19.
          expect(outcome.parts[1]?.body.length).toBe(19);
        }
      }),
      { numRuns: 30 },
    );
  });

  it("the official PowerShell client's framing (UploadFile.ps1) is its two parts", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), cutsArb, async (file, cuts) => {
        fc.pre(!hasLineStartBoundary(file, "file_info"));
        const body = new Uint8Array([
          ...utf8("--file_info\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"),
          ...utf8('{\r\n"name":"data.bin",\r\n"businesstypeid":"7100"\r\n}\r\n'),
          ...utf8("--file_info\r\n\r\n"),
          ...file,
          ...utf8("\r\n--file_info--"),
        ]);
        const outcome = await runParseRelated("multipart/related; boundary=file_info", splitAt(body, cuts));
        expect(outcome).toEqual({
          ended: true,
          parts: [
            {
              headers: [["content-type", "application/json; charset=UTF-8"]],
              body: '{\r\n"name":"data.bin",\r\n"businesstypeid":"7100"\r\n}',
            },
            { headers: [], body: latin1(file) },
          ],
        });
      }),
      { numRuns: 50 },
    );
  });
});

type BodyKind = "bytes" | "string" | "blob" | "iterable" | "stream";

/** The same content as each kind of body the encoder takes, streamed ones cut at `cuts`. */
function asBody(kind: BodyKind, content: Uint8Array, text: string, cuts: number[]): RelatedBody {
  switch (kind) {
    case "bytes":
      return content;
    case "string":
      return text;
    case "blob":
      return new Blob([content.slice()]);
    case "iterable":
      return fromChunks(splitAt(content, cuts));
    case "stream": {
      const chunks = splitAt(content, cuts);
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          const next = chunks.shift();
          if (next === undefined) controller.close();
          else controller.enqueue(next);
        },
      });
    }
  }
}

const headerNameArb = fc
  .string({
    unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789-!#$%&'*+.^_`|~"),
    minLength: 1,
    maxLength: 10,
  })
  .map((name) => `X-${name}`);
const headerValueArb = fc
  .string({ unit: fc.constantFrom(..."abcXYZ019 \t;=,\"'()<>@/é✓"), maxLength: 16 })
  .map((value) => value.replace(/^[ \t]+|[ \t]+$/g, ""));

const partsArb = (boundary: string) =>
  fc.array(
    fc.record({
      headers: fc.uniqueArray(fc.tuple(headerNameArb, headerValueArb), {
        maxLength: 3,
        selector: ([name]) => name.toLowerCase(),
      }),
      content: contentArb(boundary),
      text: fc.string({
        unit: fc.constantFrom("a", "-", "\r", "\n", "é", "✓", ...`--${boundary}`),
        maxLength: 20,
      }),
      kind: fc.constantFrom<BodyKind>("bytes", "string", "blob", "iterable", "stream"),
      cuts: cutsArb,
    }),
    { minLength: 1, maxLength: 4 },
  );

const roundTripArb = fc
  .oneof(
    boundaryArb,
    fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => createBoundary(() => bytes)),
  )
  .chain((boundary) => fc.record({ boundary: fc.constant(boundary), parts: partsArb(boundary) }));

describe("parseRelated(encodeRelated(x)) is x", () => {
  it("for random parts and boundaries, under every re-chunking (random cuts and 1-byte chunks)", async () => {
    await fc.assert(
      fc.asyncProperty(roundTripArb, cutsArb, async ({ boundary, parts }, cuts) => {
        const inputs = parts.map((p) => ({
          headers: Object.fromEntries(p.headers),
          body: asBody(p.kind, p.content, p.text, p.cuts),
        }));
        const contents = parts.map((p) => (p.kind === "string" ? utf8(p.text) : p.content));
        const collides = contents.map((c) => hasLineStartBoundary(c, boundary));
        const first = collides.indexOf(true);

        let encoded: ReturnType<typeof encodeRelated>;
        try {
          encoded = encodeRelated(inputs, { boundary });
        } catch (error) {
          // Only a byte or string part is checked up front, and only a colliding one fails.
          expect(error).toBeInstanceOf(BoundaryInContentError);
          const index = (error as BoundaryInContentError).partIndex;
          expect(collides[index]).toBe(true);
          expect(["bytes", "string"]).toContain(parts[index]!.kind);
          return;
        }
        let body: Uint8Array;
        try {
          body = await readAll(encoded.body);
        } catch (error) {
          expect(error).toBeInstanceOf(BoundaryInContentError);
          expect((error as BoundaryInContentError).partIndex).toBe(first);
          return;
        }
        expect(first).toBe(-1);
        if (encoded.length !== undefined) expect(encoded.length).toBe(body.length);

        const expected = {
          ended: true,
          parts: parts.map((p, i) => ({
            headers: p.headers.map(([name, value]) => [name.toLowerCase(), value]),
            body: latin1(contents[i]!),
          })),
        };
        for (const chunks of [splitAt(body, cuts), oneByteChunks(body)]) {
          expect(await runParseRelated(encoded.contentType, chunks)).toEqual(expected);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe("parseRelated: streaming, skipping and cancelling", () => {
  const boundary = "b0undary";
  const contentType = `multipart/related; boundary=${boundary}`;
  const body = utf8(
    `--${boundary}\r\nX-N: 0\r\n\r\nzero zero\r\n--${boundary}\r\nX-N: 1\r\n\r\none one one\r\n--${boundary}\r\nX-N: 2\r\n\r\ntwo\r\n--${boundary}--`,
  );

  /** A source that records how many chunks were read and whether it was cancelled. */
  function trackedSource(chunks: Uint8Array[], failAt?: number) {
    const state = { reads: 0, returned: false };
    const iterable: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]() {
        return {
          async next() {
            if (state.reads === failAt) throw new Error("network down");
            const value = chunks[state.reads++];
            return value === undefined ? { done: true, value: undefined } : { done: false, value };
          },
          async return() {
            state.returned = true;
            return { done: true, value: undefined };
          },
        };
      },
    };
    return { iterable, state };
  }

  it("reads the source only as far as the consumer asks (backpressure)", async () => {
    const { iterable, state } = trackedSource(oneByteChunks(body));
    const parts = parseRelated(contentType, iterable);
    expect(state.reads).toBe(0);
    const first = await parts.next();
    // The first part is announced as soon as its header section is complete, not later.
    const headerEnd = latin1(body).indexOf("\r\n\r\n") + 4;
    expect(state.reads).toBe(headerEnd);
    expect(first.value?.headers.get("x-n")).toBe("0");
    await parts.return(undefined);
  });

  it("skipping: the next part drains the unread body; reading it later throws PartSkippedError", async () => {
    await fc.assert(
      fc.asyncProperty(
        cutsArb,
        fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        async (cuts, read) => {
          const texts: (string | undefined)[] = [];
          const bodies: AsyncIterable<Uint8Array>[] = [];
          for await (const part of parseRelated(contentType, fromChunks(splitAt(body, cuts)))) {
            bodies.push(part.body);
            texts.push(read[part.index] ? await bodyText(part) : undefined);
          }
          expect(texts).toEqual(["zero zero", "one one one", "two"].map((t, i) => (read[i] ? t : undefined)));
          for (const [i, partBody] of bodies.entries()) {
            if (read[i]) expect(await readAll(partBody)).toEqual(new Uint8Array());
            else await expect(readAll(partBody)).rejects.toBeInstanceOf(PartSkippedError);
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it("a body left half-read is drained when the next part is asked for", async () => {
    const parts = parseRelated(contentType, fromChunks(oneByteChunks(body)));
    const zero = (await parts.next()).value as RelatedPart;
    const iterator = zero.body[Symbol.asyncIterator]();
    expect(latin1((await iterator.next()).value as Uint8Array)).toBe("z");
    const one = (await parts.next()).value as RelatedPart;
    expect(await bodyText(one)).toBe("one one one");
    await expect(iterator.next()).rejects.toBeInstanceOf(PartSkippedError);
  });

  it("breaking out of the parts cancels the source", async () => {
    const { iterable, state } = trackedSource(splitAt(body, [5, 30, 60]));
    for await (const part of parseRelated(contentType, iterable)) {
      expect(part.index).toBe(0);
      break;
    }
    expect(state.returned).toBe(true);
  });

  it("a parser error cancels the source and is thrown to the reader", async () => {
    const malformed = utf8(`--${boundary}\r\n\r\nx\r\n--${boundary}X`);
    const { iterable, state } = trackedSource([malformed, utf8("\r\n\r\ny"), utf8(`\r\n--${boundary}--`)]);
    const parts = parseRelated(contentType, iterable);
    const zero = (await parts.next()).value as RelatedPart;
    // Part 0 ended properly at the delimiter; the line after it is what is malformed.
    expect(latin1(await readAll(zero.body))).toBe("x");
    await expect(parts.next()).rejects.toBeInstanceOf(MalformedDelimiterError);
    await expect(parts.next()).resolves.toEqual({ done: true, value: undefined });
    expect(state).toEqual({ reads: 1, returned: true });
  });

  it("a source error reaches the consumer as it is", async () => {
    const { iterable } = trackedSource(oneByteChunks(body), 50);
    const error = await (async () => {
      try {
        for await (const part of parseRelated(contentType, iterable)) await readAll(part.body);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect((error as Error).message).toBe("network down");
  });

  it("takes a ReadableStream, and cancels it on break", async () => {
    let cancelled = false;
    const chunks = oneByteChunks(body);
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(next);
      },
      cancel() {
        cancelled = true;
      },
    });
    const seen: string[] = [];
    for await (const part of parseRelated(contentType, stream)) {
      seen.push(await bodyText(part));
      if (part.index === 1) break;
    }
    expect(seen).toEqual(["zero zero", "one one one"]);
    expect(cancelled).toBe(true);
  });

  it("passes the limits on", async () => {
    const parts = parseRelated(contentType, fromChunks([body]), { maxParts: 2 });
    await expect(
      readAll(
        (async function* () {
          for await (const part of parts) yield* part.body;
        })(),
      ),
    ).rejects.toBeInstanceOf(PartsLimitError);
  });

  it("throws at once on an unusable Content-Type", () => {
    expect(() => parseRelated("text/plain", fromChunks([]))).toThrow(ContentTypeError);
    expect(() => parseRelated("multipart/related", fromChunks([]))).toThrow(ContentTypeError);
    expect(() => parseRelated("multipart/related; boundary=x ", fromChunks([]))).not.toThrow();
    expect(() => parseRelated('multipart/related; boundary="x "', fromChunks([]))).toThrow(BoundaryError);
  });
});

describe("parseRelated on byte soup", () => {
  const contentTypeArb = fc.oneof(
    boundaryArb.map((b) => `multipart/related; boundary="${b}"`),
    fc.string({ maxLength: 40 }),
    fc.string({ maxLength: 20 }).map((s) => `multipart/related; ${s}`),
  );

  it("never throws anything but a PartwiseError, and always ends", async () => {
    await fc.assert(
      fc.asyncProperty(
        contentTypeArb,
        boundaryArb.chain((b) => contentArb(b, 20)),
        cutsArb,
        async (contentType, soup, cuts) => {
          let steps = 0;
          try {
            for await (const part of parseRelated(contentType, fromChunks(splitAt(soup, cuts)))) {
              steps++;
              for await (const _ of part.body) steps++;
            }
          } catch (error) {
            expect(isPartwiseError(error)).toBe(true);
          }
          // Bounded: at most one part or chunk event per input byte, and a few more per chunk.
          expect(steps).toBeLessThanOrEqual(soup.length + 2 * (cuts.length + 1));
        },
      ),
      { numRuns: 300 },
    );
  });
});
