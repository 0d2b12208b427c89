import { defineConfig } from "vitest/config";

/**
 * Shared test settings for every package. Sources of sibling packages are resolved through the
 * `partwise-source` export condition, so tests run against `src/` without a build step.
 */
export const sourceConditions: string[] = ["partwise-source"];

export default defineConfig({
  resolve: { conditions: [...sourceConditions, "module", "browser", "development|production"] },
  ssr: { resolve: { conditions: [...sourceConditions, "node", "module", "development|production"] } },
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: [new URL("./vitest.setup.ts", import.meta.url).pathname],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
