/**
 * The vendors' own clients, replayed: each fixture here is our recording of the exact request
 * sequence a BaseSpace SDK made against `partwise serve --protocol basespace` (see its `client` and
 * `how`), replayed over a real socket against the reference server with the SDK's real limits.
 * Each answer is checked for what the SDK reads from it (ids, UploadStatus, Size, Path, part ETags,
 * the signed HrefContent and its ETag, the downloaded bytes).
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, test } from "vitest";
import { type ReplayFixture, replay } from "../../../../test-support/vendor-replay.ts";
import { createBasespaceServer } from "../../src/server/index.ts";
import type { TestServer } from "../server/helpers.ts";

const fixture = (name: string): ReplayFixture =>
  JSON.parse(readFileSync(new URL(name, import.meta.url), "utf8")) as ReplayFixture;

let s: TestServer;
beforeAll(async () => {
  const server = await createBasespaceServer({ tokens: ["tok-one"] });
  const { url } = await server.listen({ keepAliveTimeoutMs: 10 });
  s = { server, url, base: `${url}/v1pre3`, close: () => server.close() };
});
afterAll(async () => {
  await s.close();
});

test.each(["basespace-python-sdk.json", "basespace-java-sdk.json"])(
  "%s: the recorded sequence gets the answers the SDK reads",
  async (name) => {
    await replay(fixture(name), s.url);
  },
  120_000,
);
