import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, test } from "vitest";
import { examples, type Json, loadSpec, protocols } from "./load.ts";

function validatorFor(spec: Json) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats.default(ajv);
  // The document itself is the schema store: component $refs resolve inside it.
  ajv.addSchema({ $id: "urn:partwise:spec", components: spec.components });
  return (schema: Json, value: unknown) => {
    const rewritten = JSON.parse(
      JSON.stringify(schema).replaceAll('"#/components/', '"urn:partwise:spec#/components/'),
    );
    const validate = ajv.compile(rewritten);
    return validate(value) ? [] : (validate.errors ?? []);
  };
}

describe.each(protocols)("specs/%s.yaml examples", (protocol) => {
  const spec = loadSpec(protocol);
  const check = validatorFor(spec);
  const all = examples(spec);

  test("there are examples for requests and responses", () => {
    expect(all.length).toBeGreaterThan(5);
  });

  test.each(all.map((e) => [e.where, e] as const))("%s validates against its schema", (_where, example) => {
    const errors = check(example.schema, example.value);
    expect(errors, JSON.stringify(errors, null, 2)).toEqual([]);
  });

  test("a corrupted example is refused (the check can fail)", () => {
    const json = all.find((e) => e.media.includes("json") && e.value && typeof e.value === "object");
    expect(json).toBeDefined();
    expect(check(json!.schema, 42).length).toBeGreaterThan(0);
  });
});
