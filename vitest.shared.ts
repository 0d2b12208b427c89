import { playwright } from "@vitest/browser-playwright";
import { defineConfig, mergeConfig } from "vitest/config";

/**
 * Shared test settings for every package. Sources of sibling packages are resolved through the
 * `partwise-source` export condition, so tests run against `src/` without a build step.
 */
export const sourceConditions: string[] = ["partwise-source"];

const shared = defineConfig({
  resolve: { conditions: [...sourceConditions, "module", "browser", "development|production"] },
  ssr: { resolve: { conditions: [...sourceConditions, "node", "module", "development|production"] } },
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: [new URL("./vitest.setup.ts", import.meta.url).pathname],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

export default shared;

/**
 * Headless Chromium for browser runs: Debian's /usr/bin/chromium (or PARTWISE_CHROMIUM) driven
 * by Playwright; no browser is downloaded. The flags keep it quiet on a machine with no network.
 */
export function chromiumBrowser() {
  return {
    enabled: true,
    headless: true,
    screenshotFailures: false,
    provider: playwright({
      launchOptions: {
        executablePath: process.env.PARTWISE_CHROMIUM ?? "/usr/bin/chromium",
        args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
      },
    }),
    instances: [{ browser: "chromium" as const }],
  };
}

/**
 * The protocol packages' two projects (issue 5): `node` runs every test but test/browser/**;
 * `chromium` runs only test/browser/** in the browser, against a reference server that its
 * globalSetup starts in Node. The chromium project spells out the shared settings instead of
 * `extends: true`, which would concatenate its `include` with the shared one.
 */
export const protocolPackageConfig = mergeConfig(
  shared,
  defineConfig({
    test: {
      projects: [
        { extends: true, test: { name: "node", exclude: ["**/node_modules/**", "test/browser/**"] } },
        {
          resolve: { conditions: [...sourceConditions, "module", "browser", "development|production"] },
          // The globalSetup runs in Node through this environment: resolve sibling sources as Node does.
          environments: {
            __vitest__: {
              resolve: { conditions: [...sourceConditions, "node", "module", "development|production"] },
            },
          },
          test: {
            ...shared.test,
            name: "chromium",
            include: ["test/browser/**/*.test.ts"],
            globalSetup: ["test/browser/global-setup.ts"],
            browser: chromiumBrowser(),
          },
        },
      ],
    },
  }),
);
