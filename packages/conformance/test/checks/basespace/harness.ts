/**
 * Runs BaseSpace checks straight through the check API (`createContext` + `check.run`) against a
 * BaseSpace reference server on an ephemeral port — faithful, or a mutant started with
 * `mutations: [ruleId]` — the way the mutant harness starts it: two tokens, no fixed AppResult
 * owners (the first token's first write claims the target AppResult).
 */
import { randomBytes } from "node:crypto";
import type { ReferenceServer, RunningServer } from "@partwise/node";
import { createBasespaceServer } from "@partwise/protocol-basespace/server";
import { type Check, CheckSkipped, ConformanceFailure } from "../../../src/check.ts";
import { createContext, type Target } from "../../../src/context.ts";

export interface Basespace {
  readonly target: Target;
  close(): Promise<void>;
}

export async function startBasespace(mutations: readonly string[] = []): Promise<Basespace> {
  const tokens = [
    `bs-a-${randomBytes(8).toString("hex")}`,
    `bs-b-${randomBytes(8).toString("hex")}`,
  ] as const;
  const server: ReferenceServer = await createBasespaceServer({
    tokens,
    ...(mutations.length > 0 ? { mutations } : {}),
  });
  const listener: RunningServer = await server.listen({ host: "127.0.0.1", port: 0 });
  return {
    target: {
      protocol: "basespace",
      baseUrl: `${listener.url}/v1pre3`,
      token: tokens[0],
      otherToken: tokens[1],
      appResultId: "4711",
    },
    async close() {
      await listener.close();
      await server.close();
    },
  };
}

export interface Outcome {
  readonly status: "passed" | "failed" | "skipped";
  readonly error?: unknown;
  readonly ms: number;
}

export const SEED = process.env.FC_SEED === undefined ? 20_240_917 : Number(process.env.FC_SEED);

/** Runs one check with the suite's defaults (seed, 20 runs for properties without their own count). */
export async function runCheck(check: Check, target: Target, seed = SEED): Promise<Outcome> {
  const controller = new AbortController();
  const ctx = createContext({
    target,
    seed,
    numRuns: 20,
    propertyTimeMs: 30_000,
    budget: { remaining: Number.POSITIVE_INFINITY },
    signal: controller.signal,
  });
  const started = performance.now();
  let outcome: Omit<Outcome, "ms">;
  try {
    await check.run(ctx);
    outcome = { status: "passed" };
  } catch (error) {
    outcome = { status: error instanceof CheckSkipped ? "skipped" : "failed", error };
  } finally {
    await ctx.cleanup();
    controller.abort();
  }
  return { ...outcome, ms: Math.round(performance.now() - started) };
}

/** The failure of an outcome as one line: message and the exchange that showed it. */
export function describeOutcome(outcome: Outcome): string {
  const { error } = outcome;
  if (error === undefined) return outcome.status;
  const exchange =
    error instanceof ConformanceFailure && error.exchange
      ? ` [${error.exchange.method} ${error.exchange.url} → ${error.exchange.status}: ${error.exchange.responseExcerpt ?? ""}]`
      : "";
  return `${outcome.status}: ${error instanceof Error ? error.message : String(error)}${exchange}`;
}
