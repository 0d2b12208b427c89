import { defineConfig, mergeConfig } from "vitest/config";
import shared from "../vitest.shared.ts";

// Packing and installing tarballs and running the changesets CLI take longer than a unit test.
export default mergeConfig(shared, defineConfig({ test: { testTimeout: 300_000 } }));
