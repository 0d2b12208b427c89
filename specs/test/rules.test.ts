import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import { describe, expect, test } from "vitest";
import { loadRules, loadSpec, operations, protocols } from "./load.ts";

const catalogue = loadRules();
const schema = JSON.parse(readFileSync(new URL("../rules.schema.json", import.meta.url), "utf8"));
const ids = new Set(catalogue.rules.map((r) => r.id));

describe("specs/rules.yaml", () => {
  test("validates against rules.schema.json", () => {
    const ajv = new Ajv2020({ allErrors: true });
    const valid = ajv.validate(schema, catalogue);
    expect(ajv.errors ?? [], JSON.stringify(ajv.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
  });

  test("the schema refuses a malformed rule (the check can fail)", () => {
    const ajv = new Ajv2020({ allErrors: true });
    const broken = { version: 1, rules: [{ ...catalogue.rules[0], id: "bs-lowercase", level: "may" }] };
    expect(ajv.validate(schema, broken)).toBe(false);
  });

  test("ids are unique and their prefix matches the protocol", () => {
    const seen = new Set<string>();
    const prefix = { basespace: "BS-", cavatica: "CV-", youforce: "YF-", mime: "MIME-" } as const;
    for (const rule of catalogue.rules) {
      expect(seen.has(rule.id), `duplicate id ${rule.id}`).toBe(false);
      seen.add(rule.id);
      expect(rule.id.startsWith(prefix[rule.protocol]), rule.id).toBe(true);
    }
  });

  test("covers the rules the protocols document", () => {
    const required = [
      "BS-PART-NUMBER",
      "BS-PART-MIN-SIZE",
      "BS-PART-MAX-SIZE",
      "BS-PART-MD5",
      "BS-PART-ETAG",
      "BS-COMPLETE-ORDER",
      "BS-COMPLETE-STATUS",
      "CV-PART-URL",
      "CV-SUCCESS-CODES",
      "CV-REPORT-HEADERS",
      "CV-REPORT-BODY",
      "CV-COMPLETE-MISSING",
      "CV-ABORT",
      "YF-METADATA-FIRST",
      "YF-METADATA-FILENAME",
      "YF-METADATA-BUSINESS-TYPE",
      "YF-NAME-CHARSET",
      "YF-NAME-EXTENSION",
      "YF-MULTIPART-MAX-SIZE",
      "YF-RESUMABLE-CHUNK-SIZE",
      "MIME-BOUNDARY-LENGTH",
      "MIME-BOUNDARY-CHARS",
      "MIME-BOUNDARY-TRAILING-SPACE",
      "MIME-DELIMITER-LINE-START",
      "MIME-TRANSPORT-PADDING",
      "MIME-CLOSE-DELIMITER",
      "MIME-RELATED-TYPE",
      "MIME-RELATED-ROOT",
    ];
    expect(required.filter((id) => !ids.has(id))).toEqual([]);
  });
});

describe.each(protocols)("specs/%s.yaml and the catalogue", (protocol) => {
  const spec = loadSpec(protocol);
  const cited = new Set(operations(spec).flatMap(({ op }) => (op["x-partwise-rules"] ?? []) as string[]));

  test("every operation cites its rules, and every cited rule exists", () => {
    for (const { method, path, op } of operations(spec)) {
      expect(Array.isArray(op["x-partwise-rules"]), `${method} ${path} has no x-partwise-rules`).toBe(true);
    }
    expect([...cited].filter((id) => !ids.has(id))).toEqual([]);
  });

  test("every rule of the protocol is cited by at least one operation", () => {
    const own = catalogue.rules.filter((r) => r.protocol === protocol).map((r) => r.id);
    expect(own.filter((id) => !cited.has(id))).toEqual([]);
  });
});
