import * as basespace from "@partwise/protocol-basespace";
import * as cavatica from "@partwise/protocol-cavatica";
import * as youforce from "@partwise/protocol-youforce";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { examples, type Json, loadSpec, protocols } from "./load.ts";

// Differential test of the generator: the TypeBox schemas emitted from a spec must accept and
// refuse exactly what the spec's own JSON Schemas accept and refuse (Ajv, draft 2020-12), for
// every example of the spec and for random mutations of it.
const sets = {
  basespace: basespace.basespaceSchemas,
  cavatica: cavatica.cavaticaSchemas,
  youforce: youforce.youforceSchemas,
};

type Mutation = { path: (string | number)[]; kind: "delete" | "replace"; value?: unknown };

function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...prefix, i], ...paths(v, [...prefix, i])]);
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
  return [];
}

function apply(value: unknown, mutation: Mutation): unknown {
  const copy = structuredClone(value) as Json;
  const parent = mutation.path.slice(0, -1).reduce((o: Json, k) => o[k], copy);
  const key = mutation.path.at(-1) as string | number;
  if (mutation.kind === "delete") {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else parent[key] = mutation.value;
  return copy;
}

/** Every bound the spec states (minimum, maxLength…), to probe each side of it. */
function bounds(spec: Json): { numbers: number[]; lengths: number[] } {
  const numbers = new Set<number>();
  const lengths = new Set<number>();
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) {
        if (
          typeof v === "number" &&
          ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"].includes(k)
        )
          for (const d of [-1, 0, 1]) numbers.add(v + d);
        if (
          typeof v === "number" &&
          ["minLength", "maxLength", "minItems", "maxItems"].includes(k) &&
          v < 1000
        )
          for (const d of [-1, 0, 1]) if (v + d >= 0) lengths.add(v + d);
        walk(v);
      }
    }
  };
  walk(spec.components?.schemas);
  return { numbers: [...numbers], lengths: [...lengths] };
}

const replacementFor = (spec: Json) => {
  const { numbers, lengths } = bounds(spec);
  return fc.oneof(
    replacement,
    ...(numbers.length ? [fc.constantFrom(...numbers)] : []),
    ...(lengths.length ? [fc.constantFrom(...lengths).map((n) => "a".repeat(n))] : []),
    ...(lengths.length
      ? [fc.constantFrom(...lengths).map((n) => Array.from({ length: n }, () => ({})))]
      : []),
  );
};

const replacement = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -20000, max: 20000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    "",
    "pending",
    "complete",
    "PUT",
    "7100",
    "2020-02-27T11:03:49.2033291Z",
    "f66be8eaa680f852f5b1bb089f5b674e",
  ),
  fc.constant([]),
  fc.constant({}),
);

describe.each(protocols)("generated TypeBox schemas of %s", (protocol) => {
  const spec = loadSpec(protocol);
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateSchema: false });
  addFormats.default(ajv);
  ajv.addSchema({ $id: "urn:partwise:spec", components: spec.components });
  const named = examples(spec).flatMap((e) => {
    const ref = e.schema?.$ref as string | undefined;
    return ref?.startsWith("#/components/schemas/")
      ? [{ ...e, name: ref.slice("#/components/schemas/".length) }]
      : [];
  });
  const probe = replacementFor(spec);
  const cache = new Map<string, (value: unknown) => boolean>();
  const compiled = (name: string) => {
    let validate = cache.get(name);
    if (!validate) {
      const fn = ajv.compile({ $ref: `urn:partwise:spec#/components/schemas/${name}` });
      validate = (value: unknown) => fn(value) === true;
      cache.set(name, validate);
    }
    return validate;
  };
  const set = sets[protocol] as unknown as { validate(name: string, value: unknown): { ok: boolean } };

  test("accept every JSON example of the spec", () => {
    expect(named.length).toBeGreaterThan(3);
    for (const e of named) expect(set.validate(e.name, e.value).ok, `${e.where}`).toBe(true);
  });

  test("agree with the spec's JSON Schema at every stated bound of every field of every example", () => {
    const { numbers, lengths } = bounds(spec);
    const values: unknown[] = [...numbers, ...lengths.map((n) => "a".repeat(n)), null, "", {}, []];
    const check = (name: string, value: unknown) => compiled(name)(value);
    let compared = 0;
    for (const example of named) {
      for (const path of paths(example.value)) {
        for (const mutation of [
          { path, kind: "delete" as const },
          ...values.map((value) => ({ path, kind: "replace" as const, value })),
        ]) {
          const mutated = apply(example.value, mutation);
          const typebox = set.validate(example.name, mutated).ok;
          if (typebox !== check(example.name, mutated))
            expect.fail(
              `${example.name}: TypeBox says ${typebox} for ${JSON.stringify(mutated).slice(0, 300)}`,
            );
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(100);
  });

  test("agree with the spec's JSON Schema on random mutations of its examples", () => {
    const withPaths = named.filter((e) => paths(e.value).length > 0);
    fc.assert(
      fc.property(
        fc.constantFrom(...withPaths).chain((e) =>
          fc.record({
            example: fc.constant(e),
            mutation: fc.record({
              path: fc.constantFrom(...paths(e.value)),
              kind: fc.constantFrom("delete" as const, "replace" as const),
              value: probe,
            }),
          }),
        ),
        ({ example, mutation }) => {
          const mutated = apply(example.value, mutation);
          const expected = compiled(example.name)(mutated);
          expect(set.validate(example.name, mutated).ok, `${example.name} ${JSON.stringify(mutated)}`).toBe(
            expected,
          );
        },
      ),
      { numRuns: 1000 },
    );
  });
});
