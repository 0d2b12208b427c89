/**
 * The vendors' own clients, replayed: each fixture here is our recording of the exact request
 * sequence one official SDK sent to `partwise serve --protocol cavatica` in one of its users' flows
 * (upload, download, overwrite, pause and resume, abort, file management; see its `client` and
 * `how`), replayed over a real socket against a reference server of its own, as each recording
 * started from one. Every answer must have the recorded status and carry the fields and values the
 * SDK read: hrefs, upload ids and signed part URLs (captured again from this run's answers), part
 * ETags, the file records, list totals, and the downloaded length, whole and by range.
 */
import { readdirSync, readFileSync } from "node:fs";
import { test } from "vitest";
import { type ReplayFixture, replay } from "../../../../test-support/vendor-replay.ts";
import { startServer } from "../server/helpers.ts";

const fixture = (name: string): ReplayFixture =>
  JSON.parse(readFileSync(new URL(name, import.meta.url), "utf8")) as ReplayFixture;

const FIXTURES = readdirSync(new URL(".", import.meta.url))
  .filter((name) => name.endsWith(".json"))
  .sort();

test.each(FIXTURES)(
  "%s: the recorded sequence gets the recorded statuses and the fields the SDK reads",
  async (name) => {
    const h = await startServer();
    try {
      await replay(fixture(name), h.origin);
    } finally {
      await h.close();
    }
  },
  120_000,
);
