import { fileURLToPath } from "node:url";
import { mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.ts";

/** The S3 adapter's tests run on a real S3 (Ceph's RADOS Gateway), started once per run if needed. */
export default mergeConfig(shared, {
  test: { globalSetup: [fileURLToPath(new URL("../../test-support/rgw-setup.ts", import.meta.url))] },
});
