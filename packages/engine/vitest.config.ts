import { defineConfig, mergeConfig } from "vitest/config";
import shared, { browserProjects } from "../../vitest.shared.ts";

// The engine's suite runs twice: in Node, and unchanged in headless Chromium (when one is found). Files named
// *.node.test.ts need Node (node:crypto, python3) and run in Node only.
export default mergeConfig(
  shared,
  defineConfig({
    test: {
      projects: [
        { extends: true, test: { name: "node" } },
        ...browserProjects((browser) => ({
          extends: true,
          test: {
            name: "chromium",
            isolate: true,
            exclude: ["**/node_modules/**", "test/**/*.node.test.ts"],
            browser,
          },
        })),
      ],
    },
  }),
);
