/**
 * The HTML report in real Chromium (Playwright driving Debian's Chromium, or PARTWISE_CHROMIUM): it
 * opens from file:// with no network request, the filters work, a failure expands to its exchanges,
 * the copy button is there, and it is readable at a phone's width (no sideways scrolling).
 * Chromium is found as for the browser projects (test-support/chromium.ts); without one the test
 * is skipped with one line, unless PARTWISE_REQUIRE_BROWSER=1 (CI) makes that a failure.
 * PARTWISE_SCREENSHOT=FILE also saves a screenshot of the expanded red report (for the README).
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, chromium } from "playwright";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  browserRequired,
  browserSkipped,
  planChromium,
  skippedLine,
} from "../../../test-support/chromium.ts";
import { formatHtml } from "../src/reporters/html.ts";
import { redReport } from "./red-report.ts";

const plan = browserSkipped(process.env)
  ? { run: false as const, reason: "PARTWISE_SKIP_BROWSER is set" }
  : planChromium(process.env, existsSync, undefined);
if (!plan.run && browserRequired(process.env) && !browserSkipped(process.env))
  throw new Error(`PARTWISE_REQUIRE_BROWSER is set but the HTML report test cannot run: ${plan.reason}`);
if (!plan.run) console.log(`HTML report test in Chromium: ${skippedLine(plan.reason)}`);
const executablePath = plan.run ? plan.executablePath : "";

describe.runIf(plan.run)("the HTML report in Chromium", () => {
  let browser: Browser;
  let dir: string;
  let url: string;
  let failedIds: string[];
  let total: number;

  beforeAll(async () => {
    const { report } = await redReport();
    failedIds = report.checks.filter((c) => c.status === "failed" || c.status === "error").map((c) => c.id);
    total = report.checks.length;
    dir = await mkdtemp(join(tmpdir(), "partwise-html-"));
    const file = join(dir, "report.html");
    await writeFile(file, formatHtml(report));
    url = pathToFileURL(file).href;
    browser = await chromium.launch({
      executablePath,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("opens from file:// without any network request or script error, and filters", async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(url);
    expect(requests.filter((r) => !r.startsWith("file:"))).toEqual([]);
    expect(errors).toEqual([]);
    const visible = () =>
      page
        .locator("tr.rule:visible")
        .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.text?.split(" ")[0]));
    expect(await visible()).toHaveLength(total);
    await page.check("#f-failed");
    expect((await visible()).sort()).toEqual(failedIds.map((id) => id.toLowerCase()).sort());
    await page.uncheck("#f-failed");
    await page.selectOption("#f-protocol", "youforce");
    expect((await visible()).every((id) => id?.startsWith("yf-") || id?.startsWith("mime-"))).toBe(true);
    await page.selectOption("#f-protocol", "");
    await page.fill("#f-text", "bs-part-number");
    expect(await visible()).toEqual(["bs-part-number"]);
    expect(await page.textContent("#shown")).toBe(`1 of ${total} rules`);
    await page.close();
  });

  test("a failure expands to its statement, exchanges and replay command", async () => {
    const page = await browser.newPage();
    await page.goto(url);
    const toggle = page.locator("button.toggle", { hasText: "BS-PART-NUMBER" });
    const detail = page.locator('tr.detail[data-for="BS-PART-NUMBER"]');
    await expect.poll(() => detail.isVisible()).toBe(false);
    await toggle.click();
    expect(await detail.isVisible()).toBe(true);
    expect(await toggle.getAttribute("aria-expanded")).toBe("true");
    const text = (await detail.textContent()) ?? "";
    expect(text).toContain("Exchanges of the failing run");
    expect(text).toMatch(/PUT .*\/parts\//);
    expect(await detail.locator("button.copy").getAttribute("data-copy")).toMatch(
      /^partwise conformance --protocol basespace --embedded --checks BS-PART-NUMBER --seed \d+/,
    );
    await page.locator("button.toggle", { hasText: "YF-METADATA-FIRST" }).click();
    const multipart = page.locator('tr.detail[data-for="YF-METADATA-FIRST"] .multipart').first();
    expect(await multipart.locator(".delimiter").count()).toBeGreaterThanOrEqual(3);
    if (process.env.PARTWISE_SCREENSHOT) {
      await page.locator("button.toggle", { hasText: "YF-METADATA-FIRST" }).click();
      await page.setViewportSize({ width: 1280, height: 1100 });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: process.env.PARTWISE_SCREENSHOT, fullPage: false });
      await page.locator("button.toggle", { hasText: "YF-METADATA-FIRST" }).click();
    }
    await toggle.click();
    expect(await detail.isVisible()).toBe(false);
    await page.close();
  });

  test("is readable at a phone's width: no sideways scrolling", async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 812 } });
    await page.goto(url);
    await page.locator("button.toggle", { hasText: "BS-PART-NUMBER" }).click();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(375);
    expect(await page.locator("thead").isVisible()).toBe(false);
    await page.close();
  });
});
