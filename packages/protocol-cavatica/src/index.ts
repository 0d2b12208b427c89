/**
 * @partwise/protocol-cavatica — everything about one protocol, generated from specs/cavatica.yaml:
 * the openapi-typescript types, the TypeBox schema of every request body, response body and error
 * envelope, and `validate`/`parse` by schema name.
 */
import { createSchemaSet, type SchemaSet } from "@partwise/engine";
import { schemas } from "./generated/schemas.ts";

export type { components, operations, paths } from "./generated/openapi.ts";
export * from "./generated/schemas.ts";
export * from "./limits.ts";

/** Validators for every schema of the spec: `validate(name, value)` returns issues; `parse` throws. */
export const cavaticaSchemas: SchemaSet<typeof schemas> = createSchemaSet(schemas);
export * from "./client/index.ts";
export * from "./upload/index.ts";
