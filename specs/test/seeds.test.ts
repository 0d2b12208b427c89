import { describe, expect, test } from "vitest";
import { examples, jsonObjectsIn, loadSpec, type Protocol, readSeed } from "./load.ts";

// The seeds' JSON examples are real wire examples (../shared/seeds/README.md): each must appear,
// unchanged, among its spec's examples, where examples.test.ts validates it against the schema.
function seedExamples(): { seed: string; protocol: Protocol; value: unknown }[] {
  const out: { seed: string; protocol: Protocol; value: unknown }[] = [];
  const add = (seed: string, protocol: Protocol, text: string) => {
    for (const value of jsonObjectsIn(text)) out.push({ seed, protocol, value });
  };
  add("[S0]", "basespace", readSeed("000_00de843f9ad7d784.txt"));
  add("[S1]", "basespace", readSeed("001_d01dfd2f7183a485.txt"));
  // [S2] is readme.io JSON whose markdown body holds `[block:code]` JSON with the examples as strings.
  const s2 = readSeed("002_294ee31f68e9af0b.txt");
  const page = JSON.parse(s2.slice(0, s2.indexOf("\n")));
  for (const block of page.body.matchAll(/\[block:code\]\n([\s\S]*?)\n\[\/block\]/g)) {
    for (const code of JSON.parse(block[1]).codes) add("[S2]", "cavatica", code.code);
  }
  add("[S3]", "cavatica", readSeed("003_c2e07171a8bc518a.txt"));
  add("[S4]", "youforce", readSeed("004_d3dab8717ce0d5f5.txt"));
  return out;
}

const found = seedExamples();

test("the seeds hold the JSON examples we expect to find", () => {
  const count = (seed: string) => found.filter((f) => f.seed === seed).length;
  expect([count("[S0]"), count("[S1]"), count("[S2]"), count("[S3]"), count("[S4]")]).toEqual([
    1, 3, 2, 1, 3,
  ]);
});

describe.each(["basespace", "cavatica", "youforce"] as const)("specs/%s.yaml", (protocol) => {
  const values = examples(loadSpec(protocol)).map((e) => e.value);
  test.each(
    found.filter((f) => f.protocol === protocol).map((f, i) => [`${f.seed} #${i + 1}`, f.value] as const),
  )("contains the seed example %s", (_name, value) => {
    expect(values).toContainEqual(value);
  });
});
