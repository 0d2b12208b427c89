/**
 * A reference server whose disk is full answers 507 Insufficient Storage in its protocol's error
 * envelope (not a 500), and keeps serving. The disk is a real 2 MiB tmpfs, which needs root; where
 * it cannot be mounted the test says so in one line and does not run.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { firstLine, partwise } from "./helpers.ts";

const mountPoint = mkdtempSync(join(tmpdir(), "partwise-full-disk-"));
let mounted = false;
try {
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mountPoint], { stdio: "ignore" });
  mounted = true;
} catch {
  console.log("full-disk test not run: cannot mount a tmpfs here (needs root)");
}

afterAll(() => {
  if (mounted) execFileSync("umount", [mountPoint], { stdio: "ignore" });
  rmSync(mountPoint, { recursive: true, force: true });
});

describe.runIf(mounted)("a full disk", () => {
  test("YouForce and BaseSpace answer 507 in their envelope, then go on serving", async () => {
    const body = new Uint8Array(3 * 1024 * 1024).fill(7);
    for (const protocol of ["youforce", "basespace"] as const) {
      const dir = join(mountPoint, protocol);
      const child = partwise([
        "serve",
        "--protocol",
        protocol,
        "--data-dir",
        dir,
        "--token",
        "tok-123456",
        "--quiet",
      ]);
      try {
        const base = await firstLine(child);
        let response: Response;
        if (protocol === "youforce") {
          const boundary = "b0undary";
          const head = `--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{"FileName":"big.bin","BusinessTypeId":1}\r\n--${boundary}\r\nContent-Type: application/octet-stream\r\n\r\n`;
          const tail = `\r\n--${boundary}--\r\n`;
          const payload = new Uint8Array([
            ...new TextEncoder().encode(head),
            ...body,
            ...new TextEncoder().encode(tail),
          ]);
          response = await fetch(`${base}/files?uploadType=multipart`, {
            method: "POST",
            headers: {
              authorization: "Bearer tok-123456",
              "content-type": `multipart/related; boundary=${boundary}`,
            },
            body: payload,
          });
          expect(response.status).toBe(507);
          expect(await response.json()).toMatchObject({ Message: expect.stringMatching(/no room/) });
        } else {
          const init = await fetch(`${base}/appresults/1/files?name=big.bin&multipart=true`, {
            method: "POST",
            headers: { "x-access-token": "tok-123456" },
          });
          const file = (await init.json()) as { Response: { Id: string } };
          response = await fetch(`${base}/files/${file.Response.Id}/parts/1`, {
            method: "PUT",
            headers: { "x-access-token": "tok-123456" },
            body,
          });
          expect(response.status).toBe(507);
          expect(await response.json()).toMatchObject({
            ResponseStatus: { Message: expect.stringMatching(/no room/) },
          });
        }
        const after = await fetch(`${base}/files/0`, {
          headers:
            protocol === "youforce"
              ? { authorization: "Bearer tok-123456" }
              : { "x-access-token": "tok-123456" },
        });
        expect(after.status).toBeLessThan(500);
        await after.body?.cancel();
      } finally {
        child.kill("SIGKILL");
      }
    }
  }, 60_000);
});
