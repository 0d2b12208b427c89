import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { BaselineError, parseBaseline } from "../src/baseline.ts";
import { ruleFilter } from "../src/glob.ts";
import { renderCounterexample } from "../src/render.ts";
import { replayCommand } from "../src/runner.ts";

describe("--checks globs", () => {
  test.each([
    ["BS-PART-*", "BS-PART-MD5", true],
    ["BS-PART-*", "BS-PARAMS-ANYWHERE", false],
    ["bs-part-md5", "BS-PART-MD5", true],
    ["CV-AUTH,YF-*", "YF-DELETE", true],
    ["CV-AUTH, YF-*", "CV-AUTH-ISOLATION", false],
    ["*-AUTH", "MIME-AUTH", true],
    ["BS-PART-?D5", "BS-PART-MD5", true],
    ["BS.PART", "BS-PART", false],
    ["", "ANYTHING", true],
  ])("%s matches %s: %s", (glob, id, expected) => {
    expect(ruleFilter(glob)(id)).toBe(expected);
  });
});

describe("--baseline files", () => {
  test("a list of rule ids, or the failed ids of a previous report", () => {
    expect([...parseBaseline('["BS-PART-MD5", "CV-ABORT"]')]).toEqual(["BS-PART-MD5", "CV-ABORT"]);
    const report = {
      checks: [
        { id: "A-ONE", status: "failed" },
        { id: "A-TWO", status: "passed" },
        { id: "A-THREE", status: "skipped" },
      ],
    };
    expect([...parseBaseline(JSON.stringify(report))]).toEqual(["A-ONE"]);
  });

  test.each(["not json", "[1, 2]", '{"rules": []}', "null"])("refuses %s", (text) => {
    expect(() => parseBaseline(text)).toThrow(BaselineError);
  });
});

describe("counterexamples in reports", () => {
  test("byte arrays by their length, long strings and lists cut, the rest as fast-check prints it", () => {
    expect(renderCounterexample(10001)).toBe("10001");
    expect(renderCounterexample({ size: 5, name: 'a"b' })).toBe('{"size":5,"name":"a\\"b"}');
    expect(renderCounterexample(new Uint8Array(5 * 1024 * 1024))).toBe("Uint8Array(5242880 bytes)");
    expect(renderCounterexample(new Uint8Array([1, 2]))).toBe("Uint8Array.from([1,2])");
    expect(renderCounterexample("x".repeat(1000))).toMatch(/^"x{200}"… \(1000 chars\)$/);
    expect(renderCounterexample(Array.from({ length: 100 }, (_, i) => i))).toMatch(/,49,… \(100 items\)\]$/);
    expect(renderCounterexample([-0, 10n, undefined])).toBe("[-0,10n,undefined]");
    expect(renderCounterexample("y".repeat(10_000), 50).length).toBeLessThan(100);
  });

  test("model-based command sequences print the commands that ran", () => {
    const upload: fc.Command<object, object> = {
      check: () => true,
      run: () => {},
      toString: () => "upload(part 2)",
    };
    const [commands] = fc.sample(fc.commands([fc.constant(upload)], { size: "+1" }), { numRuns: 1, seed: 3 });
    if (!commands) throw new Error("no sample");
    fc.modelRun(() => ({ model: {}, real: {} }), commands);
    const ran = [...commands].length;
    expect(ran).toBeGreaterThan(0);
    expect(renderCounterexample(commands)).toBe(
      `${Array(ran).fill("upload(part 2)").join(",")} /*replayPath=":"*/`,
    );
  });
});

describe("replay commands", () => {
  test("name the target, rule, seed and path, quote what the shell would split, and carry no token", () => {
    const target = {
      protocol: "cavatica" as const,
      baseUrl: "https://h.test/v2?access_token=secret-token-1",
      token: "secret-token-1",
      project: "my team/qa",
    };
    const command = replayCommand(
      { id: "CV-ABORT", protocol: "cavatica", path: "0:1" },
      { seed: -5, numRuns: 3, target, secrets: [target.token] },
    );
    expect(command).toBe(
      "partwise conformance --protocol cavatica --base-url 'https://h.test/v2?access_token=[redacted]' --project 'my team/qa' --checks CV-ABORT --seed -5 --num-runs 3 --path 0:1",
    );
  });
});
