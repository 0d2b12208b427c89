/**
 * What S3 test files import: the endpoint the globalSetup provides (`inject("partwiseS3")`, typed
 * here) and a bucket name of their own. See s3.ts and rgw-setup.ts.
 */
import type { S3Endpoint } from "./s3.ts";

export { testBucket } from "./s3.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The run's S3 endpoint (rgw-setup.ts), or undefined when the S3 tests are skipped. */
    partwiseS3: S3Endpoint | undefined;
  }
}
