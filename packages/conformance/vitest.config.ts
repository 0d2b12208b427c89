import { fileURLToPath } from "node:url";
import { mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.ts";

/**
 * The suite's self-tests (every mutant server, and the whole suite against both readings of every
 * reference server) are the heaviest tests of the monorepo. CI runs them once, on the main Node line;
 * its passes on the other Node lines (PARTWISE_NODE_LINE) run every other test of this package.
 * test/s3.test.ts runs on a real S3 (Ceph's RADOS Gateway), started once per run if needed.
 */
const selfTests = ["test/mutants.test.ts", "test/readings.test.ts"];

export default mergeConfig(shared, {
  test: {
    exclude: process.env.PARTWISE_NODE_LINE ? selfTests : [],
    globalSetup: [fileURLToPath(new URL("../../test-support/rgw-setup.ts", import.meta.url))],
  },
});
