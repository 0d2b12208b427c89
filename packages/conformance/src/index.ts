/**
 * @partwise/conformance — property-based checks of every rule of specs/rules.yaml against any
 * BaseSpace, CAVATICA or YouForce server.
 */

export { BaselineError, parseBaseline } from "./baseline.ts";
export {
  type Check,
  CheckError,
  CheckSkipped,
  ConformanceFailure,
  type Exchange,
  type Need,
  PropertyFailure,
  type Protocol,
} from "./check.ts";
export { ALL_CHECKS } from "./checks/index.ts";
export {
  type CheckContext,
  type ContextOptions,
  createContext,
  type Http,
  type HttpAnswer,
  type HttpRequest,
  type PropertyOptions,
  type Target,
} from "./context.ts";
export { EMBEDDED_RESOURCES, type EmbeddedOptions, type EmbeddedServers, startEmbedded } from "./embedded.ts";
export { type BodyInfo, type BodyPart, describeBody, type HeaderList, redactHeaders } from "./exchange.ts";
export { RULES, type RuleEntry } from "./generated/rules.ts";
export { ruleFilter } from "./glob.ts";
export { formatRuleList, type ListedRule, listRules } from "./list.ts";
export { preflight } from "./preflight.ts";
export {
  type CheckResult,
  exitCodeOf,
  type Level,
  type Report,
  type Status,
  type Summary,
  type TargetError,
} from "./report.ts";
export { reportSchema } from "./report-schema.ts";
export {
  escapeHtml,
  formatGithub,
  formatHar,
  formatHtml,
  formatJson,
  formatJunit,
  formatMarkdown,
  formatPretty,
  formatReport,
  type PrettyOptions,
  progressPrinter,
  REPORTERS,
  type ReporterName,
} from "./reporters/index.ts";
export {
  ConformanceConfigError,
  DEFAULTS,
  PROTOCOLS,
  type ProgressEvent,
  protocolOfRule,
  type RecordedExchange,
  type RunOptions,
  randomSeed,
  replayCommand,
  runConformance,
} from "./runner.ts";
