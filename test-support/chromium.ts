/**
 * Which Chromium the browser test projects drive, if any. Looked for in this order:
 * `PARTWISE_CHROMIUM` (when set, only that path counts, so pointing it nowhere simulates a machine
 * without a browser), Debian's `/usr/bin/chromium`, then Playwright's own download. Without one the
 * browser projects are skipped with one line saying how to run them, unless
 * `PARTWISE_REQUIRE_BROWSER=1` (set by CI), which makes a missing browser a failure.
 */

export const DEBIAN_CHROMIUM = "/usr/bin/chromium";

export type ChromiumPlan =
  | { readonly run: true; readonly executablePath: string }
  | { readonly run: false; readonly reason: string };

export const HOW_TO_RUN_BROWSER_TESTS =
  "to run them, apt install chromium (or npx playwright install chromium, or set PARTWISE_CHROMIUM=/path/to/chrome) and rerun";

/**
 * Decides from the environment and the file system (both passed in, so the decision is testable).
 * `playwrightPath` is where Playwright's own Chromium would be, undefined if Playwright cannot say.
 */
export function planChromium(
  env: Readonly<Record<string, string | undefined>>,
  exists: (path: string) => boolean,
  playwrightPath: string | undefined,
): ChromiumPlan {
  const chosen = env.PARTWISE_CHROMIUM;
  if (chosen !== undefined && chosen !== "") {
    if (exists(chosen)) return { run: true, executablePath: chosen };
    return { run: false, reason: `PARTWISE_CHROMIUM=${chosen} does not exist` };
  }
  if (exists(DEBIAN_CHROMIUM)) return { run: true, executablePath: DEBIAN_CHROMIUM };
  if (playwrightPath !== undefined && exists(playwrightPath))
    return { run: true, executablePath: playwrightPath };
  return { run: false, reason: `no Chromium at ${DEBIAN_CHROMIUM}, PARTWISE_CHROMIUM or Playwright's own` };
}

/**
 * True when this run leaves the browser projects out on purpose (`PARTWISE_SKIP_BROWSER=1`: CI's
 * extra passes on other Node versions, which run the Node projects only). Wins over
 * `PARTWISE_REQUIRE_BROWSER`.
 */
export function browserSkipped(env: Readonly<Record<string, string | undefined>>): boolean {
  return truthy(env.PARTWISE_SKIP_BROWSER);
}

const truthy = (value: string | undefined) =>
  value !== undefined && value !== "" && value !== "0" && value.toLowerCase() !== "false";

/** True when the environment asks for a missing browser to fail the run (CI). */
export function browserRequired(env: Readonly<Record<string, string | undefined>>): boolean {
  return truthy(env.PARTWISE_REQUIRE_BROWSER);
}

/** The one line printed when the browser projects are skipped. */
export function skippedLine(reason: string): string {
  return `browser tests skipped: ${reason}; ${HOW_TO_RUN_BROWSER_TESTS}`;
}
