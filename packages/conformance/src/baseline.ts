/**
 * Baselines (`--baseline FILE`): the rules a server is known to break, so a team can adopt the
 * suite and fail only on regressions. A baseline is a JSON list of rule ids, or a previous JSON
 * report, whose failed ids are taken.
 */

export class BaselineError extends Error {
  override readonly name = "BaselineError";
  readonly code = "PW_CONFORMANCE_BASELINE" as const;
}

export function parseBaseline(text: string): ReadonlySet<string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BaselineError(`the baseline is not JSON: ${(error as Error).message}`);
  }
  if (Array.isArray(value)) {
    if (!value.every((id): id is string => typeof id === "string"))
      throw new BaselineError("a baseline list must hold rule ids (strings)");
    return new Set(value);
  }
  const checks = (value as { checks?: unknown } | null)?.checks;
  if (Array.isArray(checks)) {
    const ids = new Set<string>();
    for (const check of checks as { id?: unknown; status?: unknown }[])
      if (check?.status === "failed" && typeof check.id === "string") ids.add(check.id);
    return ids;
  }
  throw new BaselineError("a baseline is a JSON list of rule ids or a JSON report of `partwise conformance`");
}
