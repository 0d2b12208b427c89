import { existsSync } from "node:fs";
import { playwright } from "@vitest/browser-playwright";
import { chromium } from "playwright";
import { defineConfig, mergeConfig, type TestProjectInlineConfiguration } from "vitest/config";
import { browserRequired, browserSkipped, planChromium, skippedLine } from "./test-support/chromium.ts";

/**
 * Shared test settings for every package. Sources of sibling packages are resolved through the
 * `partwise-source` export condition, so tests run against `src/` without a build step.
 */
export const sourceConditions: string[] = ["partwise-source"];

const shared = defineConfig({
  resolve: { conditions: [...sourceConditions, "module", "browser", "development|production"] },
  // No "module" condition on the Node side: packages such as the AWS SDK map it to ESM builds meant
  // for bundlers (extensionless imports) that Node cannot load; Node picks their "node" builds.
  ssr: { resolve: { conditions: [...sourceConditions, "node", "development|production"] } },
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: [new URL("./vitest.setup.ts", import.meta.url).pathname],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // A test must be able to fail: one that makes no assertion fails instead of passing silently.
    expect: { requireAssertions: true },
    // Node test files of a worker share one module graph instead of re-importing every source per
    // file: 40% less CPU (youforce: 66 -> 38 CPU-s), which keeps CI in budget on 2 cores. No test
    // mocks modules or stubs globals (vi.mock, vi.stubGlobal); browser projects keep isolation.
    isolate: false,
  },
});

export default shared;

/** Where Playwright's own Chromium would be; undefined when Playwright cannot say. */
function playwrightChromium(): string | undefined {
  try {
    return chromium.executablePath();
  } catch {
    return undefined;
  }
}

/**
 * The browser projects, or none: they run when a Chromium is found (test-support/chromium.ts says
 * where it looks) and are otherwise skipped with one line on stderr saying how to run them. With
 * PARTWISE_REQUIRE_BROWSER=1 (CI) a missing browser fails the run instead; PARTWISE_SKIP_BROWSER=1
 * leaves them out on purpose, silently (CI's passes on other Node versions).
 */
export function browserProjects(
  project: (browser: ReturnType<typeof chromiumBrowser>) => TestProjectInlineConfiguration,
): TestProjectInlineConfiguration[] {
  if (browserSkipped(process.env)) return [];
  const plan = planChromium(process.env, existsSync, playwrightChromium());
  if (plan.run) return [project(chromiumBrowser(plan.executablePath))];
  if (browserRequired(process.env))
    throw new Error(`PARTWISE_REQUIRE_BROWSER is set but the browser tests cannot run: ${plan.reason}`);
  // Vitest may load this file more than once per run: the process environment remembers the notice.
  if (process.env.PARTWISE_BROWSER_SKIP_NOTICE !== "printed")
    process.stderr.write(`${skippedLine(plan.reason)}\n`);
  process.env.PARTWISE_BROWSER_SKIP_NOTICE = "printed";
  return [];
}

/**
 * Headless Chromium for browser runs, driven by Playwright; no browser is downloaded. The flags
 * keep it quiet on a machine with no network.
 */
export function chromiumBrowser(executablePath: string) {
  return {
    enabled: true,
    headless: true,
    screenshotFailures: false,
    provider: playwright({
      launchOptions: {
        executablePath,
        args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
      },
    }),
    instances: [{ browser: "chromium" as const }],
  };
}

/**
 * The protocol packages' two projects: `node` runs every test but test/browser/**;
 * `chromium` (when a browser is found) runs only test/browser/** in the browser, against a
 * reference server that its globalSetup starts in Node. The chromium project spells out the shared
 * settings instead of `extends: true`, which would concatenate its `include` with the shared one.
 * A function, so packages without browser tests never look for a browser.
 */
export function protocolPackageConfig() {
  return mergeConfig(
    shared,
    defineConfig({
      test: {
        projects: [
          { extends: true, test: { name: "node", exclude: ["**/node_modules/**", "test/browser/**"] } },
          ...browserProjects((browser) => ({
            resolve: { conditions: [...sourceConditions, "module", "browser", "development|production"] },
            // The globalSetup runs in Node through this environment: resolve sibling sources as Node does.
            environments: {
              __vitest__: {
                resolve: { conditions: [...sourceConditions, "node", "development|production"] },
              },
            },
            test: {
              ...shared.test,
              name: "chromium",
              isolate: true,
              include: ["test/browser/**/*.test.ts"],
              globalSetup: ["test/browser/global-setup.ts"],
              browser,
            },
          })),
        ],
      },
    }),
  );
}
