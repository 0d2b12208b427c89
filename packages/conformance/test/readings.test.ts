/**
 * The suite's self-test against the readings: every reference server in its `lenient` and `strict`
 * reading (startEmbedded({ reading })) must pass every `must` check, and fail only the `should`
 * rules that the reading legitimately contradicts (the server's `*_READINGS` catalogue says which,
 * and why). A failure here is a false failure the suite would report against a faithful server.
 *
 * FC_SEED=N reruns with another seed.
 */
import type { Reading, ReadingCatalogue } from "@partwise/node";
import { BASESPACE_READINGS } from "@partwise/protocol-basespace/server";
import { CAVATICA_READINGS } from "@partwise/protocol-cavatica/server";
import { YOUFORCE_READINGS } from "@partwise/protocol-youforce/server";
import { describe, expect, test } from "vitest";
import type { Protocol } from "../src/check.ts";
import { RULES } from "../src/generated/rules.ts";
import { runConformance } from "../src/runner.ts";

const CATALOGUES: Record<Protocol, ReadingCatalogue> = {
  basespace: BASESPACE_READINGS,
  cavatica: CAVATICA_READINGS,
  youforce: YOUFORCE_READINGS,
};
const SEED = process.env.FC_SEED === undefined ? 20_261_206 : Number(process.env.FC_SEED);
const levelOf = (id: string) => RULES.find((rule) => rule.id === id)?.level;

describe.each(["lenient", "strict"] as const satisfies readonly Exclude<Reading, "default">[])(
  "the %s reading (seed %s)",
  (reading) => {
    test.each(Object.keys(CATALOGUES) as Protocol[])(
      "%s: no must failure, and only the should failures the reading contradicts",
      async (protocol) => {
        const contradicts = CATALOGUES[protocol][reading].contradicts;
        for (const id of Object.keys(contradicts))
          expect(levelOf(id), `${id}: a reading may only contradict a should rule`).toBe("should");
        const report = await runConformance({ protocol, embedded: { reading }, seed: SEED });
        const wrong = report.checks
          .filter(
            (c) =>
              (c.status === "failed" && !(c.level === "should" && Object.hasOwn(contradicts, c.id))) ||
              (c.status as string) === "error",
          )
          .map(
            (c) => `${c.id} (${c.level}) ${c.status}: ${c.message ?? ""}${c.replay ? `\n  ${c.replay}` : ""}`,
          );
        expect(
          wrong,
          `false verdicts against the ${reading} ${protocol} server:\n${wrong.join("\n")}`,
        ).toEqual([]);
      },
      240_000,
    );
  },
);
