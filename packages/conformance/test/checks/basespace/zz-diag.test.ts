import { test } from "vitest";
import { basespaceChecks } from "../../../src/checks/basespace/index.ts";
import { runCheck, startBasespace } from "./harness.ts";

test("diag", async () => {
  const server = await startBasespace();
  const check = basespaceChecks.find((c) => c.id === "BS-COMPLETE-ORDER")!;
  const t0 = Date.now();
  const outcome = await runCheck(check, server.target);
  console.log(`DIAG ${outcome.status} ${Date.now() - t0} ms ${String(outcome.error ?? "")}`);
  await server.close();
}, 400_000);
