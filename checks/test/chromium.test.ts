import { describe, expect, test } from "vitest";
import {
  browserRequired,
  browserSkipped,
  DEBIAN_CHROMIUM,
  planChromium,
  skippedLine,
} from "../../test-support/chromium.ts";

const PLAYWRIGHT = "/root/.cache/ms-playwright/chromium-1/chrome-linux64/chrome";
const on =
  (...paths: string[]) =>
  (path: string) =>
    paths.includes(path);

describe("which Chromium the browser tests drive", () => {
  test("PARTWISE_CHROMIUM wins, and pointing it nowhere means no browser (even with Debian's installed)", () => {
    expect(planChromium({ PARTWISE_CHROMIUM: "/opt/c" }, on("/opt/c", DEBIAN_CHROMIUM), PLAYWRIGHT)).toEqual({
      run: true,
      executablePath: "/opt/c",
    });
    const plan = planChromium({ PARTWISE_CHROMIUM: "/nowhere" }, on(DEBIAN_CHROMIUM, PLAYWRIGHT), PLAYWRIGHT);
    expect(plan).toEqual({ run: false, reason: "PARTWISE_CHROMIUM=/nowhere does not exist" });
  });

  test("then Debian's /usr/bin/chromium, then Playwright's own, else none", () => {
    expect(planChromium({}, on(DEBIAN_CHROMIUM, PLAYWRIGHT), PLAYWRIGHT)).toEqual({
      run: true,
      executablePath: DEBIAN_CHROMIUM,
    });
    expect(planChromium({ PARTWISE_CHROMIUM: "" }, on(PLAYWRIGHT), PLAYWRIGHT)).toEqual({
      run: true,
      executablePath: PLAYWRIGHT,
    });
    expect(planChromium({}, on(), PLAYWRIGHT).run).toBe(false);
    expect(planChromium({}, on(PLAYWRIGHT), undefined).run).toBe(false);
  });

  test("the skip line says how to run the browser tests", () => {
    const line = skippedLine("no Chromium");
    expect(line).not.toContain("\n");
    expect(line).toMatch(/browser tests skipped: no Chromium; to run them, apt install chromium/);
    expect(line).toContain("PARTWISE_CHROMIUM=");
  });

  test.each([
    [{}, false],
    [{ PARTWISE_REQUIRE_BROWSER: "" }, false],
    [{ PARTWISE_REQUIRE_BROWSER: "0" }, false],
    [{ PARTWISE_REQUIRE_BROWSER: "false" }, false],
    [{ PARTWISE_REQUIRE_BROWSER: "1" }, true],
    [{ PARTWISE_REQUIRE_BROWSER: "true" }, true],
  ])("browserRequired(%j) = %s", (env, required) => {
    expect(browserRequired(env)).toBe(required);
  });

  test.each([
    [{}, false],
    [{ PARTWISE_SKIP_BROWSER: "0" }, false],
    [{ PARTWISE_SKIP_BROWSER: "1" }, true],
    [{ PARTWISE_SKIP_BROWSER: "1", PARTWISE_REQUIRE_BROWSER: "1" }, true],
  ])("browserSkipped(%j) = %s", (env, skipped) => {
    expect(browserSkipped(env)).toBe(skipped);
  });
});
