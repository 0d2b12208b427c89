/**
 * The suite tested by mutation: each mutant is a reference server started with exactly one rule
 * broken on purpose (`mutations: [ruleId]`), and the check of that rule must fail against it. The
 * check must pass against the faithful server first, so that a kill is the mutation's doing and not
 * a defect of the check. Prints the kill ratio; fails unless every mutant is killed.
 *
 * The mutants are the required table below (the issue's examples, each of which the servers must
 * implement) and every further mutation a reference server offers (`<P>_MUTATIONS`).
 *
 * FC_SEED=N reruns with another seed (every kill must hold for any seed).
 */

import { type MutationCatalogue, type MutationClass, ruleOfMutation } from "@partwise/node";
import { BASESPACE_MUTATIONS } from "@partwise/protocol-basespace/server";
import { CAVATICA_MUTATIONS } from "@partwise/protocol-cavatica/server";
import { YOUFORCE_MUTATIONS } from "@partwise/protocol-youforce/server";
import { afterAll, describe, expect, test } from "vitest";
import type { Protocol } from "../src/check.ts";
import { ALL_CHECKS } from "../src/checks/index.ts";
import { RULES } from "../src/generated/rules.ts";
import type { CheckResult } from "../src/report.ts";
import { protocolOfRule, runConformance } from "../src/runner.ts";

interface Mutant {
  readonly protocol: Protocol;
  /** The rule the mutant server breaks. */
  readonly mutation: string;
  /** How it breaks it, for the test name. */
  readonly breaks: string;
}

const REQUIRED: readonly Mutant[] = [
  { protocol: "basespace", mutation: "BS-PART-NUMBER", breaks: "accepts part 10001" },
  { protocol: "basespace", mutation: "BS-PART-MIN-SIZE", breaks: "completes with a 4 MiB non-final part" },
  { protocol: "basespace", mutation: "BS-PART-MD5", breaks: "ignores Content-MD5" },
  { protocol: "basespace", mutation: "BS-COMPLETE-ORDER", breaks: "assembles parts in upload order" },
  { protocol: "basespace", mutation: "BS-PART-ETAG", breaks: "answers an ETag that is not the MD5" },
  { protocol: "basespace", mutation: "BS-AUTH-ISOLATION", breaks: "lets one token read another's upload" },
  { protocol: "basespace", mutation: "BS-ERROR-ENVELOPE", breaks: "answers errors without the envelope" },
  { protocol: "cavatica", mutation: "CV-PART-URL-EXPIRY", breaks: "accepts an expired part URL" },
  { protocol: "cavatica", mutation: "CV-PART-URL-SIGNATURE", breaks: "accepts a tampered part URL" },
  { protocol: "cavatica", mutation: "CV-COMPLETE-MISSING", breaks: "completes with an unreported part" },
  { protocol: "cavatica", mutation: "CV-REPORT-ETAG", breaks: "accepts a report with the wrong ETag" },
  { protocol: "cavatica", mutation: "CV-COMPLETE-MIN-SIZE", breaks: "completes with a small non-final part" },
  { protocol: "cavatica", mutation: "CV-AUTH-ISOLATION", breaks: "lets one token read another's upload" },
  { protocol: "cavatica", mutation: "CV-ERROR-ENVELOPE", breaks: "answers errors without the envelope" },
  { protocol: "youforce", mutation: "YF-METADATA-FIRST", breaks: "accepts the metadata part second" },
  { protocol: "youforce", mutation: "YF-NAME-CHARSET", breaks: "accepts a bad file name" },
  { protocol: "youforce", mutation: "YF-NAME-EXTENSION", breaks: "accepts a malicious extension" },
  { protocol: "youforce", mutation: "MIME-BOUNDARY-LENGTH", breaks: "accepts a 71-character boundary" },
  { protocol: "youforce", mutation: "YF-AUTH-ISOLATION", breaks: "lets one token read another's file" },
  { protocol: "youforce", mutation: "YF-ERROR-ENVELOPE", breaks: "answers errors without the envelope" },
  { protocol: "youforce", mutation: "YF-MULTIPART-MAX-SIZE", breaks: "accepts an upload over 100 MB" },
];

/** What each reference server can break: mutation id → how, and the class of bug. */
const OFFERED: Record<Protocol, MutationCatalogue> = {
  basespace: BASESPACE_MUTATIONS,
  cavatica: CAVATICA_MUTATIONS,
  youforce: YOUFORCE_MUTATIONS,
};

interface OfferedMutant extends Mutant {
  /** The rule whose check must catch it. */
  readonly rule: string;
  readonly class: MutationClass;
}

const MUTANTS: readonly OfferedMutant[] = [
  ...REQUIRED.map((m) => ({
    ...m,
    rule: ruleOfMutation(m.mutation),
    breaks: OFFERED[m.protocol][m.mutation]?.breaks ?? m.breaks,
    class: OFFERED[m.protocol][m.mutation]?.class ?? ("rule" as const),
  })),
  ...(Object.entries(OFFERED) as [Protocol, MutationCatalogue][]).flatMap(([protocol, offered]) =>
    Object.entries(offered)
      .filter(([mutation]) => !REQUIRED.some((m) => m.mutation === mutation))
      .map(([mutation, info]) => ({
        protocol,
        mutation,
        rule: ruleOfMutation(mutation),
        breaks: info.breaks,
        class: info.class,
      })),
  ),
];

const SEED = process.env.FC_SEED === undefined ? 20_240_917 : Number(process.env.FC_SEED);
const TIMEOUT = 240_000;
const checkOf = (id: string) => ALL_CHECKS.find((check) => check.id === id);
const describeResult = (result: CheckResult | undefined): string =>
  result === undefined ? "no result" : `${result.status}${result.message ? `: ${result.message}` : ""}`;

const outcomes = new Map<string, string | undefined>();

describe(`mutant servers (seed ${SEED})`, () => {
  test("the table is sound: at least 20 mutants over the three protocols, each a rule of its protocol", () => {
    expect(REQUIRED.length).toBeGreaterThanOrEqual(20);
    expect(new Set(MUTANTS.map((m) => m.protocol))).toEqual(new Set(["basespace", "cavatica", "youforce"]));
    expect(new Set(MUTANTS.map((m) => m.mutation)).size).toBe(MUTANTS.length);
    for (const { protocol, mutation, rule: id } of MUTANTS) {
      const rule = RULES.find((r) => r.id === id);
      expect(rule, `${mutation}: ${id} is not in specs/rules.yaml`).toBeDefined();
      if (rule) expect(protocolOfRule(rule), mutation).toBe(protocol);
    }
  });

  test(
    "the check of every mutated rule passes against the faithful servers",
    async () => {
      const present = [...new Set(MUTANTS.filter((m) => checkOf(m.rule) !== undefined).map((m) => m.rule))];
      if (present.length === 0) return;
      const report = await runConformance({ protocol: "all", embedded: true, checks: present, seed: SEED });
      const notPassed = report.checks
        .filter((c) => c.status !== "passed")
        .map((c) => `${c.id} ${describeResult(c)}${c.replay ? ` (replay: ${c.replay})` : ""}`);
      expect(
        notPassed,
        `checks that do not pass against the faithful servers:\n${notPassed.join("\n")}`,
      ).toEqual([]);
    },
    TIMEOUT,
  );

  test.each(MUTANTS.map((m) => [m.protocol, m.mutation, m.breaks, m.rule] as const))(
    "%s mutant %s (%s) is killed by its check",
    async (protocol, mutation, _breaks, rule) => {
      if (!(mutation in OFFERED[protocol])) {
        const message = `the ${protocol} reference server does not implement the mutation ${mutation} yet (add it to its mutations)`;
        outcomes.set(mutation, message);
        expect.fail(message);
      }
      const check = checkOf(rule);
      if (!check) {
        outcomes.set(mutation, `no check implements ${rule} yet`);
        expect.fail(`no check implements ${rule} yet (src/checks/${protocol}/)`);
      }
      let result: CheckResult | undefined;
      try {
        const report = await runConformance({
          protocol,
          embedded: { mutations: { [protocol]: [mutation] } },
          checks: rule,
          seed: SEED,
        });
        result = report.checks.find((c) => c.id === rule);
      } catch (error) {
        const message = `the ${protocol} reference server did not start with mutations: ["${mutation}"]: ${(error as Error).message}`;
        outcomes.set(mutation, message);
        expect.fail(message);
      }
      const killed = result?.status === "failed";
      const message =
        `${protocol} mutant ${mutation} survived (${describeResult(result)}): its check did not fail against a ` +
        `server that ${OFFERED[protocol][mutation]?.breaks}. The check of ${rule} does not catch it, ` +
        "or the mutation does not break it.";
      outcomes.set(mutation, killed ? undefined : message);
      expect(result?.status, message).toBe("failed");
    },
    TIMEOUT,
  );

  afterAll(() => {
    const killed = (m: OfferedMutant) => outcomes.has(m.mutation) && outcomes.get(m.mutation) === undefined;
    const ratio = (group: readonly OfferedMutant[]) => `${group.filter(killed).length}/${group.length}`;
    const by = <K extends string>(key: (m: OfferedMutant) => K) => {
      const groups = new Map<K, OfferedMutant[]>();
      for (const m of MUTANTS) groups.set(key(m), [...(groups.get(key(m)) ?? []), m]);
      return [...groups].map(([k, group]) => `${k} ${ratio(group)}`).join(", ");
    };
    const lines = [
      `mutants killed: ${ratio(MUTANTS)}`,
      `  by protocol: ${by((m) => m.protocol)}`,
      `  by class:    ${by((m) => m.class)}`,
    ];
    for (const { protocol, mutation } of MUTANTS) {
      const outcome = outcomes.get(mutation);
      if (outcome !== undefined) lines.push(`  survived ${protocol} ${mutation}: ${outcome}`);
      else if (!outcomes.has(mutation)) lines.push(`  not run ${protocol} ${mutation}`);
    }
    console.log(lines.join("\n"));
  });
});
