/**
 * `options.reading`: the lenient and strict readings differ from the default at exactly the points
 * readings.ts lists (README "Readings"), each tested here over a real socket, and agree with it on
 * what the documents state.
 */
import { describe, expect, test } from "vitest";
import {
  auth,
  BT,
  bytesEqual,
  downloadBytes,
  encoder,
  expectError,
  OTHER,
  postFile,
  pseudoRandomBytes,
  putChunk,
  startServer,
  TOKEN,
  uploadOk,
} from "./helpers.ts";

/** `POST /files?uploadType=resumable`, whatever success status the reading answers. */
async function start(base: string, chunk0: string): Promise<{ status: number; token: string }> {
  const response = await postFile(base, chunk0, { uploadType: "resumable", name: "r.bin" });
  const body = (await response.json()) as { uploadToken: string };
  return { status: response.status, token: body.uploadToken };
}

describe("the strict reading", () => {
  test("takes the other answer where the documents leave a choice, and requires role", async () => {
    await using server = await startServer({
      reading: "strict",
      tokens: [TOKEN, OTHER],
      businessTypes: { [String(BT)]: TOKEN },
    });
    const { base } = server;
    const file = await uploadOk(base, "strict");
    // role is required on download, HEAD and delete; another token's file is 403.
    await expectError(await fetch(`${base}/files/${file.id}`, { headers: auth() }), 400);
    await expectError(
      await fetch(`${base}/files/${file.id}?role=subscriber`, { method: "DELETE", headers: auth() }).then(
        async (first) => {
          expect(first.status).toBe(204);
          return fetch(`${base}/files/${file.id}?role=subscriber`, { method: "DELETE", headers: auth() });
        },
      ),
      404,
      "YF-DELETE",
    );
    await expectError(
      await fetch(`${base}/files/${file.id}?role=publisher`, { headers: auth(OTHER) }),
      403,
      "YF-AUTH-ISOLATION",
    );
    // 400, not 415 or 413.
    await expectError(
      await postFile(base, "x", { contentType: "multipart/form-data; boundary=foo_bar_baz" }),
      400,
      "YF-CONTENT-TYPE",
    );
    // Keys: the two documented spellings only.
    await uploadOk(base, "example", { metadata: { name: "e.txt", businesstypeid: String(BT) } });
    await expectError(
      await postFile(base, "x", { metadata: { FILENAME: "a.txt", BusinessTypeId: BT } }),
      400,
      "YF-METADATA-FILENAME",
    );
    // More scripts are denied.
    await expectError(await postFile(base, "x", { name: "setup.HTA" }), 400, "YF-NAME-EXTENSION");
    // Resumable: 200s, a position once, a chunk over 9,000,000 bytes refused with 400.
    const session = await start(base, "zero;");
    expect(session.status).toBe(200);
    expect((await putChunk(base, session.token, 1, "one;")).status).toBe(200);
    await expectError(await putChunk(base, session.token, 1, "again"), 409, "YF-RESUMABLE-RESEND");
    await expectError(
      await putChunk(base, session.token, 2, pseudoRandomBytes(9_000_001)),
      400,
      "YF-RESUMABLE-CHUNK-SIZE",
    );
    const closed = await putChunk(base, session.token, 2, "two", { close: true });
    expect(closed.status).toBe(200);
    const stored = (await closed.json()) as { id: string };
    expect(bytesEqual(await downloadBytes(base, stored.id), encoder.encode("zero;one;two"))).toBe(true);
  });
});

describe("the lenient reading", () => {
  test("accepts what the documents do not forbid", async () => {
    await using server = await startServer({ reading: "lenient", tokens: [TOKEN] });
    const { base } = server;
    // Any metadata type and charset: ISO-8859-1 is decoded as such.
    const latin = await postFile(base, "latin", {
      metadata: encoder.encode('{"FileName":"l.txt","BusinessTypeId":7100}'),
      metadataHeaders: "Content-Type: application/json; charset=ISO-8859-1\r\n",
    });
    expect(latin.status).toBe(201);
    await uploadOk(base, "plain", { metadataHeaders: "Content-Type: text/plain\r\n" });
    // Only programs are denied; the documents' rules stay.
    await uploadOk(base, "script", { name: "tool.js" });
    await expectError(await postFile(base, "x", { name: "a.pdf.EXE" }), 400, "YF-NAME-EXTENSION");
    await expectError(await postFile(base, "x", { name: "a b.txt" }), 400, "YF-NAME-CHARSET");
    // Chunks up to 100 MiB; a close with a gap takes the chunks there are.
    const session = await start(base, "zero;");
    expect(session.status).toBe(201);
    const big = pseudoRandomBytes(9_437_185, 3);
    expect((await putChunk(base, session.token, 1, big)).status).toBe(202);
    const closed = await putChunk(base, session.token, 3, "three", { close: true });
    expect(closed.status).toBe(201);
    const stored = (await closed.json()) as { id: string; size: number; numChunks: number };
    expect(stored.numChunks).toBe(3);
    expect(stored.size).toBe(5 + big.length + 5);
  });
});
