/**
 * Runtime validation of protocol JSON against the TypeBox schemas that each protocol package
 * generates from its OpenAPI document (specs/*.yaml). One home for the logic, so the three
 * protocol packages, the reference servers and the conformance suite validate the same way.
 *
 * Failures are values with a JSON-pointer `path` per issue (TypeBox's error iterator), wrapped in
 * one typed error, `SchemaValidationError`, when a caller asks to `parse`.
 */
import { FormatRegistry, type Static, type TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { PartwiseError, type PartwiseErrorOptions } from "../errors.ts";

/** One reason a value does not match its schema. */
export interface SchemaIssue {
  /** JSON pointer into the value, `""` for the value itself. */
  readonly path: string;
  readonly message: string;
}

export class SchemaValidationError extends PartwiseError {
  readonly code = "PW_SCHEMA_INVALID" as const;
  readonly schema: string;
  readonly issues: readonly SchemaIssue[];

  constructor(schema: string, issues: readonly SchemaIssue[], options: PartwiseErrorOptions = {}) {
    const first = issues[0];
    const where = first === undefined ? "" : ` at ${first.path === "" ? "/" : first.path}: ${first.message}`;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
    super(`value is not a valid ${schema}${where}${more}`, options);
    this.schema = schema;
    this.issues = issues;
  }
}

export type ValidationResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly SchemaIssue[] };

// JSON Schema formats used by specs/*.yaml. TypeBox refuses values whose format it does not know,
// so each is registered once, with the lenient reading of its RFC.
const FORMATS: Record<string, (value: string) => boolean> = {
  // RFC 3339 date-time; any number of fractional digits (BaseSpace sends seven).
  "date-time": (v) =>
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(v) && !Number.isNaN(Date.parse(v)),
  date: (v) => /^\d{4}-\d\d-\d\d$/.test(v),
  uuid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  uri: (v) => /^[a-z][a-z0-9+.-]*:/i.test(v),
  "uri-reference": () => true,
  byte: (v) => /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0,
  binary: () => true,
  int32: () => true,
  int64: () => true,
  email: (v) => /^[^@\s]+@[^@\s]+$/.test(v),
};
let formatsRegistered = false;
function registerFormats(): void {
  if (formatsRegistered) return;
  for (const [name, check] of Object.entries(FORMATS))
    if (!FormatRegistry.Has(name)) FormatRegistry.Set(name, check);
  formatsRegistered = true;
}

/** Validates `value` against `schema` and returns it typed, or the issues found. */
export function validate<T extends TSchema>(schema: T, value: unknown): ValidationResult<Static<T>> {
  registerFormats();
  if (Value.Check(schema, value)) return { ok: true, value: value as Static<T> };
  const issues: SchemaIssue[] = [];
  for (const error of Value.Errors(schema, value)) {
    issues.push({ path: error.path, message: error.message });
    if (issues.length >= 20) break;
  }
  return { ok: false, issues };
}

/** Like `validate`, but throws `SchemaValidationError` naming `name` (and `rule`, if given). */
export function parse<T extends TSchema>(
  schema: T,
  value: unknown,
  name: string,
  options: PartwiseErrorOptions = {},
): Static<T> {
  const result = validate(schema, value);
  if (!result.ok) throw new SchemaValidationError(name, result.issues, options);
  return result.value;
}

/** The validator set of one protocol: `validate("File", x)` / `parse("File", x)` by schema name. */
export interface SchemaSet<S extends Record<string, TSchema>> {
  readonly schemas: S;
  validate<K extends keyof S & string>(name: K, value: unknown): ValidationResult<Static<S[K]>>;
  parse<K extends keyof S & string>(name: K, value: unknown, options?: PartwiseErrorOptions): Static<S[K]>;
}

export function createSchemaSet<S extends Record<string, TSchema>>(schemas: S): SchemaSet<S> {
  return {
    schemas,
    validate: (name, value) => validate(schemas[name] as S[typeof name], value),
    parse: (name, value, options) => parse(schemas[name] as S[typeof name], value, name, options),
  };
}
