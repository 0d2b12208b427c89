/**
 * `partwise conformance --protocol basespace|cavatica|youforce|all
 *    (--embedded | --base-url URL [--token T | env PARTWISE_TOKEN] [--other-token T2 | env PARTWISE_OTHER_TOKEN]
 *                 [--app-result ID] [--project OWNER/PROJECT] [--parent FOLDER_ID] [--business-type-id N])
 *    [--seed N] [--num-runs N] [--path P] [--checks GLOB] [--strict] [--baseline FILE] [--max-bytes N]
 *    [--wait DURATION] [--reporter pretty|json|junit|html|github] [--output FILE] [--report-dir DIR]
 *    [--har FILE] [--quiet]`
 * `partwise conformance --list [--protocol P|all] [--json]`
 *
 * Runs the conformance suite (@partwise/conformance) against a server, or against the reference
 * servers in-process with --embedded. Progress on stderr; the report on stdout or in --output.
 * Exit 1 when a rule was broken (a failed `must` check, or `should` with --strict, not in the
 * baseline); 2 on bad usage, or when the target (or some check) could not be tested — unreachable, a
 * token refused at the pre-flight, a timeout: status `error`, never a broken rule; 0 otherwise. Tokens never appear
 * in the output: the report redacts them, and replay commands leave them to the environment.
 */
import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { redact } from "@partwise/node";
import { requireBaseUrl, requireToken, resolveBaseUrl } from "../settings.ts";
import { type Io, PROTOCOLS, type Protocol, parseBytes, parseDuration, UsageError } from "../usage.ts";

type Flags = Readonly<Record<string, string | boolean | readonly string[] | undefined>>;

const REPORTERS = ["pretty", "json", "junit", "html", "github"] as const;
type Reporter = (typeof REPORTERS)[number];

/** The flags that name a protocol's resources, and the protocol each belongs to. */
const TARGET_FLAGS: Record<string, Protocol> = {
  "app-result": "basespace",
  project: "cavatica",
  parent: "cavatica",
  "business-type-id": "youforce",
};

function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value)))
    throw new UsageError(`--${flag} must be a positive integer, not "${value}"`);
  return Number(value);
}

function parseSeed(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seed = Number(value);
  if (!/^-?\d+$/.test(value) || seed < -(2 ** 31) || seed >= 2 ** 31)
    throw new UsageError(`--seed must be a 32-bit integer, not "${value}"`);
  return seed;
}

/**
 * Replaces the given tokens wherever they appear. The report is already redacted by the suite; this
 * is the last guard before output, and it leaves the rules' own words (`Authorization: Bearer`)
 * alone, which position-based redaction would not.
 */
function hideTokens(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length < 4) continue; // as `redact`: shorter ones would mangle the text
    for (const form of new Set([secret, encodeURIComponent(secret)]))
      out = out.split(form).join("[redacted]");
  }
  return out;
}

const string = (flags: Flags, name: string): string | undefined => {
  const value = flags[name];
  return typeof value === "string" ? value : undefined;
};

/** The target of one protocol from --base-url, tokens and the protocol's resource flags. */
async function realTarget(protocol: Protocol, flags: Flags, io: Io) {
  // The flag, else the environment (settings.ts: PARTWISE_*, then the vendor's own variables).
  const baseUrl = requireBaseUrl(protocol, string(flags, "base-url"), io.env);
  const token = requireToken(protocol, string(flags, "token"), io.env);
  const otherToken = string(flags, "other-token") ?? (io.env.PARTWISE_OTHER_TOKEN || undefined);
  if (otherToken === token)
    throw new UsageError("--other-token must be a second identity, not the same token");
  for (const [flag, owner] of Object.entries(TARGET_FLAGS))
    if (owner !== protocol && string(flags, flag) !== undefined)
      throw new UsageError(`--${flag} is a ${owner} flag, not one of ${protocol}`);
  const common = { protocol, baseUrl: baseUrl.replace(/\/+$/, ""), token, otherToken };
  switch (protocol) {
    case "basespace": {
      const appResultId = string(flags, "app-result");
      if (!appResultId)
        throw new UsageError("basespace needs --app-result ID (an AppResult the token may write to)");
      return { ...common, appResultId };
    }
    case "cavatica": {
      const project = string(flags, "project");
      const parent = string(flags, "parent");
      if (project === undefined && parent === undefined)
        throw new UsageError("cavatica needs --project OWNER/PROJECT or --parent FOLDER_ID (or both)");
      if (project !== undefined && !/^[^/]+\/[^/]+$/.test(project))
        throw new UsageError(`--project must be OWNER/PROJECT, not "${project}"`);
      return {
        ...common,
        ...(project === undefined ? {} : { project }),
        ...(parent === undefined ? {} : { parent }),
      };
    }
    case "youforce": {
      const id = string(flags, "business-type-id") ?? "";
      if (!/^\d{1,15}$/.test(id)) throw new UsageError("youforce needs --business-type-id N (an integer)");
      return { ...common, businessTypeId: Number(id) };
    }
  }
}

export async function conformance(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      protocol: { type: "string" },
      embedded: { type: "boolean", default: false },
      "base-url": { type: "string" },
      token: { type: "string" },
      "other-token": { type: "string" },
      "app-result": { type: "string" },
      project: { type: "string" },
      parent: { type: "string" },
      "business-type-id": { type: "string" },
      seed: { type: "string" },
      "num-runs": { type: "string" },
      path: { type: "string" },
      checks: { type: "string", multiple: true, default: [] },
      strict: { type: "boolean", default: false },
      baseline: { type: "string" },
      "max-bytes": { type: "string" },
      wait: { type: "string" },
      reporter: { type: "string", default: "pretty" },
      output: { type: "string" },
      "report-dir": { type: "string" },
      har: { type: "string" },
      list: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
    },
  });
  if (values.list) return list(values, io);
  if (values.json) throw new UsageError("--json goes with --list; for a JSON report use --reporter json");
  const protocol = values.protocol;
  if (protocol === undefined) throw new UsageError(`--protocol is required (${PROTOCOLS.join(", ")} or all)`);
  if (protocol !== "all" && !(PROTOCOLS as readonly string[]).includes(protocol))
    throw new UsageError(`unknown protocol "${protocol}" (expected ${PROTOCOLS.join(", ")} or all)`);
  const reporter = values.reporter as Reporter;
  if (!REPORTERS.includes(reporter))
    throw new UsageError(`unknown reporter "${values.reporter}" (expected ${REPORTERS.join(", ")})`);
  const embedded = values.embedded;
  const envBaseUrl = PROTOCOLS.some((p) => p === protocol && resolveBaseUrl(p, undefined, io.env));
  if (embedded ? values["base-url"] !== undefined : values["base-url"] === undefined && !envBaseUrl)
    throw new UsageError("give either --embedded or --base-url URL");
  if (embedded) {
    for (const flag of ["token", "other-token", ...Object.keys(TARGET_FLAGS)])
      if (string(values, flag) !== undefined)
        throw new UsageError(`--${flag} does not go with --embedded (its servers have their own)`);
  } else if (protocol === "all") {
    throw new UsageError("--protocol all runs only with --embedded; test a server one protocol at a time");
  }
  const maxWaitMs = values.wait === undefined ? undefined : parseDuration("wait", values.wait);
  const found = embedded ? undefined : await realTarget(protocol as Protocol, values, io);
  const target = found && maxWaitMs !== undefined ? { ...found, maxWaitMs } : found;
  const secrets = target ? [target.token, ...(target.otherToken ? [target.otherToken] : [])] : [];
  const seed = parseSeed(values.seed);
  const numRuns = positiveInteger("num-runs", values["num-runs"]);
  const maxBytes =
    values["max-bytes"] === undefined ? undefined : parseBytes("max-bytes", values["max-bytes"]);
  if (values.path !== undefined && values.checks.length === 0)
    throw new UsageError("--path replays one check: give its rule id with --checks");

  // Loaded only now, so usage errors answer fast.
  const suite = await import("@partwise/conformance");
  let baseline: ReadonlySet<string> | undefined;
  if (values.baseline !== undefined) {
    let text: string;
    try {
      text = await readFile(values.baseline, "utf8");
    } catch (error) {
      throw new UsageError(
        `cannot read --baseline ${values.baseline}: ${(error as NodeJS.ErrnoException).code}`,
      );
    }
    try {
      baseline = suite.parseBaseline(text);
    } catch (error) {
      throw new UsageError(`--baseline ${values.baseline}: ${(error as Error).message}`);
    }
  }

  const stderrColor = (io.stderr as { isTTY?: boolean }).isTTY === true && !io.env.NO_COLOR;
  const progress = values.quiet
    ? undefined
    : suite.progressPrinter((text) => io.stderr.write(text), { color: stderrColor });
  const reportDir = values["report-dir"];
  const harFile = values.har ?? (reportDir === undefined ? undefined : join(reportDir, "exchanges.har"));
  const recorded: Parameters<NonNullable<Parameters<typeof suite.runConformance>[0]["onExchange"]>>[0][] = [];
  let report: Awaited<ReturnType<typeof suite.runConformance>>;
  try {
    report = await suite.runConformance({
      protocol: protocol as Protocol | "all",
      embedded,
      ...(target ? { targets: { [target.protocol]: target } } : {}),
      seed,
      numRuns,
      checks: values.checks,
      strict: values.strict,
      baseline,
      maxBytes,
      path: values.path,
      onProgress: progress,
      ...(harFile === undefined ? {} : { onExchange: (entry) => recorded.push(entry) }),
      signal: io.signal,
    });
  } catch (error) {
    if (error instanceof suite.ConformanceConfigError) throw new UsageError(redact(error.message, secrets));
    throw new Error(redact(error instanceof Error ? error.message : String(error), secrets));
  }

  const stdoutColor =
    values.output === undefined && (io.stdout as { isTTY?: boolean }).isTTY === true && !io.env.NO_COLOR;
  const text = hideTokens(suite.formatReport(report, reporter, { color: stdoutColor }), secrets);
  const code = suite.exitCodeOf(report);
  // A target that could not be tested: one line naming the cause, whatever the reporter.
  for (const { protocol: untested, target: where, cause } of report.untested ?? [])
    io.stderr.write(hideTokens(`partwise: cannot test ${untested} at ${where}: ${cause}\n`, secrets));
  const write = async (flag: string, file: string, content: string): Promise<void> => {
    try {
      await writeFile(file, hideTokens(content, secrets));
    } catch (error) {
      throw new UsageError(`cannot write ${flag} ${file}: ${(error as NodeJS.ErrnoException).code}`);
    }
  };
  if (values.output === undefined) io.stdout.write(text);
  else await write("--output", values.output, text);
  if (reportDir !== undefined) {
    await mkdir(reportDir, { recursive: true }).catch(() => {});
    for (const [name, format] of [
      ["report.html", "html"],
      ["report.json", "json"],
      ["report.xml", "junit"],
    ] as const)
      await write("--report-dir", join(reportDir, name), suite.formatReport(report, format));
  }
  if (harFile !== undefined) await write("--har", harFile, suite.formatHar(recorded, report));
  const stepSummary = io.env.GITHUB_STEP_SUMMARY;
  if (stepSummary)
    await appendFile(stepSummary, hideTokens(suite.formatMarkdown(report), secrets)).catch(() => {});
  if (!values.quiet && (reporter !== "pretty" || values.output !== undefined || reportDir !== undefined)) {
    const { passed, failed, skipped, errors, broken } = report.summary;
    io.stderr.write(
      `partwise: conformance ${passed} passed, ${failed} failed, ${skipped} skipped, ${errors} errors, ${broken} broken · seed ${report.seed}${values.output ? ` · report in ${values.output}` : ""}${reportDir ? ` · reports in ${reportDir}` : ""} · exit ${code}\n`,
    );
  }
  return code;
}

/** `--list`: every rule of the chosen protocol(s), as a table or JSON; runs nothing. */
async function list(values: Flags, io: Io): Promise<number> {
  const protocol = string(values, "protocol") ?? "all";
  if (protocol !== "all" && !(PROTOCOLS as readonly string[]).includes(protocol))
    throw new UsageError(`unknown protocol "${protocol}" (expected ${PROTOCOLS.join(", ")} or all)`);
  for (const flag of [
    "base-url",
    "token",
    "other-token",
    "reporter",
    "output",
    "har",
    "report-dir",
    "checks",
  ])
    if (flag !== "reporter" && flag !== "checks" && string(values, flag) !== undefined)
      throw new UsageError(`--list runs nothing: --${flag} does not go with it`);
  const suite = await import("@partwise/conformance");
  const rules = await suite.listRules({ protocol: protocol as Protocol | "all" });
  io.stdout.write(suite.formatRuleList(rules, values.json === true ? "json" : "text"));
  return 0;
}
