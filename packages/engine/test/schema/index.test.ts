import { Type } from "@sinclair/typebox";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { isPartwiseError } from "../../src/errors.ts";
import { createSchemaSet, parse, SchemaValidationError, validate } from "../../src/schema/index.ts";

const Part = Type.Object({
  Number: Type.Integer({ minimum: 1, maximum: 10000 }),
  ETag: Type.String({ pattern: "^[0-9a-f]{32}$" }),
  DateCreated: Type.Optional(Type.String({ format: "date-time" })),
});

describe("validate", () => {
  test("accepts every value inside the schema", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10000 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (n, d) => {
          const etag = [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
          expect(validate(Part, { Number: n, ETag: etag }).ok).toBe(true);
        },
      ),
    );
  });

  test("refuses values outside it and names the failing path", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 10001 })), (n) => {
        const result = validate(Part, { Number: n, ETag: "f66be8eaa680f852f5b1bb089f5b674e" });
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.issues.map((i) => i.path)).toContain("/Number");
      }),
    );
  });

  test("date-time accepts BaseSpace's seven fractional digits and refuses garbage", () => {
    expect(
      validate(Part, { Number: 1, ETag: "0".repeat(32), DateCreated: "2012-07-18T14:51:50.0475813Z" }).ok,
    ).toBe(true);
    expect(validate(Part, { Number: 1, ETag: "0".repeat(32), DateCreated: "yesterday" }).ok).toBe(false);
  });
});

describe("parse", () => {
  test("throws a branded SchemaValidationError carrying the schema name, issues and rule", () => {
    let caught: unknown;
    try {
      parse(Part, { Number: 0 }, "FilePart", { rule: "BS-PART-NUMBER", side: "remote" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SchemaValidationError);
    expect(isPartwiseError(caught)).toBe(true);
    const error = caught as SchemaValidationError;
    expect(error.code).toBe("PW_SCHEMA_INVALID");
    expect(error.schema).toBe("FilePart");
    expect(error.rule).toBe("BS-PART-NUMBER");
    expect(error.side).toBe("remote");
    expect(error.issues.map((i) => i.path)).toEqual(expect.arrayContaining(["/Number", "/ETag"]));
    expect(error.message).toMatch(/FilePart/);
  });

  test("a schema set validates by name", () => {
    const set = createSchemaSet({ FilePart: Part });
    expect(set.parse("FilePart", { Number: 2, ETag: "a".repeat(32) }).Number).toBe(2);
    expect(() => set.parse("FilePart", {})).toThrow(SchemaValidationError);
  });
});
