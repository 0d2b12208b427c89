/** Validates a JSON report against the exported report schema (draft-07, ajv, strict mode). */
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { reportSchema } from "../src/report-schema.ts";

export function schemaIssues(value: unknown): string[] {
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats.default(ajv);
  const validate = ajv.compile(reportSchema);
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}
