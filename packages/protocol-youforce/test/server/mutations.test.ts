/**
 * `options.mutations`: deliberate rule breaks for testing conformance suites. Each named rule is
 * broken and nothing else; an unknown name is refused; without mutations nothing changes (the
 * other server tests run the faithful server).
 */
import { describe, expect, test } from "vitest";
import { YOUFORCE_MUTATIONS } from "../../src/server/index.ts";
import {
  auth,
  bytesEqual,
  downloadBytes,
  encoder,
  expectError,
  postFile,
  relatedBody,
  startServer,
} from "./helpers.ts";

describe("mutations", () => {
  test("an unknown mutation is a configuration error", async () => {
    await expect(startServer({ mutations: ["YF-NAME-CHARSTE"] })).rejects.toThrow(RangeError);
    expect(Object.keys(YOUFORCE_MUTATIONS)).toContain("MIME-BOUNDARY-LENGTH");
  });

  test("MIME-BOUNDARY-LENGTH: a 71-character boundary is accepted even when it arrives a byte at a time", async () => {
    await using mutant = await startServer({ mutations: ["MIME-BOUNDARY-LENGTH"] });
    const boundary = "b".repeat(71);
    const media = `x--${boundary}y\r\n-${boundary}`;
    const whole = relatedBody(media, { boundary });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < whole.length; i++) controller.enqueue(whole.slice(i, i + 1));
        controller.close();
      },
    });
    const response = await fetch(`${mutant.base}/files?uploadType=multipart`, {
      method: "POST",
      headers: { ...auth(), "content-type": `multipart/related; boundary="${boundary}"` },
      body,
      duplex: "half",
    } as RequestInit);
    const file = (await response.json()) as { id: string };
    expect(response.status).toBe(201);
    expect(bytesEqual(await downloadBytes(mutant.base, file.id), encoder.encode(media))).toBe(true);
    // The break is that one rule: a bad character is still refused.
    await expectError(
      await postFile(mutant.base, "x", { boundary: "a@b", contentType: 'multipart/related; boundary="a@b"' }),
      400,
      "MIME-BOUNDARY-CHARS",
    );
  });

  test("MIME-CLOSE-DELIMITER: a body without its close delimiter is stored; a whole one is unchanged", async () => {
    await using mutant = await startServer({ mutations: ["MIME-CLOSE-DELIMITER"] });
    const whole = relatedBody("complete", { boundary: "b", finalCrlf: true, epilogue: "bye" });
    const cut = relatedBody("cut short", { boundary: "b" }).slice(0, -"\r\n--b--".length);
    for (const [body, media] of [
      [whole, "complete"],
      [cut, "cut short"],
    ] as const) {
      const response = await fetch(`${mutant.base}/files?uploadType=multipart`, {
        method: "POST",
        headers: { ...auth(), "content-type": "multipart/related; boundary=b" },
        body,
      });
      const file = (await response.json()) as { id: string };
      expect(response.status).toBe(201);
      expect(new TextDecoder().decode(await downloadBytes(mutant.base, file.id))).toBe(media);
    }
  });

  test("YF-METADATA-FIRST: the media part first is stored; metadata first still works", async () => {
    await using mutant = await startServer({ mutations: ["YF-METADATA-FIRST"] });
    const swapped = encoder.encode(
      '--b\r\nContent-Type: text/plain\r\n\r\nmedia first\r\n--b\r\nContent-Type: application/json\r\n\r\n{"FileName":"m.txt","BusinessTypeId":7100}\r\n--b--',
    );
    const response = await fetch(`${mutant.base}/files?uploadType=multipart`, {
      method: "POST",
      headers: { ...auth(), "content-type": "multipart/related; boundary=b" },
      body: swapped,
    });
    const file = (await response.json()) as { id: string; name: string };
    expect(response.status).toBe(201);
    expect(file.name).toBe("m.txt");
    expect(new TextDecoder().decode(await downloadBytes(mutant.base, file.id))).toBe("media first");
    expect((await postFile(mutant.base, "in order")).status).toBe(201);
  });

  test("YF-ERROR-ENVELOPE: refusals lose the envelope but keep their status", async () => {
    await using mutant = await startServer({ mutations: ["YF-ERROR-ENVELOPE"] });
    const response = await fetch(`${mutant.base}/files?role=publisher`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 401 } });
  });
});
