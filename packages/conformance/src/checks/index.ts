/**
 * Every conformance check of the suite, one per rule id of specs/rules.yaml. Each protocol's checks
 * live in their own folder; MIME-* rules are checked through YouForce's `multipart/related`
 * upload, so they are among `youforceChecks` (with `protocol: "youforce"`).
 */
import type { Check } from "../check.ts";
import { basespaceChecks } from "./basespace/index.ts";
import { cavaticaChecks } from "./cavatica/index.ts";
import { youforceChecks } from "./youforce/index.ts";

export { basespaceChecks, cavaticaChecks, youforceChecks };

export const ALL_CHECKS: readonly Check[] = [...basespaceChecks, ...cavaticaChecks, ...youforceChecks];
