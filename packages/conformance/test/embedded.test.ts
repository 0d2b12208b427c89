import { existsSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { EMBEDDED_RESOURCES, startEmbedded } from "../src/embedded.ts";

// A request each protocol answers only with a valid token.
const PROBES = {
  basespace: { path: "/files/1", header: (t: string) => ({ "x-access-token": t }) },
  cavatica: { path: "/upload/multipart", header: (t: string) => ({ "x-sbg-auth-token": t }) },
  youforce: { path: "/files?role=publisher", header: (t: string) => ({ authorization: `Bearer ${t}` }) },
} as const;

describe("startEmbedded", () => {
  test("starts the three reference servers with two tokens each and the checks' resources", async () => {
    const embedded = await startEmbedded();
    const { basespace, cavatica, youforce } = embedded.targets;
    try {
      expect(basespace).toMatchObject({ appResultId: EMBEDDED_RESOURCES.appResultId });
      expect(basespace?.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1pre3$/);
      expect(cavatica).toMatchObject({
        project: EMBEDDED_RESOURCES.project,
        parent: EMBEDDED_RESOURCES.parent,
      });
      expect(cavatica?.baseUrl).toMatch(/\/v2$/);
      expect(youforce).toMatchObject({ businessTypeId: EMBEDDED_RESOURCES.businessTypeId });
      expect(youforce?.baseUrl).toMatch(/\/v1\.0$/);
      for (const protocol of ["basespace", "cavatica", "youforce"] as const) {
        const target = embedded.targets[protocol];
        if (!target?.otherToken) throw new Error(`${protocol}: no second token`);
        expect(target.token).toMatch(/^conformance-a-[0-9a-f]{24}$/);
        expect(target.otherToken).toMatch(/^conformance-b-[0-9a-f]{24}$/);
        const probe = PROBES[protocol];
        const wrong = await fetch(`${target.baseUrl}${probe.path}`, { headers: probe.header("wrong-token") });
        expect(wrong.status, protocol).toBe(401);
        await wrong.body?.cancel();
        for (const token of [target.token, target.otherToken]) {
          const right = await fetch(`${target.baseUrl}${probe.path}`, { headers: probe.header(token) });
          expect(right.status, protocol).not.toBe(401);
          await right.body?.cancel();
        }
      }
    } finally {
      await embedded.close();
    }
    for (const dir of embedded.dataDirs) expect(existsSync(dir), dir).toBe(false);
  });

  test("starts only the protocols asked for; tokens differ between runs", async () => {
    await using first = await startEmbedded({ protocols: ["youforce"] });
    await using second = await startEmbedded({ protocols: ["youforce"] });
    expect(Object.keys(first.targets)).toEqual(["youforce"]);
    expect(first.targets.youforce?.token).not.toBe(second.targets.youforce?.token);
  });

  test("gives CAVATICA part URLs a short life, so their expiry can be checked", async () => {
    await using embedded = await startEmbedded({ protocols: ["cavatica"] });
    const target = embedded.targets.cavatica;
    if (!target) throw new Error("no cavatica target");
    const headers = { "x-sbg-auth-token": target.token, "content-type": "application/json" };
    const init = await fetch(`${target.baseUrl}/upload/multipart`, {
      method: "POST",
      headers,
      body: JSON.stringify({ project: target.project, name: `ttl-${Date.now()}.bin`, size: 10 }),
    });
    expect(init.status).toBe(200);
    const { upload_id: uploadId } = (await init.json()) as { upload_id: string };
    const part = await fetch(`${target.baseUrl}/upload/multipart/${uploadId}/part/1`, { headers });
    expect(part.status).toBe(200);
    const { expires } = (await part.json()) as { expires: string };
    const life = Date.parse(expires) - Date.now();
    expect(life).toBeGreaterThan(0);
    expect(life).toBeLessThanOrEqual(5_000);
    await fetch(`${target.baseUrl}/upload/multipart/${uploadId}`, { method: "DELETE", headers });
  });
});
