/**
 * The MIME-* rules (RFC 2046 §5.1.1, RFC 2387) that apply to the body of `POST /files`: each is
 * broken and refused with 400 naming the rule, or kept in one of the forms the RFC allows and
 * accepted, the media part read back byte for byte.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  auth,
  BT,
  type Bytes,
  bytesEqual,
  concat,
  downloadBytes,
  encoder,
  expectError,
  postFile,
  relatedBody,
  startServer,
  storedFiles,
  type TestServer,
} from "./helpers.ts";

let server: TestServer;
let base: string;
beforeAll(async () => {
  server = await startServer({ multipartMaxSize: 64 * 1024 });
  base = server.base;
});
afterAll(() => server.close());

const META = `Content-Type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify({ FileName: "m.txt", BusinessTypeId: BT })}`;

function postRaw(body: Bytes | string, contentType = "multipart/related; boundary=b"): Promise<Response> {
  return fetch(`${base}/files?uploadType=multipart`, {
    method: "POST",
    headers: { ...auth(), "content-type": contentType },
    body,
  });
}

async function expectStored(response: Response, media: Uint8Array | string): Promise<void> {
  const text = await response.text();
  expect(response.status, text).toBe(201);
  const { id } = JSON.parse(text) as { id: string };
  const bytes = typeof media === "string" ? encoder.encode(media) : media;
  expect(bytesEqual(await downloadBytes(base, id), bytes)).toBe(true);
}

/** Refused with 400 naming `rule`, and nothing written to the store. */
async function expectRefused(response: Response, rule: string, status = 400): Promise<void> {
  const before = await storedFiles(server.dataDir);
  await expectError(response, status, rule);
  expect(await storedFiles(server.dataDir)).toEqual(before);
}

describe("Content-Type and boundary", () => {
  test("MIME-CONTENT-TYPE: a multipart/related body without a boundary parameter is refused", async () => {
    await expectRefused(
      await postRaw(relatedBody("x", { boundary: "b" }), "multipart/related"),
      "MIME-CONTENT-TYPE",
    );
    await expectRefused(
      await postRaw(relatedBody("x", { boundary: "b" }), "multipart/related; boundary="),
      "MIME-CONTENT-TYPE",
    );
    await expectRefused(
      await postRaw(relatedBody("x", { boundary: "b" }), 'multipart/related; boundary="b'),
      "MIME-CONTENT-TYPE",
    );
    await expectRefused(
      await postRaw(relatedBody("x", { boundary: "b" }), "multipart/related; boundary=b; boundary=c"),
      "MIME-CONTENT-TYPE",
    );
  });

  test("MIME-BOUNDARY-LENGTH: a 71-character boundary is refused; 70 and 1 characters are accepted", async () => {
    const b70 = "a".repeat(70);
    await expectStored(await postFile(base, "seventy", { boundary: b70 }), "seventy");
    await expectStored(await postFile(base, "one", { boundary: "z" }), "one");
    const b71 = "a".repeat(71);
    await expectRefused(await postFile(base, "x", { boundary: b71 }), "MIME-BOUNDARY-LENGTH");
  });

  test("MIME-BOUNDARY-CHARS: a boundary with a character outside bchars is refused; each special bchar (quoted) is accepted", async () => {
    for (const c of ["@", "[", "!", "#", "é", "*", "\\\\"])
      await expectRefused(
        await postFile(base, "x", {
          boundary: `ab${c}cd`,
          contentType: `multipart/related; boundary="ab${c}cd"`,
        }),
        "MIME-BOUNDARY-CHARS",
      );
    for (const c of ["'", "(", ")", "+", "_", ",", "-", ".", "/", ":", "=", "?", " "]) {
      const boundary = `x${c}y`;
      await expectStored(
        await postFile(base, `special ${c}`, {
          boundary,
          contentType: `multipart/related; boundary="${boundary}"`,
        }),
        `special ${c}`,
      );
    }
  });

  test("MIME-BOUNDARY-TRAILING-SPACE: a boundary ending in a space is refused", async () => {
    await expectRefused(
      await postFile(base, "x", { boundary: "abc ", contentType: 'multipart/related; boundary="abc "' }),
      "MIME-BOUNDARY-TRAILING-SPACE",
    );
  });

  test("MIME-RELATED-TYPE: bodies with and without type are accepted; a type other than the root's is refused", async () => {
    await expectStored(
      await postFile(base, "no type", { contentType: "multipart/related; boundary=foo_bar_baz" }),
      "no type",
    );
    await expectStored(
      await postFile(base, "typed", {
        contentType: 'multipart/related; type="application/json"; boundary=foo_bar_baz',
      }),
      "typed",
    );
    await expectStored(
      await postFile(base, "bare", {
        contentType: "multipart/related; boundary=foo_bar_baz; type=application/json",
      }),
      "bare",
    );
    await expectRefused(
      await postFile(base, "x", { contentType: 'multipart/related; type="text/xml"; boundary=foo_bar_baz' }),
      "MIME-RELATED-TYPE",
    );
  });

  test("MIME-RELATED-ROOT: the first part is the root; a start naming another part is refused", async () => {
    const withId = {
      metadataHeaders: "Content-Type: application/json\r\nContent-ID: <meta@x>\r\n",
      mediaHeaders: "Content-ID: <file@x>\r\n",
    };
    await expectStored(
      await postFile(base, "rooted", {
        ...withId,
        contentType: 'multipart/related; boundary=foo_bar_baz; start="<meta@x>"',
      }),
      "rooted",
    );
    await expectRefused(
      await postFile(base, "x", {
        ...withId,
        contentType: 'multipart/related; boundary=foo_bar_baz; start="<file@x>"',
      }),
      "MIME-RELATED-ROOT",
    );
    await expectRefused(
      await postFile(base, "x", {
        contentType: 'multipart/related; boundary=foo_bar_baz; start="<nothing@x>"',
      }),
      "MIME-RELATED-ROOT",
    );
  });
});

describe("framing", () => {
  test("MIME-BOUNDARY-IN-CONTENT: a delimiter inside the media part splits it, so the body is refused and nothing stored", async () => {
    await expectRefused(await postFile(base, "abc\r\n--foo_bar_baz\r\n\r\nmore"), "YF-TWO-PARTS");
    const message = await expectError(
      await postFile(base, "abc\r\n--foo_bar_bazXYZ\r\nmore"),
      400,
      "MIME-TRANSPORT-PADDING",
    );
    expect(message).toContain("MIME-BOUNDARY-IN-CONTENT");
    // The engine's encoder never produces such a body: any content round-trips with a fresh boundary.
  });

  test("MIME-DELIMITER-LINE-START: --boundary not at the start of a line stays content; the CRLF before a delimiter is not", async () => {
    const media = "x--foo_bar_baz\r\n- --foo_bar_baz--\r\n\r\n\n--foo_bar_baz\rend\r\n";
    await expectStored(await postFile(base, media), media);
    await expectStored(await postFile(base, "\r\n"), "\r\n");
    await expectRefused(await postRaw("no delimiter at all"), "MIME-DELIMITER-LINE-START");
    await expectRefused(await postRaw(""), "MIME-DELIMITER-LINE-START");
    await expectRefused(await postRaw(`x--b\r\n${META} --b\r\n\r\ny --b--`), "MIME-DELIMITER-LINE-START");
  });

  test("MIME-TRANSPORT-PADDING: spaces and tabs after each delimiter are accepted; other text there is refused", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: fc.constantFrom(" ", "\t"), maxLength: 8 }),
        fc.uint8Array({ maxLength: 200 }),
        async (padding, media) => {
          await expectStored(await postFile(base, media, { padding }), media);
        },
      ),
      { numRuns: 10 },
    );
    await expectRefused(await postRaw(`--b x\r\n${META}\r\n--b\r\n\r\ny\r\n--b--`), "MIME-TRANSPORT-PADDING");
    await expectRefused(await postRaw(`--b\r\n${META}\r\n--b\r\n\r\ny\r\n--b--x`), "MIME-TRANSPORT-PADDING");
  });

  test("MIME-CLOSE-DELIMITER: a body truncated before its close delimiter is refused; one ending right after --boundary-- is accepted", async () => {
    const whole = relatedBody("complete", {
      boundary: "b",
      metadata: { FileName: "c.txt", BusinessTypeId: BT },
    });
    await expectStored(await postRaw(whole), "complete");
    for (const cut of [whole.length - 1, whole.length - 4, whole.length - 12, Math.floor(whole.length / 2)])
      await expectRefused(await postRaw(whole.slice(0, cut)), "MIME-");
    await expectRefused(await postRaw(whole.slice(0, whole.length - 5)), "MIME-CLOSE-DELIMITER");
    await expectRefused(await postRaw(`--b\r\n${META}\r\n--b\r\n\r\nunterminated`), "MIME-CLOSE-DELIMITER");
  });

  test("MIME-PREAMBLE-EPILOGUE: random preambles and epilogues are ignored", async () => {
    const text = fc.string({ maxLength: 40 }).filter((s) => !s.includes("--foo_bar_baz"));
    await fc.assert(
      fc.asyncProperty(
        fc.option(text, { nil: undefined }),
        fc.option(text, { nil: undefined }),
        fc.boolean(),
        fc.uint8Array({ maxLength: 300 }),
        async (preamble, epilogue, finalCrlf, media) => {
          await expectStored(
            await postFile(base, media, {
              ...(preamble === undefined ? {} : { preamble }),
              ...(epilogue === undefined ? {} : { epilogue }),
              finalCrlf,
            }),
            media,
          );
        },
      ),
      { numRuns: 15 },
    );
  });

  test("MIME-PART-HEADERS: a media part without headers is accepted; a header line without a colon or a truncated header section is refused", async () => {
    await expectStored(await postFile(base, "no headers"), "no headers");
    await expectStored(
      await postFile(base, "headers", {
        mediaHeaders: "Content-Type: text/csv\r\nContent-Disposition: attachment\r\n",
      }),
      "headers",
    );
    await expectRefused(
      await postRaw(`--b\r\nContent-Type application/json\r\n\r\n{}\r\n--b\r\n\r\ny\r\n--b--`),
      "MIME-PART-HEADERS",
    );
    await expectRefused(
      await postRaw(`--b\r\n${META}\r\n--b\r\nContent-Type: text/plain\r\n`),
      "MIME-PART-HEADERS",
    );
  });

  test("the [S4] and PowerShell wire examples are accepted verbatim", async () => {
    const s4 =
      '--foo_bar_baz\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{\r\n    "name":"TestFile.txt",\r\n    "businesstypeid":"7100"\r\n}\r\n--foo_bar_baz\r\n\r\nThis is a test file\r\n--foo_bar_baz--';
    const response = await postRaw(s4, "multipart/related;boundary=foo_bar_baz");
    const text = await response.text();
    expect(response.status, text).toBe(201);
    expect(JSON.parse(text)).toMatchObject({
      name: "TestFile.txt",
      size: 19,
      numChunks: 1,
      businessType: { id: 7100, name: "7100" },
    });
    const lenient =
      'This preamble is ignored.\r\n--=_Part_0 of:2\t\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{"FileName":"employee_profile(2023-08-08).csv","BusinessTypeId":7100,"customMetadata":{"source":"payroll"}}\r\n--=_Part_0 of:2  \r\nContent-Type: text/csv\r\n\r\nid,name\r\n1,Ada\r\n--=_Part_0 of:2--  \r\nThis epilogue is ignored.';
    await expectStored(
      await postRaw(lenient, 'multipart/related; type="application/json"; boundary="=_Part_0 of:2"'),
      "id,name\r\n1,Ada",
    );
  });
});

describe("receiver limits", () => {
  test("MIME-LIMIT-HEADER-SIZE: a part with a 1 MiB header section is refused with 400", async () => {
    const huge = `X-Filler: ${"a".repeat(1024 * 1024)}\r\n`;
    await expectRefused(
      await postFile(base, "x", { metadataHeaders: `Content-Type: application/json\r\n${huge}` }),
      "MIME-LIMIT-HEADER-SIZE",
    );
    await expectRefused(await postFile(base, "x", { mediaHeaders: huge }), "MIME-LIMIT-HEADER-SIZE");
  });

  test("MIME-LIMIT-PARTS: a body with 10,000 empty parts is refused with 400", async () => {
    const body = `--b\r\n${META}${"\r\n--b\r\n\r\n".repeat(10_000)}\r\n--b--`;
    await expectRefused(await postRaw(body), "MIME-LIMIT-PARTS");
  });

  test("MIME-LIMIT-BODY-SIZE: a body over the limit (here a huge epilogue) is refused while it streams in", async () => {
    // Bound: media limit (64 KiB here) + metadata limit (64 KiB) + 1 MiB of framing.
    const whole = relatedBody("x", { boundary: "b", epilogue: "e".repeat(1024 * 1024 + 200 * 1024) });
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < whole.length; at += 65536) controller.enqueue(whole.slice(at, at + 65536));
        controller.close();
      },
    });
    const response = await fetch(`${base}/files?uploadType=multipart`, {
      method: "POST",
      headers: { ...auth(), "content-type": "multipart/related; boundary=b" },
      body: streamed,
      duplex: "half",
    } as RequestInit);
    await expectRefused(response, "MIME-LIMIT-BODY-SIZE");
    // Declared up front, the same body is refused before it is read (413: it may be the file content).
    await expectRefused(await postRaw(whole), "MIME-LIMIT-BODY-SIZE", 413);
  });

  test("MIME-LIMIT-PART-SIZE: a metadata part over 64 KiB is refused with 400", async () => {
    const metadata = JSON.stringify({
      FileName: "a.txt",
      BusinessTypeId: BT,
      padding: "p".repeat(64 * 1024),
    });
    await expectRefused(await postFile(base, "x", { metadata }), "MIME-LIMIT-PART-SIZE");
    const fits = JSON.stringify({ FileName: "a.txt", BusinessTypeId: BT, padding: "p".repeat(60 * 1024) });
    await expectStored(await postFile(base, "fits", { metadata: fits }), "fits");
  });

  test("a body assembled from chunks split anywhere parses the same (the parser streams)", async () => {
    const media = new Uint8Array(5000).map((_, i) => (i * 7) % 256);
    const whole = relatedBody(media, {
      boundary: "b",
      metadata: { FileName: "split.bin", BusinessTypeId: BT },
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: whole.length - 1 }), { maxLength: 12 }),
        async (cuts) => {
          const points = [0, ...cuts.sort((a, b) => a - b), whole.length];
          const body = new ReadableStream<Uint8Array>({
            start(controller) {
              for (let i = 1; i < points.length; i++)
                controller.enqueue(whole.slice(points[i - 1], points[i]));
              controller.close();
            },
          });
          const response = await fetch(`${base}/files?uploadType=multipart`, {
            method: "POST",
            headers: { ...auth(), "content-type": "multipart/related; boundary=b" },
            body,
            duplex: "half",
          } as RequestInit);
          await expectStored(response, media);
        },
      ),
      { numRuns: 10 },
    );
    expect(concat("a", "b").length).toBe(2);
  });
});
