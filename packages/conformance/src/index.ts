/**
 * @partwise/conformance — property-based checks of every rule of specs/rules.yaml against any
 * BaseSpace, CAVATICA or YouForce server.
 */
export {
  type Check,
  CheckSkipped,
  ConformanceFailure,
  type Exchange,
  PropertyFailure,
  type Protocol,
} from "./check.ts";
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
export { RULES, type RuleEntry } from "./generated/rules.ts";
