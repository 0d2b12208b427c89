/**
 * @partwise/protocol-basespace — everything about one protocol, generated from specs/basespace.yaml:
 * the openapi-typescript types, the TypeBox schema of every request body, response body and error
 * envelope, and `validate`/`parse` by schema name.
 */

export * from "./client/index.ts";
export type { components, operations, paths } from "./generated/openapi.ts";
export * from "./generated/schemas.ts";
export * from "./limits.ts";
export { basespaceSchemas } from "./schemas.ts";
export * from "./upload/index.ts";
