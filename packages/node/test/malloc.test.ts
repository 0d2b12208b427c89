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
  // pages; returned to the kernel after each burst, they fault in again every time.
  test.runIf(glibc)("freed buffers stay with the process: later bursts of allocations fault far less", () => {
    const plain = faults("plain");
    const primed = faults("primed");
    expect(plain).toBeGreaterThan(16_000);
    expect(primed).toBeLessThan(plain / 4);
  });
});
