/**
 * `npm test` after the lint: turbo's generate:check, typecheck, test and check:package tasks, with
 * the browser decision (test-support/chromium.ts) in PARTWISE_BROWSER_PLAN. The test tasks hash
 * PARTWISE_*, so installing a Chromium (or pointing PARTWISE_CHROMIUM at one) reruns the browser
 * projects instead of replaying a cached skip. Without a browser the run ends with one line saying
 * how to run the browser tests.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chromium } from "playwright";
import { browserSkipped, planChromium, skippedLine } from "../test-support/chromium.ts";

let playwrightPath: string | undefined;
try {
  playwrightPath = chromium.executablePath();
} catch {
  playwrightPath = undefined;
}
const found = planChromium(process.env, existsSync, playwrightPath);
const plan = browserSkipped(process.env) ? "skipped" : found.run ? found.executablePath : "none";
// Without a browser, one line at the end of the run says so, instead of one per package.
const quiet = plan === "none" ? { PARTWISE_BROWSER_SKIP_NOTICE: "printed" } : {};
const turbo = spawnSync(
  "npx",
  [
    "--no-install",
    "turbo",
    "run",
    "generate:check",
    "typecheck",
    "test",
    "check:package",
    ...process.argv.slice(2),
  ],
  { stdio: "inherit", env: { ...process.env, PARTWISE_BROWSER_PLAN: plan, ...quiet } },
);
if (!found.run && plan === "none") process.stderr.write(`\n${skippedLine(found.reason)}\n`);
process.exit(turbo.status ?? 1);
