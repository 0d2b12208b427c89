/**
 * CV-PART-URL-EXPIRY: a part URL is per attempt. One that has expired before it is used is
 * replaced before sending; one that expires while the bytes travel (storage answers 403) is
 * replaced and the part sent again. Server and client share a clock the test moves.
 */
import { type Clock, type FetchLike, systemClock } from "@partwise/client";
import { expect, test } from "vitest";
import { createCavaticaClient, expiryOf, upload } from "../../src/index.ts";
import {
  bytesOf,
  download,
  entries,
  expectSameBytes,
  KiB,
  partOf,
  SMALL_LIMITS,
  startCavatica,
  TOKEN,
  uniqueName,
} from "./helpers.ts";

const TTL_MS = 15 * 60 * 1000;

test("expiryOf reads an ISO date-time or epoch seconds", () => {
  expect(expiryOf("2016-02-27T15:55:38Z")).toBe(Date.UTC(2016, 1, 27, 15, 55, 38));
  expect(expiryOf(1459113561)).toBe(1459113561000);
  expect(expiryOf("not a date")).toBeUndefined();
});

async function expiringSetup() {
  let offset = 0;
  const h = await startCavatica({
    limits: SMALL_LIMITS,
    partUrlTtlMs: TTL_MS,
    now: () => Date.now() + offset,
  });
  const clock: Clock = { now: () => Date.now() + offset, setTimer: systemClock.setTimer };
  return { h, clock, move: (ms: number) => (offset += ms) };
}

test("a URL that expires in transit (storage 403) is replaced and the part sent again", async () => {
  const { h, clock, move } = await expiringSetup();
  try {
    let moved = false;
    const fetch: FetchLike = (input, init) => {
      // The first storage request of part 2 arrives after its URL expired.
      if (!moved && init?.method === "PUT" && /\/parts\/2\?/.test(String(input))) {
        moved = true;
        move(TTL_MS + 60_000);
      }
      return globalThis.fetch(input, init);
    };
    const client = createCavaticaClient({ baseUrl: h.baseUrl, token: TOKEN, limits: SMALL_LIMITS, fetch });
    const bytes = bytesOf(3 * KiB, 5);
    const result = await upload(new Blob([bytes]), {
      client,
      clock,
      project: "alice/expiry",
      name: uniqueName(),
      partSize: KiB,
      concurrency: 1,
      retry: { maxRetriesPerPart: 0 },
    });
    const part2 = (op: string) =>
      entries(h.log, op)
        .filter((e) => e.path.includes("/part/2") || (op === "storagePutPart" && partOf(e) === 2))
        .map((e) => e.status);
    expect(part2("storagePutPart")).toEqual([403, 200]);
    expect(part2("getPartUrl")).toEqual([200, 200]);
    expectSameBytes(await download(h.client, result.id), bytes);
  } finally {
    await h.close();
  }
});

test("a URL already expired when it arrives is replaced before any byte is sent", async () => {
  const { h, clock, move } = await expiringSetup();
  try {
    let skewed = false;
    const fetch: FetchLike = async (input, init) => {
      const response = await globalThis.fetch(input, init);
      // The client's clock jumps past part 1's first URL just as it arrives, then back.
      if (String(input).endsWith("/part/1")) {
        if (!skewed) move(TTL_MS + 60_000);
        else move(-(TTL_MS + 60_000));
        skewed = !skewed;
      }
      return response;
    };
    const client = createCavaticaClient({ baseUrl: h.baseUrl, token: TOKEN, limits: SMALL_LIMITS, fetch });
    const result = await upload(new Blob([bytesOf(KiB + 1, 6)]), {
      client,
      clock,
      project: "alice/expiry",
      name: uniqueName(),
      partSize: KiB,
      concurrency: 1,
      retry: { maxRetriesPerPart: 0 },
    });
    expect(entries(h.log, "getPartUrl").filter((e) => e.path.endsWith("/part/1"))).toHaveLength(2);
    expect(entries(h.log, "storagePutPart").map(partOf).sort()).toEqual([1, 2]);
    expect(result.parts).toBe(2);
  } finally {
    await h.close();
  }
});

test("URLs that are always expired fail the part as retryable, then the upload, naming CV-PART-URL-EXPIRY", async () => {
  const h = await startCavatica({ limits: SMALL_LIMITS, partUrlTtlMs: 0 });
  try {
    // The client's clock is an hour ahead: every URL looks expired on arrival.
    const clock: Clock = { now: () => Date.now() + 3_600_000, setTimer: systemClock.setTimer };
    const error = await upload(new Blob([bytesOf(10, 1)]), {
      client: h.client,
      clock,
      project: "alice/expiry",
      name: uniqueName(),
      retry: { maxRetriesPerPart: 1, baseDelayMs: 1, maxDelayMs: 1 },
    }).catch((e: unknown) => e);
    // The last cause keeps its code and rule; the message says what was given up.
    expect(error).toMatchObject({ code: "PW_CAVATICA_INVALID_RESPONSE", rule: "CV-PART-URL-EXPIRY" });
    expect((error as Error).message).toMatch(/gave up on part 1 after 2 attempts/);
    expect((error as Error).cause).toMatchObject({ code: "PW_GAVE_UP" });
    expect(entries(h.log, "storagePutPart")).toHaveLength(0);
    expect(entries(h.log, "getPartUrl")).toHaveLength(6);
    expect(entries(h.log, "abortUpload").map((e) => e.status)).toEqual([204]);
  } finally {
    await h.close();
  }
});
