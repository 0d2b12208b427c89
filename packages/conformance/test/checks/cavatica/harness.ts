/**
 * Runs CAVATICA checks against a reference server in this process: the faithful one, or a mutant
 * (`mutations`), with the part-URL lifetime the embedded suite uses (5 s). A tiny stand-in for the
 * suite's runner: one context per check, its clean-up run whatever happened.
 */

import {
  CAVATICA_API_BASE_PATH,
  type CavaticaServerOptions,
  createCavaticaServer,
} from "@partwise/protocol-cavatica/server";
import { type Check, CheckSkipped, ConformanceFailure } from "../../../src/check.ts";
import { createContext, type Target } from "../../../src/context.ts";

export const TOKEN = "conformance-token-1";
export const OTHER_TOKEN = "conformance-token-2";
export const PROJECT = "partwise/conformance";

export interface Served {
  readonly target: Target;
  close(): Promise<void>;
}

export async function serve(
  options: CavaticaServerOptions = {},
  target: Partial<Target> = {},
): Promise<Served> {
  const server = await createCavaticaServer({
    tokens: [TOKEN, OTHER_TOKEN],
    partUrlTtlMs: 5_000,
    ...options,
  });
  const { url } = await server.listen({ port: 0 });
  return {
    target: {
      protocol: "cavatica",
      baseUrl: `${url}${CAVATICA_API_BASE_PATH}`,
      token: TOKEN,
      otherToken: OTHER_TOKEN,
      project: PROJECT,
      ...target,
    },
    close: () => server.close(),
  };
}

export type Outcome =
  | { readonly status: "passed"; readonly ms: number }
  | { readonly status: "skipped"; readonly reason: string; readonly ms: number }
  | { readonly status: "failed"; readonly error: ConformanceFailure; readonly ms: number };

export async function runCheck(check: Check, target: Target, seed = 42): Promise<Outcome> {
  const controller = new AbortController();
  const ctx = createContext({
    target,
    seed,
    numRuns: 10,
    propertyTimeMs: 30_000,
    budget: { remaining: 1024 * 1024 * 1024 },
    signal: controller.signal,
  });
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    await check.run(ctx);
    return { status: "passed", ms: ms() };
  } catch (error) {
    if (error instanceof CheckSkipped) return { status: "skipped", reason: error.message, ms: ms() };
    if (error instanceof ConformanceFailure) return { status: "failed", error, ms: ms() };
    throw error;
  } finally {
    await ctx.cleanup();
  }
}

/** A readable account of an outcome, for assertion messages. */
export function explain(outcome: Outcome): string {
  if (outcome.status === "failed")
    return `failed: ${outcome.error.message}\n${JSON.stringify(outcome.error.exchange ?? null)}`;
  return outcome.status === "skipped" ? `skipped: ${outcome.reason}` : "passed";
}
