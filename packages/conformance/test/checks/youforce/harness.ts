/**
 * Runs YouForce checks straight through the check API (`createContext` + `check.run`) against a
 * YouForce reference server on an ephemeral port — faithful, or a mutant started with
 * `mutations: [ruleId]` — configured as `--embedded` configures it: two tokens, the target business
 * type owned by the first.
 */
import { randomBytes } from "node:crypto";
import type { ReferenceServer, RunningServer } from "@partwise/node";
import { createYouforceServer, type YouforceServerOptions } from "@partwise/protocol-youforce/server";
import { type Check, CheckSkipped, ConformanceFailure, PropertyFailure } from "../../../src/check.ts";
import { createContext, type Target } from "../../../src/context.ts";

export const BUSINESS_TYPE_ID = 4242;

export interface Youforce {
  readonly target: Target;
  close(): Promise<void>;
}

export async function startYouforce(options: YouforceServerOptions = {}): Promise<Youforce> {
  const tokens = [
    `yf-a-${randomBytes(8).toString("hex")}`,
    `yf-b-${randomBytes(8).toString("hex")}`,
  ] as const;
  const server: ReferenceServer = await createYouforceServer({
    tokens,
    businessTypes: { [String(BUSINESS_TYPE_ID)]: tokens[0] },
    ...options,
  });
  const listener: RunningServer = await server.listen({ host: "127.0.0.1", port: 0 });
  return {
    target: {
      protocol: "youforce",
      baseUrl: `${listener.url}/v1.0`,
      token: tokens[0],
      otherToken: tokens[1],
      businessTypeId: BUSINESS_TYPE_ID,
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
export async function runCheck(
  check: Check,
  target: Target,
  options: { readonly seed?: number; readonly fetch?: typeof fetch } = {},
): Promise<Outcome> {
  const controller = new AbortController();
  const ctx = createContext({
    target,
    seed: options.seed ?? SEED,
    numRuns: 20,
    propertyTimeMs: 30_000,
    budget: { remaining: Number.POSITIVE_INFINITY },
    signal: controller.signal,
    fetch: options.fetch,
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

/** The failure of an outcome as one line: message, counterexample and the exchange that showed it. */
export function describeOutcome(outcome: Outcome): string {
  const { error } = outcome;
  if (error === undefined) return outcome.status;
  const counterexample =
    error instanceof PropertyFailure
      ? ` {counterexample: ${JSON.stringify(error.counterexample, (_, v) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v))?.slice(0, 300)}, seed ${error.seed}, path ${error.path}}`
      : "";
  const exchange =
    error instanceof ConformanceFailure && error.exchange
      ? ` [${error.exchange.method} ${error.exchange.url} → ${error.exchange.status}: ${error.exchange.responseExcerpt?.slice(0, 200) ?? ""}]`
      : "";
  return `${outcome.status} in ${outcome.ms} ms: ${error instanceof Error ? error.message : String(error)}${counterexample}${exchange}`;
}
