/**
 * Which failures a retry can fix (tus-js-client's documented default, https://github.com/tus/tus-js-client/blob/main/docs/api.md): network errors,
 * 5xx, 408 and 429 are retried, honouring `Retry-After`; any other 4xx is a rule violation and
 * fails at once with the rule named. A protocol may mark a specific answer retryable (BaseSpace's
 * Content-MD5 mismatch is a part corrupted in transit) through its error's `retryable`.
 */
import type { FailureInfo } from "@partwise/engine";
import { ClientError } from "./errors.ts";

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * `Retry-After` (RFC 9110 §10.2.3) in ms: delay-seconds or an HTTP-date; undefined when absent or
 * unreadable. Capped at an hour so a hostile header cannot park an upload forever.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined || value.trim() === "") return undefined;
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, ms), 3_600_000);
}

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_REQ_CONTENT_LENGTH_MISMATCH",
]);

/** True for a transport failure (no HTTP answer): fetch's TypeError and undici's socket errors. */
export function isNetworkError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
    if (e instanceof TypeError && /fetch failed|network|Failed to fetch|Load failed/i.test(e.message))
      return true;
  }
  return false;
}

export function isAbortError(error: unknown): boolean {
  return (
    (error as { name?: unknown })?.name === "AbortError" ||
    (error instanceof ClientError && error.kind === "aborted")
  );
}

/** The session's view of a failed request. */
export function classifyFailure(error: unknown): FailureInfo {
  if (error instanceof ClientError) {
    return { retryable: error.retryable, retryAfterMs: error.retryAfterMs };
  }
  return { retryable: isNetworkError(error) };
}
