/**
 * The JSON Schema (draft-07) of the JSON report: the public contract `{ protocol, target, seed,
 * checks: [{ id, level, status, message?, counterexample?, seed?, path?, durationMs }], summary: {
 * passed, failed, skipped } }` is required; the fields Partwise adds are described and optional, and
 * more may be added later (`additionalProperties` stays open), so consumers should ignore unknown
 * fields. Tests validate every generated report against it.
 */

const exchange = {
  type: "object",
  description: "One HTTP request and its answer, credentials redacted.",
  required: ["method", "url", "status"],
  properties: {
    method: { type: "string" },
    url: { type: "string", description: "The URL with tokens, signatures and other credentials redacted." },
    status: {
      oneOf: [{ type: "integer", minimum: 100, maximum: 599 }, { const: "network-error" }],
    },
    requestExcerpt: { type: "string" },
    responseExcerpt: { type: "string" },
  },
} as const;

const check = {
  type: "object",
  required: ["id", "level", "status", "durationMs"],
  properties: {
    id: {
      type: "string",
      pattern: "^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$",
      description: "The rule id of specs/rules.yaml.",
    },
    level: { enum: ["must", "should"] },
    status: {
      enum: ["passed", "failed", "skipped", "error"],
      description:
        "error: no verdict for a reason that is not the server's breach of the rule (unreachable target, token refused at pre-flight, timeout, network failure); message names the cause.",
    },
    message: { type: "string" },
    counterexample: { type: "string", description: "The shrunk fast-check counterexample, as text." },
    seed: { type: "integer" },
    path: { type: "string", description: "The fast-check path that replays the counterexample." },
    durationMs: { type: "integer", minimum: 0 },
    protocol: { enum: ["basespace", "cavatica", "youforce"] },
    title: { type: "string" },
    statement: { type: "string", description: "The rule's statement in specs/rules.yaml." },
    exchange,
    replay: { type: "string", description: "The command that replays this failure." },
    baseline: { type: "boolean", description: "A known failure listed in the baseline." },
    unchecked: { type: "boolean", description: "No check implements this rule yet." },
  },
} as const;

export const reportSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://partwise.dev/schemas/conformance-report.json",
  title: "partwise conformance report",
  type: "object",
  required: ["protocol", "target", "seed", "checks", "summary"],
  properties: {
    protocol: { enum: ["basespace", "cavatica", "youforce", "all"] },
    target: { type: "string", description: 'The redacted base URL(s) tested, or "embedded".' },
    seed: { type: "integer" },
    numRuns: { type: "integer", minimum: 1 },
    strict: { type: "boolean" },
    startedAt: { type: "string", format: "date-time" },
    durationMs: { type: "integer", minimum: 0 },
    interrupted: { type: "boolean" },
    untested: {
      type: "array",
      description: "Targets that could not be tested at all; their checks are all status error.",
      items: {
        type: "object",
        required: ["protocol", "target", "cause"],
        properties: {
          protocol: { enum: ["basespace", "cavatica", "youforce"] },
          target: { type: "string" },
          cause: { type: "string" },
        },
      },
    },
    baselinePassing: { type: "array", items: { type: "string" } },
    checks: { type: "array", items: check },
    summary: {
      type: "object",
      required: ["passed", "failed", "skipped"],
      properties: {
        passed: { type: "integer", minimum: 0 },
        failed: { type: "integer", minimum: 0 },
        skipped: { type: "integer", minimum: 0 },
        errors: { type: "integer", minimum: 0, description: "Checks with status error." },
        baselined: { type: "integer", minimum: 0 },
        broken: { type: "integer", minimum: 0 },
      },
    },
  },
} as const;
