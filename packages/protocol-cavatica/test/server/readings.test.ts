/**
 * The readings of the reference server (README "Readings"): for every point where `default`,
 * `lenient` and `strict` differ, the answer of each reading over a real socket. Each row of the
 * README's table is one observation here; a reading that stops differing, or differs elsewhere in
 * these points, fails.
 */
import type { Reading } from "@partwise/node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CAVATICA_READINGS } from "../../src/server/index.ts";
import {
  type ApiOptions,
  api as bareApi,
  bytesOf,
  type Harness,
  startServer,
  storagePut,
} from "./helpers.ts";

const ALICE = "alice-token";
const BOB = "bob-token";
const PROJECT = "alice/p";
/** Small limits keep the part-size points cheap; the readings do not depend on the numbers. */
const LIMITS = { minPartSize: 1024, maxPartSize: 64 * 1024 };

const servers = new Map<Reading, Harness>();
let seq = 0;
const unique = () => `r-${++seq}`;

beforeAll(async () => {
  for (const reading of ["default", "lenient", "strict"] as const)
    servers.set(reading, await startServer({ tokens: [ALICE, BOB], limits: LIMITS, reading }));
});
afterAll(async () => {
  for (const server of servers.values()) await server.close();
});

/** An API call with `Content-Type: application/json`, body or not, as the documents list it. */
const api = (h: Harness, method: string, path: string, options: ApiOptions = {}) =>
  bareApi(h, method, path, {
    ...options,
    headers: { "content-type": "application/json", ...options.headers },
  });

async function start(h: Harness, body: Record<string, unknown> = {}, query = ""): Promise<string> {
  const answer = await api(h, "POST", `/upload/multipart${query}`, {
    token: ALICE,
    body: { project: PROJECT, name: unique(), ...body },
  });
  expect([200, 201], JSON.stringify(answer.body)).toContain(answer.status);
  return (answer.body as { upload_id: string }).upload_id;
}

async function partUrlOf(h: Harness, id: string, n: number): Promise<Record<string, unknown>> {
  const answer = await api(h, "GET", `/upload/multipart/${id}/part/${n}`, { token: ALICE });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as Record<string, unknown>;
}

/** Stores part `n`; returns its unquoted ETag. */
async function store(h: Harness, id: string, n: number, bytes: Uint8Array): Promise<string> {
  const put = await storagePut((await partUrlOf(h, id, n)).url as string, bytes);
  expect(put.status).toBe(200);
  return put.etag!.replaceAll('"', "");
}

const reportStatus = async (h: Harness, id: string, n: number, headers: Record<string, string>) =>
  (
    await api(h, "POST", `/upload/multipart/${id}/part`, {
      token: ALICE,
      body: { part_number: n, response: { headers } },
    })
  ).status;

const completeStatus = async (h: Harness, id: string) =>
  (await api(h, "POST", `/upload/multipart/${id}/complete`, { token: ALICE })).status;

/** One point of the README table: what each reading answers. */
interface Point {
  readonly point: string;
  readonly observe: (h: Harness) => Promise<unknown>;
  readonly default: unknown;
  readonly lenient: unknown;
  readonly strict: unknown;
}

const POINTS: readonly Point[] = [
  {
    point: "another token's upload (CV-AUTH-ISOLATION)",
    observe: async (h) => (await api(h, "GET", `/upload/multipart/${await start(h)}`, { token: BOB })).status,
    default: 404,
    lenient: 404,
    strict: 403,
  },
  {
    point: "overwrite=True (CV-BOOLEAN-QUERY)",
    observe: async (h) =>
      (
        await api(h, "POST", "/upload/multipart?overwrite=True", {
          token: ALICE,
          body: { project: PROJECT, name: unique() },
        })
      ).status,
    default: 200,
    lenient: 200,
    strict: 400,
  },
  {
    point: "an API call without Content-Type",
    observe: async (h) =>
      (await fetch(`${h.base}/upload/multipart`, { headers: { "x-sbg-auth-token": ALICE } })).status,
    default: 200,
    lenient: 200,
    strict: 415,
  },
  {
    point: "a JSON report sent as text/plain",
    observe: async (h) => {
      const id = await start(h);
      const etag = await store(h, id, 1, bytesOf(100));
      return (
        await api(h, "POST", `/upload/multipart/${id}/part`, {
          token: ALICE,
          body: { part_number: 1, response: { headers: { ETag: etag } } },
          contentType: "text/plain",
        })
      ).status;
    },
    default: 415,
    lenient: 200,
    strict: 415,
  },
  {
    point: "a Bearer token instead of X-SBG-Auth-Token (CV-AUTH)",
    observe: async (h) =>
      (
        await fetch(`${h.base}/upload/multipart`, {
          headers: { authorization: `Bearer ${ALICE}`, "content-type": "application/json" },
        })
      ).status,
    default: 200,
    lenient: 200,
    strict: 401,
  },
  {
    point: "an init body with a key the documents do not list",
    observe: async (h) =>
      (
        await api(h, "POST", "/upload/multipart", {
          token: ALICE,
          body: { project: PROJECT, name: unique(), colour: "blue" },
        })
      ).status,
    default: 200,
    lenient: 200,
    strict: 400,
  },
  {
    point: "a report with a key the documents do not list",
    observe: async (h) => {
      const id = await start(h);
      const etag = await store(h, id, 1, bytesOf(10));
      return (
        await api(h, "POST", `/upload/multipart/${id}/part`, {
          token: ALICE,
          body: { part_number: 1, response: { headers: { ETag: etag } }, uploaded: true },
        })
      ).status;
    },
    default: 200,
    lenient: 200,
    strict: 400,
  },
  {
    point: "init status",
    observe: async (h) =>
      (
        await api(h, "POST", "/upload/multipart", {
          token: ALICE,
          body: { project: PROJECT, name: unique() },
        })
      ).status,
    default: 200,
    lenient: 200,
    strict: 201,
  },
  {
    point: "complete status (CV-COMPLETE-FILE)",
    observe: async (h) => {
      const id = await start(h);
      await reportStatus(h, id, 1, { ETag: await store(h, id, 1, bytesOf(10)) });
      return completeStatus(h, id);
    },
    default: 200,
    lenient: 200,
    strict: 201,
  },
  {
    point: "the type of a part URL's expires (CV-PART-URL)",
    observe: async (h) => typeof (await partUrlOf(h, await start(h), 1)).expires,
    default: "string",
    lenient: "string",
    strict: "number",
  },
  {
    point: "success_codes at the top level of a part URL (CV-PART-URL)",
    observe: async (h) => "success_codes" in (await partUrlOf(h, await start(h), 1)),
    default: true,
    lenient: true,
    strict: false,
  },
  {
    point: "a report naming the header etag (CV-REPORT-BODY)",
    observe: async (h) => {
      const id = await start(h);
      return reportStatus(h, id, 1, { etag: await store(h, id, 1, bytesOf(10)) });
    },
    default: 200,
    lenient: 200,
    strict: 400,
  },
  {
    point: "a report with a wrong ETag (CV-REPORT-ETAG)",
    observe: async (h) => {
      const id = await start(h);
      await store(h, id, 1, bytesOf(10));
      return reportStatus(h, id, 1, { ETag: "0".repeat(32) });
    },
    default: 400,
    lenient: 200,
    strict: 400,
  },
  {
    point: "a report of a part never stored (CV-REPORT-ETAG)",
    observe: async (h) => reportStatus(h, await start(h), 3, { ETag: "0".repeat(32) }),
    default: 400,
    lenient: 400,
    strict: 400,
  },
  {
    point: "complete with a gap (only part 2)",
    observe: async (h) => {
      const id = await start(h);
      await reportStatus(h, id, 2, { ETag: await store(h, id, 2, bytesOf(10)) });
      return completeStatus(h, id);
    },
    default: 409,
    lenient: 200,
    strict: 409,
  },
  {
    point: "complete with a stored part never reported (CV-COMPLETE-MISSING)",
    observe: async (h) => {
      const id = await start(h);
      await store(h, id, 1, bytesOf(2048, 1));
      await reportStatus(h, id, 2, { ETag: await store(h, id, 2, bytesOf(10, 2)) });
      const answer = await api(h, "POST", `/upload/multipart/${id}/complete`, { token: ALICE });
      return answer.status < 300 ? (answer.body as { size: number }).size : answer.status;
    },
    default: 409,
    lenient: 10,
    strict: 409,
  },
  {
    point: "complete with a non-final part under the minimum (CV-COMPLETE-MIN-SIZE)",
    observe: async (h) => {
      const id = await start(h);
      await reportStatus(h, id, 1, { ETag: await store(h, id, 1, bytesOf(1023, 1)) });
      await reportStatus(h, id, 2, { ETag: await store(h, id, 2, bytesOf(10, 2)) });
      return completeStatus(h, id);
    },
    default: 409,
    lenient: 200,
    strict: 409,
  },
  {
    point: "the part URL of part 10001 (CV-PART-NUMBER-MAX)",
    observe: async (h) =>
      (await api(h, "GET", `/upload/multipart/${await start(h)}/part/10001`, { token: ALICE })).status,
    default: 400,
    lenient: 200,
    strict: 400,
  },
  {
    point: "init declaring more than 5 TiB (CV-MAX-FILE-SIZE)",
    observe: async (h) =>
      (
        await api(h, "POST", "/upload/multipart", {
          token: ALICE,
          body: { project: PROJECT, name: unique(), size: 5 * 1024 ** 4 + 1 },
        })
      ).status,
    default: 400,
    lenient: 200,
    strict: 400,
  },
  {
    point: "a taken name without overwrite: init, then complete (CV-INIT-OVERWRITE)",
    observe: async (h) => {
      const name = unique();
      const first = await start(h, { name });
      await reportStatus(h, first, 1, { ETag: await store(h, first, 1, bytesOf(10)) });
      expect(await completeStatus(h, first)).toBeLessThan(300);
      const again = await api(h, "POST", "/upload/multipart", {
        token: ALICE,
        body: { project: PROJECT, name },
      });
      if (again.status >= 300) return `init ${again.status}`;
      const id = (again.body as { upload_id: string }).upload_id;
      await reportStatus(h, id, 1, { ETag: await store(h, id, 1, bytesOf(10)) });
      return `complete ${await completeStatus(h, id)}`;
    },
    default: "init 409",
    lenient: "complete 409",
    strict: "init 409",
  },
  {
    point: "a second abort of an aborted upload (CV-ABORT)",
    observe: async (h) => {
      const id = await start(h);
      expect((await api(h, "DELETE", `/upload/multipart/${id}`, { token: ALICE })).status).toBe(204);
      const again = (await api(h, "DELETE", `/upload/multipart/${id}`, { token: ALICE })).status;
      const other = (await api(h, "DELETE", `/upload/multipart/${id}`, { token: BOB })).status;
      return [again, other];
    },
    default: [404, 404],
    lenient: [204, 404],
    strict: [404, 404],
  },
  {
    point: "a storage part over the maximum (CV-PART-SIZE)",
    observe: async (h) =>
      (
        await storagePut(
          (
            await partUrlOf(h, await start(h), 1)
          ).url as string,
          bytesOf(LIMITS.maxPartSize + 1),
        )
      ).status,
    default: 400,
    lenient: 400,
    strict: 413,
  },
];

describe.each(POINTS.map((p) => [p.point, p] as const))("%s", (_point, point) => {
  test.each(["default", "lenient", "strict"] as const)("%s", async (reading) => {
    expect(await point.observe(servers.get(reading)!)).toEqual(point[reading]);
  });
});

test("CAVATICA_READINGS contradicts only CV rules, each with a reason", () => {
  for (const reading of ["lenient", "strict"] as const)
    for (const [id, why] of Object.entries(CAVATICA_READINGS[reading].contradicts)) {
      expect(id).toMatch(/^CV-/);
      expect(why.length).toBeGreaterThan(20);
    }
});
