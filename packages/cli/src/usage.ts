/**
 * Exit codes and usage errors of the `partwise` command (DESIGN.md, "The public contract"):
 * 0 success · 1 upload failed or a rule was broken · 2 bad usage or configuration.
 */

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Bad flags or configuration: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const PROTOCOLS = ["basespace", "cavatica", "youforce"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export function parseProtocol(value: string | undefined): Protocol {
  if (value === undefined) throw new UsageError(`--protocol is required (${PROTOCOLS.join(", ")})`);
  if (!(PROTOCOLS as readonly string[]).includes(value))
    throw new UsageError(`unknown protocol "${value}" (expected ${PROTOCOLS.join(", ")})`);
  return value as Protocol;
}

export function parsePort(value: string | undefined): number {
  if (value === undefined) return 0;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0-65535, not "${value}"`);
  return port;
}

/** What a command needs from the outside world; tests pass their own. */
export interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  /** Fires on SIGINT/SIGTERM in the real command. */
  readonly signal: AbortSignal;
}
