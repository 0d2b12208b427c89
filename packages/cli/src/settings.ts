/**
 * Where `upload` and `conformance` find the base URL and the token when their flag is not given:
 * the flag always wins, then PARTWISE_*, then the vendor's own variable where one exists (the ones
 * Illumina's `bs` command and Seven Bridges' clients read). `partwise <command> --help` says the same
 * (help.ts, SETTINGS).
 */
import { type Protocol, UsageError } from "./usage.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** The environment variables read for each setting, in order, after the flag. */
export const BASE_URL_VARIABLES: Record<Protocol, readonly string[]> = {
  basespace: ["PARTWISE_BASE_URL", "BASESPACE_API_SERVER"],
  cavatica: ["PARTWISE_BASE_URL", "SB_API_ENDPOINT"],
  youforce: ["PARTWISE_BASE_URL"],
};

export const TOKEN_VARIABLES: Record<Protocol, readonly string[]> = {
  basespace: ["PARTWISE_TOKEN", "BASESPACE_ACCESS_TOKEN"],
  cavatica: ["PARTWISE_TOKEN", "SB_AUTH_TOKEN"],
  youforce: ["PARTWISE_TOKEN"],
};

/** A resolved setting and where it came from (`--token`, `SB_AUTH_TOKEN`), for messages. */
export interface Setting {
  readonly value: string;
  readonly from: string;
}

function firstSet(flag: string, flagValue: string | undefined, variables: readonly string[], env: Env) {
  if (flagValue !== undefined) return { value: flagValue, from: `--${flag}` };
  for (const name of variables) {
    const value = env[name];
    if (value !== undefined && value !== "") return { value, from: name };
  }
  return undefined;
}

/**
 * The base URL. BASESPACE_API_SERVER names the API host (`https://api.basespace.illumina.com`), as
 * Illumina's tools use it: the API version path `/v1pre3` is added when it has no path.
 */
export function resolveBaseUrl(protocol: Protocol, flag: string | undefined, env: Env): Setting | undefined {
  const found = firstSet("base-url", flag, BASE_URL_VARIABLES[protocol], env);
  if (found?.from === "BASESPACE_API_SERVER" && /^https?:\/\/[^/]+\/?$/.test(found.value))
    return { value: `${found.value.replace(/\/$/, "")}/v1pre3`, from: found.from };
  return found;
}

export function resolveToken(protocol: Protocol, flag: string | undefined, env: Env): Setting | undefined {
  return firstSet("token", flag, TOKEN_VARIABLES[protocol], env);
}

/** The base URL, or a usage error naming where it was looked for or where a bad one came from. */
export function requireBaseUrl(protocol: Protocol, flag: string | undefined, env: Env): string {
  const found = resolveBaseUrl(protocol, flag, env);
  if (found === undefined)
    throw new UsageError(
      `no base URL: pass --base-url URL or set ${BASE_URL_VARIABLES[protocol].join(" or ")}`,
    );
  if (!/^https?:\/\/[^/]/.test(found.value)) throw new UsageError(`${found.from} must be an http(s) URL`);
  return found.value.replace(/\/+$/, "");
}

/** The token, or a usage error naming every place that was looked at (never the value). */
export function requireToken(protocol: Protocol, flag: string | undefined, env: Env): string {
  const found = resolveToken(protocol, flag, env);
  if (found === undefined || found.value === "")
    throw new UsageError(`no token: pass --token or set ${TOKEN_VARIABLES[protocol].join(" or ")}`);
  return found.value;
}
