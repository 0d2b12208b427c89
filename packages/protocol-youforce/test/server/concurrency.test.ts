/** 64 concurrent uploads under 64 tokens never mix (YF-AUTH-ISOLATION under load). */
import { expect, test } from "vitest";
import { bytesEqual, downloadBytes, list, pseudoRandomBytes, startServer, uploadOk } from "./helpers.ts";

test("64 concurrent uploads under different tokens never mix", async () => {
  await using s = await startServer();
  const clients = Array.from({ length: 64 }, (_, i) => ({
    token: `token-${i}`,
    bytes: pseudoRandomBytes(1000 + i * 517, i + 1),
    name: `file-${i}.bin`,
    businessTypeId: 9000 + i,
  }));
  const files = await Promise.all(clients.map((c) => uploadOk(s.base, c.bytes, c)));
  await Promise.all(
    clients.map(async (c, i) => {
      const file = files[i]!;
      expect(file.name).toBe(c.name);
      expect(bytesEqual(await downloadBytes(s.base, file.id, c.token), c.bytes)).toBe(true);
      const { body } = await list(s.base, { role: "publisher" }, c.token);
      expect(body.data.map((d) => d.fileId)).toEqual([file.id]);
      // Another token reaches nothing of it.
      const other = clients[(i + 1) % clients.length]!.token;
      const response = await fetch(`${s.base}/files/${file.id}?role=publisher`, {
        headers: { authorization: `Bearer ${other}` },
      });
      expect(response.status).toBe(404);
      await response.body?.cancel();
    }),
  );
});
