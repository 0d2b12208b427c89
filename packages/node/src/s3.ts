/**
 * `@partwise/node/s3`: the S3 adapter of the storage port, apart from the main entry so that
 * importing `@partwise/node` never loads the AWS SDK. Servers open it through `openStore` and
 * use it through `ObjectStore`; import this entry to open one directly.
 */
export { S3Store } from "./s3-store.ts";
export {
  type CompletedPart,
  isObjectStore,
  type ObjectStore,
  type S3StorageOptions,
  S3StoreError,
  type S3StoreOptions,
} from "./storage.ts";
