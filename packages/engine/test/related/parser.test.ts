import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPartwiseError } from "../../src/errors.ts";
import {
  BoundaryError,
  createRelatedParser,
  DEFAULT_MAX_HEADER_SIZE,
  encodeRelated,
  ParserClosedError,
  parseContentType,
  RelatedConfigError,
} from "../../src/related/index.ts";
import { accepted, rejected } from "./cases.ts";
import type { ParseOutcome } from "./helpers.ts";
import {
  boundaryArb,
  bytesOf,
  contentArb,
  cutsArb,
  latin1,
  oneByteChunks,
  readAll,
  runParser,
  splitAt,
  utf8,
  withoutBodiesOnError,
} from "./helpers.ts";

/** The chunkings every table case runs under: whole, one byte at a time, and cut at `cuts`. */
function chunkings(bytes: Uint8Array, cuts: number[]): Uint8Array[][] {
  return [[bytes], oneByteChunks(bytes), splitAt(bytes, cuts)];
}

describe("createRelatedParser: the accepted table (RFC 2046 allows it)", () => {
  for (const c of accepted) {
    it(c.name, () => {
      const { boundary } = parseContentType(c.contentType);
      fc.assert(
        fc.property(cutsArb, (cuts) => {
          for (const chunks of chunkings(bytesOf(c.body), cuts)) {
            expect(runParser(boundary, chunks)).toEqual({ parts: c.parts, ended: true });
          }
        }),
        { numRuns: 20 },
      );
    });
  }
});

describe("createRelatedParser: the rejected table (busboy's catalogue)", () => {
  for (const c of rejected) {
    it(`${c.name} -> ${c.code}`, () => {
      const { boundary } = parseContentType(c.contentType);
      fc.assert(
        fc.property(cutsArb, (cuts) => {
          for (const chunks of chunkings(bytesOf(c.body), cuts)) {
            const outcome = runParser(boundary, chunks, c.limits);
            expect({ error: outcome.error, rule: outcome.rule }).toEqual({ error: c.code, rule: c.rule });
          }
        }),
        { numRuns: 10 },
      );
    });
  }
});

/**
 * A model far simpler than the parser: whole-buffer string search, straight from the grammar in
 * parser.ts. Every body, valid or not, must get the same reading from both, under any chunking.
 */
function model(boundary: string, body: Uint8Array): ParseOutcome {
  const s = latin1(body);
  const dash = `--${boundary}`;
  const parts: { headers: [string, string][]; body: string }[] = [];
  const fail = (error: string, rule: string): ParseOutcome => ({ parts, ended: false, error, rule });
  const close = () => fail("PW_MIME_CLOSE_DELIMITER", "MIME-CLOSE-DELIMITER");
  const malformed = () => fail("PW_MIME_DELIMITER", "MIME-TRANSPORT-PADDING");
  const noDelimiter = () => fail("PW_MIME_NO_DELIMITER", "MIME-DELIMITER-LINE-START");
  const badHeaders = () => fail("PW_MIME_PART_HEADERS", "MIME-PART-HEADERS");
  const isPadding = (i: number) => s[i] === " " || s[i] === "\t";

  let pos: number;
  if (s.startsWith(dash)) pos = dash.length;
  else {
    const at = s.indexOf(`\r\n${dash}`);
    if (at < 0) return noDelimiter();
    pos = at + 2 + dash.length;
  }
  for (;;) {
    if (s[pos] === "-") {
      if (pos + 1 === s.length) return close();
      if (s[pos + 1] !== "-") return malformed();
      if (parts.length === 0) return noDelimiter();
      pos += 2;
      while (isPadding(pos)) pos++;
      if (pos === s.length) return { parts, ended: true };
      if (s.slice(pos, pos + 2) !== "\r\n") return malformed();
      return { parts, ended: true };
    }
    while (isPadding(pos)) pos++;
    if (pos === s.length) return close();
    if (s[pos] !== "\r") return malformed();
    if (pos + 1 === s.length) return close();
    if (s[pos + 1] !== "\n") return malformed();
    pos += 2;

    let section: string;
    if (s.startsWith("\r\n", pos)) {
      section = "";
      pos += 2;
    } else {
      const end = s.indexOf("\r\n\r\n", pos);
      if (end < 0) return badHeaders();
      section = s.slice(pos, end);
      pos = end + 4;
    }
    const headers = modelFields(section);
    if (headers === undefined) return badHeaders();
    const part = { headers, body: "" };
    parts.push(part);

    if (s.startsWith(dash, pos)) {
      pos += dash.length;
    } else {
      const at = s.indexOf(`\r\n${dash}`, pos);
      if (at < 0) return close();
      part.body = s.slice(pos, at);
      pos = at + 2 + dash.length;
    }
  }
}

function modelFields(section: string): [string, string][] | undefined {
  const fields: [string, string][] = [];
  if (section === "") return fields;
  for (const line of new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytesOf(section)).split("\r\n")) {
    if (line.includes("\r") || line.includes("\n") || line.includes("\0")) return undefined;
    if (line.startsWith(" ") || line.startsWith("\t")) {
      const last = fields.at(-1);
      if (last === undefined) return undefined;
      last[1] += line;
      continue;
    }
    const colon = line.indexOf(":");
    const name = line.slice(0, Math.max(colon, 0)).replace(/[ \t]+$/, "");
    if (colon < 0 || !/^[!-9;-~]+$/.test(name)) return undefined;
    fields.push([name.toLowerCase(), line.slice(colon + 1)]);
  }
  const headers = new Map<string, string>();
  for (const [name, value] of fields) {
    const trimmed = value.replace(/^[ \t]+|[ \t]+$/g, "");
    const earlier = headers.get(name);
    headers.set(name, earlier === undefined ? trimmed : `${earlier}, ${trimmed}`);
  }
  return [...headers];
}

/** Byte soup made of the pieces a multipart body is made of, in any order. */
const soupArb = boundaryArb.chain((boundary) =>
  fc.record({
    boundary: fc.constant(boundary),
    body: fc
      .array(
        fc.oneof(
          {
            weight: 3,
            arbitrary: fc.constantFrom(`--${boundary}`, `\r\n--${boundary}`, `\r\n--${boundary}--`),
          },
          { weight: 3, arbitrary: fc.constantFrom("\r\n", "\r\n\r\n", "\r", "\n", " ", "\t", "-", "--") },
          {
            weight: 2,
            arbitrary: fc.constantFrom(
              "Content-Type: a/b\r\n",
              "X:\r\n",
              " folded\r\n",
              ":x\r\n",
              "no colon\r\n",
            ),
          },
          { weight: 2, arbitrary: fc.uint8Array({ maxLength: 8 }).map(latin1) },
        ),
        { maxLength: 30 },
      )
      .map((pieces) => bytesOf(pieces.join(""))),
  }),
);

const paddingArb = fc.string({ unit: fc.constantFrom(" ", "\t"), maxLength: 3 });

/** Bodies the grammar allows, in all its optional forms; content may (rarely) collide with the boundary. */
const validSoupArb = boundaryArb.chain((boundary) => {
  const part = fc
    .tuple(
      fc.array(fc.constantFrom("Content-Type: a/b", "X-A:", "x-a:  1 ", "Content-ID: <r>", " folded"), {
        maxLength: 3,
      }),
      fc.option(contentArb(boundary, 6).map(latin1)),
    )
    .map(([lines, content]) => {
      const fields = lines[0]?.startsWith(" ") ? lines.slice(1) : lines;
      return fields.map((l) => `${l}\r\n`).join("") + (content === null ? "" : `\r\n${content}`);
    });
  return fc.record({
    boundary: fc.constant(boundary),
    body: fc
      .tuple(
        fc.option(fc.uint8Array({ maxLength: 12 }).map(latin1)),
        fc.array(fc.tuple(paddingArb, part), { minLength: 1, maxLength: 4 }),
        paddingArb,
        fc.option(fc.oneof(fc.constant(""), fc.uint8Array({ maxLength: 12 }).map(latin1))),
      )
      .map(([preamble, parts, closePadding, epilogue]) => {
        const dash = `--${boundary}`;
        let text = preamble === null ? "" : `${preamble}\r\n`;
        text += parts.map(([pad, p], i) => `${i === 0 ? "" : "\r\n"}${dash}${pad}\r\n${p}`).join("");
        text += `\r\n${dash}--${closePadding}${epilogue === null ? "" : `\r\n${epilogue}`}`;
        return bytesOf(text);
      }),
  });
});

describe("createRelatedParser against a whole-buffer model", () => {
  it("reads any byte soup as the model does, under any chunking", () => {
    fc.assert(
      fc.property(soupArb, cutsArb, ({ boundary, body }, cuts) => {
        const expected = withoutBodiesOnError(model(boundary, body));
        for (const chunks of chunkings(body, cuts)) {
          expect(withoutBodiesOnError(runParser(boundary, chunks, { maxHeaderSize: Infinity }))).toEqual(
            expected,
          );
        }
      }),
      { numRuns: 400 },
    );
  });

  it("reads every valid body (padding, preamble, epilogue, no headers …) with the model's bytes", () => {
    fc.assert(
      fc.property(validSoupArb, cutsArb, ({ boundary, body }, cuts) => {
        const expected = model(boundary, body);
        fc.pre(expected.error === undefined);
        for (const chunks of chunkings(body, cuts)) {
          expect(runParser(boundary, chunks, { maxHeaderSize: Infinity })).toEqual(expected);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("createRelatedParser: errors are sticky values", () => {
  it("after an error, every write and end reports the same error and nothing else", () => {
    fc.assert(
      fc.property(
        soupArb,
        fc.array(fc.uint8Array({ maxLength: 16 }), { maxLength: 4 }),
        ({ boundary, body }, more) => {
          const seen: unknown[] = [];
          let events = 0;
          const parser = createRelatedParser(
            { boundary },
            {
              onPartStart: () => events++,
              onPartData: () => events++,
              onPartEnd: () => events++,
              onEnd: () => events++,
              onError: (error) => seen.push(error),
            },
          );
          parser.write(body);
          parser.end();
          fc.pre(seen.length === 1);
          const first = seen[0];
          const eventsBefore = events;
          for (const chunk of more) parser.write(chunk);
          parser.end();
          expect(seen.length).toBe(2 + more.length);
          for (const error of seen) expect(error).toBe(first);
          expect(events).toBe(eventsBefore);
          expect(isPartwiseError(first)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("write or end after a successful end is a local ParserClosedError", () => {
    const parser = createRelatedParser(
      { boundary: "b" },
      { onPartStart() {}, onPartData() {}, onPartEnd() {}, onEnd() {}, onError() {} },
    );
    parser.write(bytesOf("--b\r\n\r\nx\r\n--b--"));
    parser.end();
    expect(() => parser.write(new Uint8Array(1))).toThrow(ParserClosedError);
    expect(() => parser.end()).toThrow(ParserClosedError);
  });
});

describe("createRelatedParser: configuration", () => {
  it("checks the boundary (local BoundaryError) and the limits (RelatedConfigError)", () => {
    const callbacks = { onPartStart() {}, onPartData() {}, onPartEnd() {}, onEnd() {}, onError() {} };
    expect(() => createRelatedParser({ boundary: "bad " }, callbacks)).toThrow(BoundaryError);
    for (const bad of [-1, 1.5, Number.NaN, Number.NEGATIVE_INFINITY]) {
      expect(() => createRelatedParser({ boundary: "b", maxParts: bad }, callbacks)).toThrow(
        RelatedConfigError,
      );
      expect(() => createRelatedParser({ boundary: "b", maxHeaderSize: bad }, callbacks)).toThrow(
        RelatedConfigError,
      );
    }
    expect(DEFAULT_MAX_HEADER_SIZE).toBe(16 * 1024);
  });
});

const headersArb = fc.dictionary(
  fc.string({ unit: fc.constantFrom(..."abcxyz-"), minLength: 1, maxLength: 8 }).map((s) => `x${s}`),
  fc.string({ unit: fc.constantFrom(..."abc 123;=é"), maxLength: 12 }).map((s) => s.trim()),
  { maxKeys: 3 },
);

/** Valid bodies from the encoder, with the sizes each limit is measured in. */
const validBodyArb = fc
  .tuple(
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
    fc.array(fc.record({ headers: headersArb, body: fc.uint8Array({ maxLength: 64 }) }), {
      minLength: 1,
      maxLength: 4,
    }),
  )
  .map(([random, parts]) => {
    const boundary = latin1(random).replace(/[^A-Za-z0-9]/g, "") || "b";
    return { boundary, parts };
  });

describe("createRelatedParser: limits hold exactly", () => {
  it("a body at each limit passes; one byte or part over it fails with that limit's rule", async () => {
    await fc.assert(
      fc.asyncProperty(validBodyArb, cutsArb, async ({ boundary, parts }, cuts) => {
        const encoded = encodeRelated(parts, { boundary });
        const body = await readAll(encoded.body);
        const chunks = splitAt(body, cuts);
        const headerSize = (headers: Record<string, string>) =>
          4 + Object.entries(headers).reduce((n, [k, v]) => n + utf8(`${k}: ${v}\r\n`).length, 0);
        const sizes = {
          maxBodySize: body.length,
          maxParts: parts.length,
          maxPartSize: Math.max(...parts.map((p) => p.body.length)),
          maxHeaderSize: Math.max(...parts.map((p) => headerSize(p.headers))),
        };
        const rules = {
          maxBodySize: "MIME-LIMIT-BODY-SIZE",
          maxParts: "MIME-LIMIT-PARTS",
          maxPartSize: "MIME-LIMIT-PART-SIZE",
          maxHeaderSize: "MIME-LIMIT-HEADER-SIZE",
        } as const;
        for (const name of Object.keys(sizes) as (keyof typeof sizes)[]) {
          expect(runParser(boundary, chunks, { [name]: sizes[name] }).error).toBeUndefined();
          if (sizes[name] > 0) {
            expect(runParser(boundary, chunks, { [name]: sizes[name] - 1 }).rule).toBe(rules[name]);
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe("createRelatedParser: content is passed on without copies", () => {
  it("onPartData gets views of the written chunk", () => {
    const boundary = "b0undary";
    fc.assert(
      fc.property(contentArb(boundary), (content) => {
        fc.pre(
          !latin1(content).includes(`\r\n--${boundary}`) && !latin1(content).startsWith(`--${boundary}`),
        );
        const body = new Uint8Array([
          ...bytesOf(`--${boundary}\r\n\r\n`),
          ...content,
          ...bytesOf(`\r\n--${boundary}--`),
        ]);
        const views: Uint8Array[] = [];
        const parser = createRelatedParser(
          { boundary },
          { onPartStart() {}, onPartData: (v) => views.push(v), onPartEnd() {}, onEnd() {}, onError() {} },
        );
        parser.write(body);
        parser.end();
        for (const view of views) expect(view.buffer).toBe(body.buffer);
        expect(latin1(new Uint8Array(views.flatMap((v) => [...v])))).toBe(latin1(content));
      }),
    );
  });
});
