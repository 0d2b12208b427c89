/**
 * `npm test` after the lint: turbo's generate:check, typecheck, test and check:package tasks, with
 * the browser decision (test-support/chromium.ts) in PARTWISE_BROWSER_PLAN. The test tasks hash
 * PARTWISE_*, so installing a Chromium (or pointing PARTWISE_CHROMIUM at one) reruns the browser
 * projects instead of replaying a cached skip.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chromium } from "playwright";
import { browserSkipped, planChromium } from "../test-support/chromium.ts";

let playwrightPath: string | undefined;
try {
  playwrightPath = chromium.executablePath();
} catch {
  playwrightPath = undefined;
}
const plan = browserSkipped(process.env)
  ? "skipped"
  : ((p) => (p.run ? p.executablePath : "none"))(planChromium(process.env, existsSync, playwrightPath));
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
  { stdio: "inherit", env: { ...process.env, PARTWISE_BROWSER_PLAN: plan } },
);
process.exit(turbo.status ?? 1);
