/**
 * @partwise/protocol-youforce — everything about one protocol, generated from specs/youforce.yaml:
 * the openapi-typescript types, the TypeBox schema of every request body, response body and error
 * envelope, and `validate`/`parse` by schema name; the typed client (`createYouforceClient`) and
 * the uploader (`upload`). Browser-safe: the Node-only reference server is the `./server` entry.
 */

export * from "./client/index.ts";
export type { components, operations, paths } from "./generated/openapi.ts";
export * from "./generated/schemas.ts";
export * from "./limits.ts";
export { youforceSchemas } from "./schemas.ts";
export * from "./upload/index.ts";
