/**
 * The vendor's own client, replayed: the fixture is the exact request sequence of the official
 * PowerShell upload and download scripts (see its `client` and `how`), replayed over a real socket
 * against the reference server in its default reading. Each answer is checked for what the scripts
 * read from it: the stored File, `uploadToken`, the list's `fileId`/`fileName`/`fileSize`, and the
 * downloaded bytes, whole and by range. The upload uses the scripts' 9 (MiB) chunk size, which a
 * decimal 9,000,000-byte limit refused (YF-SIZE-UNIT).
 */
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { type ReplayFixture, replay } from "../../../../test-support/vendor-replay.ts";
import { startServer } from "../server/helpers.ts";

const fixture = (name: string): ReplayFixture =>
  JSON.parse(readFileSync(new URL(name, import.meta.url), "utf8")) as ReplayFixture;

const serverOptions = {
  tokens: ["tok-publisher", "tok-subscriber"],
  businessTypes: { "7100": ["tok-publisher", "tok-subscriber"] },
};

test("powershell-file-api-client.json: the scripts' requests get the answers they read", async () => {
  await using server = await startServer(serverOptions);
  await replay(fixture("powershell-file-api-client.json"), server.origin);
}, 120_000);

test("the strict reading (MB as 10^6) refuses the scripts' 9 MiB chunk, so the replay can fail", async () => {
  await using server = await startServer({ ...serverOptions, reading: "strict" });
  await expect(replay(fixture("powershell-file-api-client.json"), server.origin)).rejects.toThrow(
    /step 2 .*status 400/,
  );
}, 120_000);
