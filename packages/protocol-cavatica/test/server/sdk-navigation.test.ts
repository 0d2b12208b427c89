/**
 * What sevenbridges-java needs to upload at all: `GET /user` before every upload and then the
 * user's `href`; an `href` on the init and upload-details answers, which it navigates by alone; and
 * a single-part report answer that keeps that `href` (it copies the answer onto its upload object).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cavaticaSchemas } from "../../src/index.ts";
import {
  api,
  bytesOf,
  expectError,
  type Harness,
  init,
  partUrl,
  startServer,
  storagePut,
} from "./helpers.ts";

const TOKEN = "java-token";
const OTHER = "other-token";
let h: Harness;

beforeAll(async () => {
  h = await startServer({ tokens: [TOKEN, OTHER], limits: { minPartSize: 1024 } });
});
afterAll(() => h.close());

describe("GET /user and /users/{username}", () => {
  test("the caller's user has an href that answers the same user; /user/ is /user", async () => {
    const me = await api(h, "GET", "/user", { token: TOKEN });
    expect(me.status).toBe(200);
    expect(cavaticaSchemas.validate("User", me.body).ok).toBe(true);
    const user = me.body as { href: string; username: string };
    expect(user.href).toBe(`${h.base}/users/${user.username}`);
    const slash = await api(h, "GET", "/user/", { token: TOKEN });
    expect(slash.body).toEqual(me.body);
    const again = await fetch(user.href, { headers: { "x-sbg-auth-token": TOKEN } });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(me.body);
  });

  test("each token is its own user, never named after the token, and cannot read another's", async () => {
    const mine = (await api(h, "GET", "/user", { token: TOKEN })).body as { username: string };
    const theirs = (await api(h, "GET", "/user", { token: OTHER })).body as { username: string };
    expect(mine.username).not.toBe(theirs.username);
    expect(JSON.stringify(mine)).not.toContain(TOKEN);
    expectError(await api(h, "GET", `/users/${theirs.username}`, { token: TOKEN }), 403, 90002);
    expectError(await api(h, "GET", "/user"), 401, 90001, "CV-AUTH");
  });
});

describe("href on upload resources", () => {
  test("init, details and the single-part report answer all carry the upload's href", async () => {
    const started = await init(h, TOKEN, { project: "owner/nav", name: "nav.bin", size: 10 });
    const href = `${h.base}/upload/multipart/${started.upload_id}`;
    expect((started as { href?: string }).href).toBe(href);
    const details = await api(h, "GET", `/upload/multipart/${started.upload_id}?list_parts=true`, {
      token: TOKEN,
    });
    expect((details.body as { href?: string }).href).toBe(href);

    const put = await storagePut(await partUrl(h, TOKEN, started.upload_id, 1), bytesOf(10));
    const etag = put.etag?.replaceAll('"', "") ?? "";
    const reported = await api(h, "POST", `/upload/multipart/${started.upload_id}/part`, {
      token: TOKEN,
      body: { part_number: 1, response: { headers: { ETag: etag } } },
    });
    expect(reported.status).toBe(200);
    expect(cavaticaSchemas.validate("PartReportAnswer", reported.body).ok).toBe(true);
    expect(reported.body).toEqual({ href, part_number: 1, response: { headers: { ETag: etag } } });
  });
});
