/**
 * The validators the client uses: the spec's TypeBox schemas (generated from specs/basespace.yaml)
 * by name. Built here rather than imported from the package root so the client modules do not
 * import the barrel that re-exports them.
 */
import { createSchemaSet, type SchemaSet } from "@partwise/engine";
import { schemas } from "../generated/schemas.ts";

export const basespaceSchemas: SchemaSet<typeof schemas> = createSchemaSet(schemas);
