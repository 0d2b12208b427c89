import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const script = fileURLToPath(new URL("./fixtures/malloc-churn.ts", import.meta.url));
const glibc =
  process.platform === "linux" &&
  Boolean(
    (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
      ?.glibcVersionRuntime,
  );

function faults(mode: "primed" | "plain"): number {
  const out = execFileSync(
    process.execPath,
    ["--expose-gc", "--conditions=partwise-source", "--import", "tsx", script, mode],
    { encoding: "utf8" },
  );
  return Number(out.trim());
}

describe("primeAllocator", () => {
  // glibc only: its dynamic mmap threshold is what is primed. Four bursts of 32 MiB are 32,768
  // pages; returned to the kernel after each burst, they fault in again every time (Node 20 and 22
  // do, unprimed: 32,000 and more). Some Node versions raise the thresholds themselves at startup
  // (Node 24: under a hundred faults unprimed), so the figure unprimed is only reported.
  test.runIf(glibc)("freed buffers stay with the process: later bursts of allocations hardly fault", () => {
    const primed = faults("primed");
    const plain = faults("plain");
    expect(primed, `primed ${primed} faults, unprimed ${plain}`).toBeLessThan(32_768 / 8);
  });
});
