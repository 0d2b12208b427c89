/**
 * Exit codes, usage errors and the flag parsers shared by the `partwise` commands:
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

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tb: 1e12,
  tib: 1024 ** 4,
};

/** Bytes: an integer, optionally with a unit (`500MiB`, `2GB`), for every size flag. */
export function parseBytes(flag: string, value: string): number {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(value.trim());
  const unit = UNITS[(match?.[2] ?? "").toLowerCase()];
  const bytes = match && unit !== undefined ? Number(match[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1)
    throw new UsageError(
      `--${flag} must be a positive number of bytes (e.g. 1073741824 or 1GiB), not "${value}"`,
    );
  return bytes;
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  "": 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
};

/** A duration: a number with `ms`, `s` (the default), `m`/`min` or `h` (`90s`, `5m`), in ms. */
export function parseDuration(flag: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = DURATION_UNITS[(match?.[2] ?? "").toLowerCase()];
  const ms = match && unit !== undefined ? Math.round(Number(match[1]) * unit) : Number.NaN;
  if (!(Number.isSafeInteger(ms) && ms >= 0))
    throw new UsageError(`--${flag} must be a duration such as 30s, 5m or 1h, not "${value}"`);
  return ms;
}

const BINARY_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"] as const;

/** Bytes for people: `512 B`, `1.5 KiB`, `286.1 MiB`, `1.20 GiB` (1024-based, as the size flags read them). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BINARY_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  return `${value.toFixed(value < 10 && unit >= 3 ? 2 : 1)} ${BINARY_UNITS[unit]}`;
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
