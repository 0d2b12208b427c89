// Emits TypeBox builder code from the JSON Schemas of an OpenAPI 3.1 document's
// components.schemas. It supports the subset of JSON Schema that specs/*.yaml are written in
// (listed in specs/README.md) and fails loudly on anything else, so a spec can never silently
// produce a runtime schema that is looser or stricter than its openapi-typescript type.
//
// Why our own emitter: TypeBox generators that start from TypeScript types (typebox-codegen)
// drop the JSON Schema constraints (minimum, pattern, maxLength…) that runtime validation is
// for, and JSON-Schema-to-TypeBox tools do not resolve OpenAPI component $refs. The output is
// checked against openapi-typescript's types by a generated type-level test.

const SUPPORTED = new Set([
  "type",
  "properties",
  "required",
  "items",
  "enum",
  "const",
  "oneOf",
  "anyOf",
  "$ref",
  "additionalProperties",
  "format",
  "pattern",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "description",
  "title",
  "examples",
  "example",
  "default",
  "contentMediaType",
  "deprecated",
  "readOnly",
  "writeOnly",
]);
const CONSTRAINTS = {
  string: ["minLength", "maxLength", "pattern", "format"],
  number: ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"],
  array: ["minItems", "maxItems"],
};

const REF_PREFIX = "#/components/schemas/";

/** `File` → `FileSchema`: the const that holds the TypeBox schema of component `File`. */
export const schemaConst = (name) => `${name.replace(/[^A-Za-z0-9_$]/g, "_")}Schema`;

function options(schema, keys) {
  const picked = {};
  for (const k of keys) if (schema[k] !== undefined) picked[k] = schema[k];
  if (schema.description !== undefined) picked.description = schema.description;
  return Object.keys(picked).length === 0 ? "" : JSON.stringify(picked);
}
const withOptions = (call, args, opts) => `${call}(${[args, opts].filter(Boolean).join(", ")})`;

export function emitSchema(schema, where) {
  if (schema === true || (typeof schema === "object" && Object.keys(schema).length === 0))
    return "Type.Unknown()";
  if (typeof schema !== "object" || schema === null) throw new Error(`${where}: schema must be an object`);
  for (const key of Object.keys(schema)) {
    if (!SUPPORTED.has(key) && !key.startsWith("x-"))
      throw new Error(`${where}: unsupported keyword "${key}"`);
  }
  if (schema.$ref !== undefined) {
    if (!schema.$ref.startsWith(REF_PREFIX))
      throw new Error(`${where}: only ${REF_PREFIX}* refs are supported`);
    return schemaConst(schema.$ref.slice(REF_PREFIX.length));
  }
  if (schema.oneOf || schema.anyOf) {
    const list = schema.oneOf ?? schema.anyOf;
    return `Type.Union([${list.map((s, i) => emitSchema(s, `${where}/oneOf/${i}`)).join(", ")}])`;
  }
  if (schema.const !== undefined) return literal(schema.const);
  if (schema.enum !== undefined) {
    const members = schema.enum.map(literal);
    return members.length === 1 ? members[0] : `Type.Union([${members.join(", ")}])`;
  }
  if (Array.isArray(schema.type)) {
    return `Type.Union([${schema.type.map((t) => emitSchema({ ...schema, type: t }, where)).join(", ")}])`;
  }
  const type = schema.type ?? (schema.properties ? "object" : undefined);
  switch (type) {
    case undefined:
      return "Type.Unknown()";
    case "null":
      return "Type.Null()";
    case "boolean":
      return withOptions("Type.Boolean", "", options(schema, []));
    case "string":
      return withOptions("Type.String", "", options(schema, CONSTRAINTS.string));
    case "integer":
      return withOptions("Type.Integer", "", options(schema, CONSTRAINTS.number));
    case "number":
      return withOptions("Type.Number", "", options(schema, CONSTRAINTS.number));
    case "array":
      return withOptions(
        "Type.Array",
        schema.items === undefined ? "Type.Unknown()" : emitSchema(schema.items, `${where}/items`),
        options(schema, CONSTRAINTS.array),
      );
    case "object":
      return emitObject(schema, where);
    default:
      throw new Error(`${where}: unsupported type "${type}"`);
  }
}

function literal(value) {
  if (value === null) return "Type.Null()";
  if (!["string", "number", "boolean"].includes(typeof value))
    throw new Error(`unsupported literal ${value}`);
  return `Type.Literal(${JSON.stringify(value)})`;
}

function emitObject(schema, where) {
  const ap = schema.additionalProperties;
  const props = schema.properties;
  if (props === undefined || Object.keys(props).length === 0) {
    // openapi-typescript: a map when additionalProperties is set, else `Record<string, never>`
    // (an object whose fields are not modelled). At run time the latter accepts any object.
    if (ap === undefined || ap === false) {
      return `Type.Unsafe<Record<string, never>>(Type.Object({}${options(schema, []) ? `, ${options(schema, [])}` : ""}))`;
    }
    return withOptions(
      "Type.Record",
      `Type.String(), ${ap === true ? "Type.Unknown()" : emitSchema(ap, `${where}/additionalProperties`)}`,
      options(schema, []),
    );
  }
  if (ap !== undefined && ap !== true && ap !== false) {
    throw new Error(
      `${where}: additionalProperties with a schema is supported only on objects without properties`,
    );
  }
  const required = new Set(schema.required ?? []);
  for (const r of required) if (!(r in props)) throw new Error(`${where}: required "${r}" is not a property`);
  const fields = Object.entries(props).map(([key, value]) => {
    const inner = emitSchema(value, `${where}/properties/${key}`);
    return `${JSON.stringify(key)}: ${required.has(key) ? inner : `Type.Optional(${inner})`}`;
  });
  const opts = { ...(ap === false ? { additionalProperties: false } : {}) };
  if (schema.description !== undefined) opts.description = schema.description;
  const object = `Type.Object({ ${fields.join(", ")} }${Object.keys(opts).length ? `, ${JSON.stringify(opts)}` : ""})`;
  return ap === true ? `Type.Intersect([${object}, Type.Record(Type.String(), Type.Unknown())])` : object;
}

/** Component names in an order where every schema comes after the schemas it references. */
export function dependencyOrder(schemas) {
  const refs = (node, out = new Set()) => {
    if (Array.isArray(node)) for (const n of node) refs(n, out);
    else if (node && typeof node === "object") {
      if (typeof node.$ref === "string" && node.$ref.startsWith(REF_PREFIX))
        out.add(node.$ref.slice(REF_PREFIX.length));
      for (const [k, v] of Object.entries(node)) if (k !== "examples" && k !== "example") refs(v, out);
    }
    return out;
  };
  const order = [];
  const state = new Map();
  const visit = (name, path) => {
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting")
      throw new Error(`recursive schemas are not supported: ${[...path, name].join(" -> ")}`);
    if (!(name in schemas)) throw new Error(`$ref to unknown schema "${name}" from ${path.at(-1)}`);
    state.set(name, "visiting");
    for (const dep of refs(schemas[name])) visit(dep, [...path, name]);
    state.set(name, "done");
    order.push(name);
  };
  for (const name of Object.keys(schemas).sort()) visit(name, []);
  return order;
}
