import { playwright } from "@vitest/browser-playwright";
import { defineConfig, mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.ts";

// The engine's suite runs twice: in Node, and unchanged in headless Chromium (Debian's
// /usr/bin/chromium driven by Playwright; no browser is downloaded). Files named
// *.node.test.ts need Node (node:crypto, python3) and run in Node only.
const chromium = process.env.PARTWISE_CHROMIUM ?? "/usr/bin/chromium";

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      projects: [
        { extends: true, test: { name: "node" } },
        {
          extends: true,
          test: {
            name: "chromium",
            exclude: ["**/node_modules/**", "test/**/*.node.test.ts"],
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
