/**
 * Validators for every schema of specs/cavatica.yaml: `validate(name, value)` returns issues, `parse`
 * throws. Their own module, so the client, the uploader and the server import them without the
 * package barrel (`index.ts`), which would make an import cycle.
 */
import { createSchemaSet, type SchemaSet } from "@partwise/engine";
import { schemas } from "./generated/schemas.ts";

export const cavaticaSchemas: SchemaSet<typeof schemas> = createSchemaSet(schemas);
