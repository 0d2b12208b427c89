/**
 * Infrastructure problems are not broken rules. Before any check of a protocol runs, the pre-flight
 * asks the target two questions: does it answer at all (a network, TLS or DNS failure means no), and
 * does it accept the tokens (401 to an authenticated read means no)? When either answer is no, the
 * target cannot be tested: every check of that protocol ends as `error` with the cause, and the run
 * exits 2. During the checks, a network failure, a timeout or a `CheckError` ends that check as
 * `error` too (`infrastructureCause`).
 */
import { redact } from "@partwise/node";
import { CheckError, type Protocol } from "./check.ts";
import type { Target } from "./context.ts";

/** How long the pre-flight waits for each answer. */
export const PREFLIGHT_TIMEOUT_MS = 15_000;

/**
 * An authenticated read that a server answers without 401 for a valid token and with 401 for a
 * refused one, sent exactly as the documents show it: a file or upload that does not exist (404 or
 * 403 are fine), or the publisher's file list.
 */
const PROBES: Record<Protocol, { path: string; headers: (token: string) => Record<string, string> }> = {
  basespace: {
    path: "/files/0",
    headers: (token) => ({ "x-access-token": token }),
  },
  cavatica: {
    path: "/upload/multipart/partwise-preflight",
    headers: (token) => ({ "x-sbg-auth-token": token }),
  },
  youforce: {
    path: "/files?role=publisher",
    headers: (token) => ({ authorization: `Bearer ${token}` }),
  },
};

/** Statuses of gateways in front of a server that is not there (RFC 9110 §15.6.3–15.6.5). */
const GATEWAY_DOWN = new Set([502, 503, 504]);

/** The cause of a network failure, e.g. `connect ECONNREFUSED 127.0.0.1:9`, or undefined if not one. */
export function networkCause(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name === "AbortError" || error.name === "TimeoutError") return "no answer (timed out)";
  if (!(error instanceof TypeError) || !/fetch failed|network|terminated/i.test(error.message))
    return undefined;
  let cause: unknown = error.cause;
  // undici wraps the socket error, sometimes twice; the innermost message names it best.
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    const message = cause.message || String(code ?? "");
    return typeof code === "string" && !message.includes(code) ? `${code}: ${message}` : message;
  }
  return error.message;
}

/** Why an error of a check is no verdict on the rule, or undefined when it is not such an error. */
export function infrastructureCause(error: unknown): string | undefined {
  if (error instanceof CheckError) return error.message;
  const network = networkCause(error);
  return network === undefined ? undefined : `network failure: ${network}`;
}

/**
 * Whether the target can be tested: undefined when it can, or one line naming the cause. Tokens are
 * redacted from the cause.
 */
export async function preflight(
  target: Target,
  options: { readonly fetch?: typeof fetch | undefined; readonly signal?: AbortSignal | undefined } = {},
): Promise<string | undefined> {
  const doFetch = options.fetch ?? fetch;
  const secrets = [target.token, ...(target.otherToken ? [target.otherToken] : [])];
  const probe = PROBES[target.protocol];
  const ask = async (headers: Record<string, string>): Promise<number | string> => {
    const signals = [AbortSignal.timeout(PREFLIGHT_TIMEOUT_MS), ...(options.signal ? [options.signal] : [])];
    try {
      const response = await doFetch(`${target.baseUrl}${probe.path}`, {
        headers,
        redirect: "manual",
        signal: AbortSignal.any(signals),
      });
      await response.body?.cancel().catch(() => {});
      return response.status;
    } catch (error) {
      return networkCause(error) ?? (error instanceof Error ? error.message : String(error));
    }
  };
  const explain = (cause: string) => redact(cause, secrets);
  const first = await ask(probe.headers(target.token));
  if (typeof first === "string") return explain(`cannot reach it (${first})`);
  if (GATEWAY_DOWN.has(first))
    return `it answered ${first} to the pre-flight request (a gateway without its server)`;
  if (first === 401) return "it refuses the token (401 to the pre-flight request)";
  if (first === 407) return "a proxy asks for authentication (407)";
  if (target.otherToken !== undefined) {
    const second = await ask(probe.headers(target.otherToken));
    if (second === 401) return "it refuses the second token (--other-token: 401 to the pre-flight request)";
  }
  return undefined;
}
