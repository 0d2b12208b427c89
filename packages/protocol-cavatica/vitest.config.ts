import { playwright } from "@vitest/browser-playwright";
import { defineConfig, mergeConfig } from "vitest/config";
import shared, { sourceConditions } from "../../vitest.shared.ts";

// Two projects (issue 5): `node` runs every test but test/browser/**; `chromium` runs only
// test/browser/** in headless Chromium (Debian's /usr/bin/chromium driven by Playwright; no browser
// is downloaded), against a reference server its globalSetup starts in Node. The chromium project
// spells out the shared settings instead of `extends: true`, which would concatenate its
// `include` with the shared one and run every test in the browser.
const chromium = process.env.PARTWISE_CHROMIUM ?? "/usr/bin/chromium";

export default mergeConfig(
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
            browser: {
              enabled: true,
              headless: true,
              screenshotFailures: false,
              provider: playwright({
                launchOptions: {
                  executablePath: chromium,
                  args: [
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-dev-shm-usage",
                  ],
                },
              }),
              instances: [{ browser: "chromium" }],
            },
          },
        },
      ],
    },
  }),
);
