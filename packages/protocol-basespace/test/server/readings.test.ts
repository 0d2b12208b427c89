/**
 * The readings (`reading: "lenient" | "strict"`): at each point the documents leave open, the
 * three servers answer as the README's table says, over real sockets. Every other answer is the
 * default's (rules.test.ts); `readingPolicy` is the one place each point is decided.
 */
import type { Reading } from "@partwise/node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { File, FilePart } from "../../src/index.ts";
import { readingPolicy } from "../../src/server/index.ts";
import {
  answer,
  bytesOf,
  Client,
  expectError,
  md5,
  md5Base64,
  md5Hex,
  startServer,
  type TestServer,
} from "./helpers.ts";

const TOKENS = ["reading-a", "reading-b"] as const;
const servers = new Map<Reading, TestServer>();
let appResults = 0;

/** The owner's client, the second token's client and a fresh AppResult on the server of `reading`. */
function on(reading: Reading) {
  const server = servers.get(reading)!;
  appResults += 1;
  return {
    owner: new Client(server.base, TOKENS[0]),
    other: new Client(server.base, TOKENS[1]),
    appResult: String(500 + appResults),
    base: server.base,
  };
}

beforeAll(async () => {
  for (const reading of ["default", "lenient", "strict"] as const)
    servers.set(reading, await startServer({ reading, tokens: TOKENS }));
});
afterAll(async () => {
  for (const server of servers.values()) await server.close();
});

/** Initiates as [S0] shows it, the file's Content-Type included. */
async function initiated(client: Client, appResult: string, name: string): Promise<File> {
  const response = await client.initiateRaw(appResult, name, { headers: { "content-type": "text/plain" } });
  const { status, body } = await answer<{ Response: File }>(response, "FileResponse");
  expect(status).toBe(200);
  return body.Response;
}

/** Initiates as [S0] shows it (the file's Content-Type included) and stores one part. */
async function pendingWithPart(reading: Reading, bytes = bytesOf(40, 3)) {
  const { owner, other, appResult, base } = on(reading);
  const file = await initiated(owner, appResult, "reads.fastq");
  await owner.putPartRaw(file.Id, 1, bytes, { "content-md5": md5Base64(bytes) });
  return { owner, other, appResult, base, file };
}

describe("where the readings differ", () => {
  test("a token the server does not know: 401, 401, 403 (a missing one is 401 in all)", async () => {
    for (const [reading, status] of [
      ["default", 401],
      ["lenient", 401],
      ["strict", 403],
    ] as const) {
      const { base } = on(reading);
      const wrong = await fetch(`${base}/files/1`, { headers: { "x-access-token": "nobody" } });
      await expectError(wrong, status, "BS-AUTH");
      await expectError(await fetch(`${base}/files/1`), 401, "BS-AUTH");
    }
  });

  test("another token's AppResult: 403, 403, 404; another token's File: 404, 404, 403", async () => {
    for (const [reading, appResultStatus, fileStatus] of [
      ["default", 403, 404],
      ["lenient", 403, 404],
      ["strict", 404, 403],
    ] as const) {
      const { other, appResult, file } = await pendingWithPart(reading);
      const into = await other.initiateRaw(appResult, "x.bin", { headers: { "content-type": "text/plain" } });
      expect((await answer(into)).status, reading).toBe(appResultStatus);
      expect((await other.getFile(file.Id)).status, reading).toBe(fileStatus);
      expect((await answer(await other.statusRaw(file.Id, "complete"))).status, reading).toBe(fileStatus);
    }
  });

  test("a part number outside 1..10000: 400, 400, 404", async () => {
    for (const [reading, status] of [
      ["default", 400],
      ["lenient", 400],
      ["strict", 404],
    ] as const) {
      const { owner, file } = await pendingWithPart(reading);
      await expectError(await owner.putPartRaw(file.Id, 10_001, bytesOf(4)), status, "BS-PART-NUMBER");
    }
  });

  test("an undersized part below a stored higher-numbered one: stored (refused at completion), except by the strict reading (400 at its PUT)", async () => {
    for (const reading of ["default", "lenient", "strict"] as const) {
      const { owner, file } = await pendingWithPart(reading);
      await owner.putPartRaw(file.Id, 5, bytesOf(10)).then((r) => r.arrayBuffer());
      const low = await owner.putPartRaw(file.Id, 2, bytesOf(10));
      if (reading === "strict") await expectError(low, 400, "BS-PART-MIN-SIZE");
      else expect((await answer(low, "FilePartResponse")).status).toBe(200);
    }
  });

  test("a part over the maximum: 413, 413, 400", async () => {
    for (const [reading, status] of [
      ["default", 413],
      ["lenient", 413],
      ["strict", 400],
    ] as const) {
      const { owner, file } = await pendingWithPart(reading);
      await expectError(await owner.putPartRaw(file.Id, 2, bytesOf(257)), status, "BS-PART-MAX-SIZE");
    }
  });

  test("parameters: a JSON body and other letter cases are read, except by the strict reading", async () => {
    for (const reading of ["default", "lenient", "strict"] as const) {
      const { owner, appResult, file } = await pendingWithPart(reading);
      const json = await fetch(`${owner.base}/files/${file.Id}`, {
        method: "POST",
        headers: { ...owner.headers, "content-type": "application/json" },
        body: JSON.stringify({ UploadStatus: "complete" }),
      });
      const cased = await owner.initiateRaw(appResult, "x", {
        query: "Name=x.bin&multipart=True",
        headers: { "content-type": "text/plain" },
      });
      if (reading === "strict") {
        await expectError(json, 400, "BS-PARAMS-ANYWHERE");
        await expectError(cased, 400, "BS-PARAMS-ANYWHERE");
      } else {
        expect((await answer(json, "FileResponse")).status).toBe(201);
        expect((await answer(cased, "FileResponse")).status).toBe(200);
      }
    }
  });

  test("an initiation without Content-Type: application/octet-stream, except for the strict reading (400)", async () => {
    for (const reading of ["default", "lenient", "strict"] as const) {
      const { owner, appResult } = on(reading);
      const response = await owner.initiateRaw(appResult, "no-type.bin");
      if (reading === "strict") await expectError(response, 400, "BS-INIT-MULTIPART");
      else
        expect((await answer<{ Response: File }>(response, "FileResponse")).body.Response.ContentType).toBe(
          "application/octet-stream",
        );
    }
  });

  test("a nested directory: accepted, except by the strict reading (400)", async () => {
    for (const reading of ["default", "lenient", "strict"] as const) {
      const { owner, appResult } = on(reading);
      const response = await owner.initiateRaw(appResult, "x", {
        query: "name=x.bin&directory=run1%2Flane2&multipart=true",
        headers: { "content-type": "text/plain" },
      });
      if (reading === "strict") await expectError(response, 400, "BS-INIT-PATH");
      else
        expect((await answer<{ Response: File }>(response, "FileResponse")).body.Response.Path).toBe(
          "run1/lane2/x.bin",
        );
    }
  });

  test("the ETag: lower-case hex, except upper-case in the strict reading", async () => {
    for (const reading of ["default", "lenient", "strict"] as const) {
      const { owner, file } = await pendingWithPart(reading);
      const bytes = bytesOf(50, 9);
      const { body } = await answer<{ Response: FilePart }>(
        await owner.putPartRaw(file.Id, 2, bytes),
        "FilePartResponse",
      );
      const hex = md5Hex(bytes);
      expect(body.Response.ETag).toBe(reading === "strict" ? hex.toUpperCase() : hex);
    }
  });

  test("a nameless initiation: refused (400), except by the lenient reading, which names the File after its id", async () => {
    for (const reading of ["default", "lenient", "strict"] as const) {
      const { owner, appResult } = on(reading);
      const response = await owner.initiateRaw(appResult, "", {
        query: "multipart=true",
        headers: { "content-type": "text/plain" },
      });
      if (reading === "lenient") {
        const file = (await answer<{ Response: File }>(response, "FileResponse")).body.Response;
        expect(file.Name).toBe(`file-${file.Id}`);
      } else await expectError(response, 400, "BS-INIT-NAME");
    }
  });

  test("completing without parts: refused (400), except by the lenient reading (an empty File)", async () => {
    for (const reading of ["default", "lenient", "strict"] as const) {
      const { owner, appResult } = on(reading);
      const file = await initiated(owner, appResult, "empty.bin");
      const response = await owner.statusRaw(file.Id, "complete");
      if (reading === "lenient") {
        const { status, body } = await answer<{ Response: File }>(response, "FileResponse");
        expect({ status, size: body.Response.Size, state: body.Response.UploadStatus }).toEqual({
          status: 201,
          size: 0,
          state: "complete",
        });
      } else await expectError(response, 400, "BS-COMPLETE-EMPTY");
    }
  });

  test("Content-MD5 as unpadded base64 or hex: refused (400), except by the lenient reading", async () => {
    for (const reading of ["default", "lenient", "strict"] as const) {
      const { owner, file } = await pendingWithPart(reading);
      const bytes = bytesOf(30, 4);
      const forms = [md5Base64(bytes).replace(/=+$/, ""), md5(bytes).toString("hex")];
      for (const header of forms) {
        const response = await owner.putPartRaw(file.Id, 2, bytes, { "content-md5": header });
        if (reading === "lenient") expect((await answer(response, "FilePartResponse")).status).toBe(200);
        else await expectError(response, 400, "BS-PART-MD5");
      }
      // A digest that does not match is refused in every reading.
      const wrong = await owner.putPartRaw(file.Id, 2, bytes, { "content-md5": md5Hex(bytesOf(30, 5)) });
      await expectError(wrong, 400, "BS-PART-MD5");
    }
  });

  test("download: redirect=true redirects (strict: the bytes); Range on the API is honoured (strict: ignored, but not on HrefContent)", async () => {
    for (const reading of ["default", "lenient", "strict"] as const) {
      const bytes = bytesOf(100, 6);
      const { owner, file } = await pendingWithPart(reading, bytes);
      await owner.complete(file.Id);
      const content = `${owner.base}/files/${file.Id}/content`;
      const redirect = await fetch(`${content}?redirect=true`, {
        headers: owner.headers,
        redirect: "manual",
      });
      const ranged = await fetch(`${content}?redirect=false`, {
        headers: { ...owner.headers, range: "bytes=0-9" },
      });
      const meta = await answer<{ Response: { HrefContent: string } }>(
        await fetch(`${content}?redirect=meta`, { headers: owner.headers }),
        "FileContentMetaResponse",
      );
      const signed = await fetch(meta.body.Response.HrefContent, { headers: { range: "bytes=0-9" } });
      expect(signed.status).toBe(206);
      await signed.arrayBuffer();
      if (reading === "strict") {
        expect(redirect.status).toBe(200);
        expect(new Uint8Array(await redirect.arrayBuffer())).toEqual(bytes);
        expect(ranged.status).toBe(200);
        expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(bytes);
      } else {
        expect(redirect.status).toBe(302);
        await redirect.arrayBuffer();
        expect(ranged.status).toBe(206);
        expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(bytes.subarray(0, 10));
      }
    }
  });

  test("abort keeps the File as aborted (strict: deletes it, 404); completing twice answers 201 again (strict: 409)", async () => {
    for (const reading of ["default", "lenient", "strict"] as const) {
      const aborted = await pendingWithPart(reading);
      expect(
        (await answer(await aborted.owner.statusRaw(aborted.file.Id, "aborted"), "FileResponse")).status,
      ).toBe(200);
      const after = await aborted.owner.getFile(aborted.file.Id);
      if (reading === "strict") expect(after.status).toBe(404);
      else expect(after.body.Response.UploadStatus).toBe("aborted");

      const done = await pendingWithPart(reading);
      await done.owner.complete(done.file.Id);
      const again = await done.owner.statusRaw(done.file.Id, "complete");
      if (reading === "strict") await expectError(again, 409, "BS-COMPLETE-FINAL");
      else expect((await answer(again, "FileResponse")).status).toBe(201);
    }
  });
});

describe("'MB' read both ways (real limits)", () => {
  const real = new Map<Reading, TestServer>();
  beforeAll(async () => {
    for (const reading of ["lenient", "strict"] as const)
      real.set(reading, await startServer({ reading, tokens: TOKENS, limits: undefined }));
  });
  afterAll(async () => {
    for (const server of real.values()) await server.close();
  });

  test("the policies: 5 MiB..25 MiB by default, 5,000,000 bytes minimum when lenient, 25,000,000 maximum when strict", () => {
    expect([readingPolicy().minPartSize, readingPolicy().maxPartSize]).toEqual([5_242_880, 26_214_400]);
    expect(readingPolicy("lenient").minPartSize).toBe(5_000_000);
    expect(readingPolicy("strict").maxPartSize).toBe(25_000_000);
  });

  test("lenient: a non-final part of 5,000,000 bytes completes; strict: a part of 25,000,001 bytes is refused (400)", async () => {
    const lenient = new Client(real.get("lenient")!.base, TOKENS[0]);
    const file = await lenient.initiate("mb", "five-million.bin");
    await lenient.putPart(file.Id, 1, new Uint8Array(5_000_000).fill(1));
    await lenient.putPart(file.Id, 2, bytesOf(10));
    expect((await lenient.complete(file.Id)).Size).toBe(5_000_010);

    const strict = new Client(real.get("strict")!.base, TOKENS[0]);
    const upload = await initiated(strict, "mb", "too-big.bin");
    await expectError(
      await strict.putPartRaw(upload.Id, 1, new Uint8Array(25_000_001)),
      400,
      "BS-PART-MAX-SIZE",
    );
    const largest = new Uint8Array(25_000_000).fill(2);
    const accepted = await answer<{ Response: FilePart }>(
      await strict.putPartRaw(upload.Id, 1, largest),
      "FilePartResponse",
    );
    expect(accepted.body.Response.Size).toBe(25_000_000);
  });
});
